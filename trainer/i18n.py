"""Language choice and locale-aware formatting of dates, numbers and money."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import parse_pattern
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context

from trainer.config import LANGUAGES
from trainer.extensions import babel

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
# babel's format_decimal parses its pattern and its locale on every call (about 20 µs, a
# result page formats two percentages): parsed once here, applied as format_decimal does.
_MONEY = parse_pattern("#,##0.00")
_PERCENT = parse_pattern("0.#")


def select_locale() -> str:
    """The user's profile language, else the one chosen in this browser, else the browser's."""
    if not has_request_context():  # CLI commands and background jobs
        return current_app.config["DEFAULT_LANGUAGE"]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    """'zh' or 'en' for the current request."""
    locale = get_locale()
    return str(locale.language) if locale else "zh"


def localised(text: dict | str | None, lang: str | None = None) -> str:
    """Pick ``lang`` (default: the current language) from a {zh, en} text."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    lang = lang or current_language()
    return text.get(lang) or text.get("en") or text.get("zh") or ""


def money(amount: float | Decimal | int | None) -> str:
    """¥1,152.00 in either language (the grouping follows the locale)."""
    if amount is None:
        return ""
    return "¥" + _MONEY.apply(amount, _locale(current_language()))


def percent(value: float | None) -> str:
    """A score such as 85.5 %, formatted for the language."""
    if value is None:
        return "—"
    return _PERCENT.apply(value, _locale(current_language())) + "%"


@cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def date_filter(value: date | datetime | None, style: str = "medium") -> str:
    """A date in the language's form: 2026年12月1日 / 1 Dec 2026."""
    if value is None:
        return "—"
    return format_date(value, style)


def datetime_filter(value: datetime | None, style: str = "medium") -> str:
    """A date and time in the language's form."""
    if value is None:
        return "—"
    return format_datetime(value, style)


# Flask-Babel finds the catalogue (and the locale) through several context proxies for every
# string, and a page translates dozens: templates take both from their render context instead
# (set once per render by the context processor below; macros imported without context fall
# back to the lookup).
def _catalogue(context):
    return context.get("_translations") or get_translations()


@pass_context
def _localised(context, text, lang=None):
    # The language comes from the render context too: a result page localises ~100 texts.
    return localised(text, lang or context.get("_language"))


@pass_context
def _gettext(context, string):
    return _catalogue(context).ugettext(string)


@pass_context
def _ngettext(context, singular, plural, n):
    return _catalogue(context).ungettext(singular, plural, n)


@pass_context
def _pgettext(context, ctxt, string):
    return _catalogue(context).upgettext(ctxt, string)


@pass_context
def _npgettext(context, ctxt, singular, plural, n):
    return _catalogue(context).unpgettext(ctxt, singular, plural, n)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and the formatting filters."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=_gettext,
        ngettext=_ngettext,
        pgettext=_pgettext,
        npgettext=_npgettext,
        newstyle=True,
    )
    app.context_processor(
        lambda: {"_translations": get_translations(), "_language": current_language()}
    )
    app.jinja_env.filters.update(
        localised=_localised,
        money=money,
        percent=percent,
        date=date_filter,
        datetime=datetime_filter,
    )
    app.jinja_env.globals.update(
        current_language=current_language, LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGES=LANGUAGES
    )
