"""Notifications: a row per message (the start page lists them), e-mail when SMTP is set up.

A notice with a ``key`` is recorded once: the insert does nothing when the key exists, so a
reminder run that overlaps another (or runs twice a day) cannot send the same reminder twice.
The unread count lives on the user row the header already has, so showing it costs no query.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.i18n import localised
from trainer.models import NoticeKind, Notification, User

log = logging.getLogger(__name__)

_NOTICES = Notification.__table__


def notify(
    session: Session,
    user_id: int,
    kind: str,
    *,
    params: dict,
    assignment_id: int | None = None,
    key: str | None = None,
) -> int | None:
    """Record a notice for ``user_id``; returns its id, or None when ``key`` was used before."""
    values = {
        "user_id": user_id,
        "kind": kind,
        "key": key,
        "assignment_id": assignment_id,
        "params": params,
        "created_at": utcnow(),
    }
    if key is None:
        statement = insert(_NOTICES).values(values)
    else:
        upsert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        statement = upsert(_NOTICES).values(values).on_conflict_do_nothing(index_elements=["key"])
    notice_id = session.execute(statement.returning(_NOTICES.c.id)).scalar()
    if notice_id is not None:
        session.execute(
            update(User).where(User.id == user_id).values(unread_notices=User.unread_notices + 1)
        )
    return notice_id


def recent(session: Session, user: User, limit: int = 20) -> list[Notification]:
    """The user's latest notices, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, user: User) -> None:
    """Every notice of ``user`` read; the header count back to zero."""
    session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.execute(update(User).where(User.id == user.id).values(unread_notices=0))


def text_of(notice: Notification | dict, lang: str | None = None) -> str:
    """The notice as one sentence in the current language (of a request or force_locale)."""
    kind = notice["kind"] if isinstance(notice, dict) else notice.kind
    params = notice["params"] if isinstance(notice, dict) else notice.params
    from trainer.i18n import date_filter

    title = localised(params.get("title"), lang) or params.get("ref", "")
    due = date_filter(date.fromisoformat(params["due"])) if params.get("due") else "—"
    if kind == NoticeKind.ASSIGNED:
        return _("New assignment: “%(title)s”, due %(due)s.", title=title, due=due)
    if kind == NoticeKind.DUE_SOON:
        return _("Reminder: “%(title)s” is due %(due)s.", title=title, due=due)
    if kind == NoticeKind.OVERDUE:
        return _("Overdue: “%(title)s” was due %(due)s.", title=title, due=due)
    if kind == NoticeKind.RECERTIFY:
        return _(
            "Your certificate for “%(title)s” expires %(due)s: take the course again to renew it.",
            title=title,
            due=due,
        )
    return title


# --- e-mail -----------------------------------------------------------------------------------


def smtp_settings(url: str) -> dict:
    """``smtp://user:password@host:port?from=addr&starttls=1`` (or ``smtps://``) as settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"TRAINER_SMTP_URL={url!r}: expected smtp://host:port or smtps://…")
    query = parse_qs(parts.query)
    return {
        "ssl": parts.scheme == "smtps",
        "host": parts.hostname,
        "port": parts.port or (465 if parts.scheme == "smtps" else 25),
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "sender": query.get("from", ["trainer@localhost"])[0],
        "starttls": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    }


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text e-mail through TRAINER_SMTP_URL (raises on failure)."""
    settings = smtp_settings(current_app.config["SMTP_URL"])
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings["sender"], to, subject
    message.set_content(body)
    connect = smtplib.SMTP_SSL if settings["ssl"] else smtplib.SMTP
    with connect(settings["host"], settings["port"], timeout=30) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"] or "")
        smtp.send_message(message)


def email_notice(session: Session, notice_id: int) -> bool:
    """E-mail a notice to its person, in their language, when SMTP is set and they have an address.

    The notice is claimed first (``emailed_at`` set where it was empty, committed), so of two
    runs only one sends it; a failed send is logged and releases the claim for a later run.
    The notice stays on the start page either way.
    """
    if not current_app.config.get("SMTP_URL"):
        return False
    notice = session.get(Notification, notice_id)
    user = session.get(User, notice.user_id) if notice else None
    if notice is None or user is None or not user.email or not user.active:
        return False
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == notice_id, Notification.emailed_at.is_(None))
        .values(emailed_at=utcnow())
    ).rowcount
    session.commit()
    if not claimed:
        return False
    lang = user.language or current_app.config["DEFAULT_LANGUAGE"]
    with force_locale(lang):
        body = text_of(notice, lang)
        subject = f"{current_app.config['SITE_NAME']}: {body[:60]}"
        footer = _("Sign in to see your assignments: %(url)s", url=current_app.config["BASE_URL"])
    try:
        send_mail(user.email, subject, f"{body}\n\n{footer}\n")
    except (OSError, smtplib.SMTPException):
        log.exception("could not e-mail notice %s to user %s", notice_id, user.id)
        session.execute(
            update(Notification).where(Notification.id == notice_id).values(emailed_at=None)
        )
        session.commit()
        return False
    return True


#: Notices older than this are not e-mailed any more (e.g. SMTP set up long after).
EMAIL_WITHIN_DAYS = 7


def unsent(session: Session) -> list[int]:
    """Recent notices not e-mailed yet, to people with an address (oldest first)."""
    from datetime import timedelta

    since = utcnow() - timedelta(days=EMAIL_WITHIN_DAYS)
    return list(
        session.scalars(
            select(Notification.id)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.created_at >= since,
                User.email.is_not(None),
                User.active,
            )
            .order_by(Notification.id)
        )
    )
