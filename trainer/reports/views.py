"""Reports for supervisors and compliance: weak topics, trends, item analysis, gap report.

Every page runs a fixed number of SQL statements whatever the amount of data: the figures are
aggregated in SQL (see service.py and items.py) and the pages never load rows per person.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from trainer.db import get_session
from trainer.domain import itemstats
from trainer.models import Quiz, Role
from trainer.reports.items import item_analysis
from trainer.reports.scope import OutOfScope, Scope, report_scope
from trainer.security import roles

bp = Blueprint("reports", __name__, url_prefix="/reports")

OVERSIGHT = (Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN)


def scope_or_404() -> Scope:
    """The viewer's stores and the ``store`` filter of the request; another store's: 404."""
    try:
        return report_scope(get_session(), current_user, request.args.get("store", "")[:40])
    except OutOfScope:
        abort(404)


def first_only() -> bool:
    """The ``attempts`` filter: first attempts (the default) or all of them."""
    return request.args.get("attempts", "first") != "all"


def _quiz_or_404(slug: str) -> Quiz:
    return get_session().scalar(select(Quiz).where(Quiz.slug == slug[:120])) or abort(404)


@bp.route("/items")
@roles(*OVERSIGHT)
def items_index():
    """Choose a quiz for its item analysis."""
    quizzes = get_session().scalars(select(Quiz).order_by(Quiz.slug)).all()
    return render_template("reports/items_index.html", quizzes=quizzes)


@bp.route("/items/<slug>")
@roles(*OVERSIGHT)
def items(slug: str):
    """Facility, discrimination and option counts of each question of a quiz."""
    quiz = _quiz_or_404(slug)
    scope = scope_or_404()
    report = item_analysis(get_session(), quiz, scope, first_only=first_only())
    return render_template(
        "reports/items.html",
        report=report,
        scope=scope,
        filters=_filters(scope),
        flag_labels={key: _(label) for key, label in itemstats.FLAG_LABELS.items()},
        thresholds=(itemstats.TOO_EASY_ABOVE, itemstats.TOO_HARD_BELOW),
    )


def _filters(scope: Scope) -> dict[str, str]:
    """The page's filters, for links (export, pager) that keep them."""
    return {
        "store": scope.chosen.code if scope.chosen else "",
        "attempts": "first" if first_only() else "all",
    }
