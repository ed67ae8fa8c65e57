"""The daily run: recertification assignments, then due-soon and overdue reminders.

Run by ``trainer reminders`` (cron, once a day) or as a job on the job queue
(kind ``tracking.reminders``). Safe to run twice or twice at once:

* a recertification assignment names the certificate it renews, and that column is unique,
  so a certificate is renewed by one assignment only (a second run's insert is skipped);
* every reminder is a notice with a unique key (``due_soon:<assignment>:<person>``), inserted
  with "on conflict do nothing"; only the run whose insert took effect e-mails it, after its
  transaction has committed (a concurrent insert of the same key waits for that commit, then
  does nothing), so nobody is reminded twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day
from trainer.db import utcnow
from trainer.domain.tracking import State
from trainer.models import (
    Assignment,
    AssignmentSource,
    Certificate,
    Course,
    CourseVersion,
    NoticeKind,
    Role,
    TargetKind,
    User,
)
from trainer.tracking import matrix, notices, service

log = logging.getLogger(__name__)

#: Reminded this many days before the due day (and on it).
DUE_SOON_DAYS = 3


@dataclass
class Summary:
    """What one run did."""

    recertifications: int = 0
    due_soon: int = 0
    overdue: int = 0
    emailed: int = 0

    def __str__(self) -> str:
        return (
            f"{self.recertifications} recertification assignment(s), {self.due_soon} due-soon "
            f"and {self.overdue} overdue reminder(s), {self.emailed} e-mail(s) sent"
        )


def recertify(session: Session, today: date) -> list[int]:
    """Assign each course again to holders whose certificate enters its renewal window.

    Due on the day the certificate expires. Skipped when the holder has already renewed (a
    later certificate for the course) or left (inactive). Returns the new notices' ids.
    """
    now = utcnow()
    rows = session.execute(
        select(Certificate, Course.code, CourseVersion.title, CourseVersion.recertify_days)
        .join(Course, Course.id == Certificate.course_id)
        .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
        .join(User, User.id == Certificate.user_id)
        .where(
            Course.active,
            User.active,
            User.role == Role.CASHIER,
            Certificate.revoked_at.is_(None),
            Certificate.expires_at > now,
            Certificate.id.not_in(
                select(Assignment.certificate_id).where(Assignment.certificate_id.is_not(None))
            ),
        )
    ).all()
    latest: dict[tuple[int, int], Certificate] = {}
    for cert, *_rest in rows:
        key = (cert.user_id, cert.course_id)
        if key not in latest or cert.expires_at > latest[key].expires_at:
            latest[key] = cert
    made = []
    for cert, code, title, days in rows:
        expires = local_day(cert.expires_at)
        if latest[(cert.user_id, cert.course_id)] is not cert or expires - today > timedelta(days):
            continue
        item = service.Item(TargetKind.COURSE.value, code, title)
        holder = session.get(User, cert.user_id)
        try:
            with session.begin_nested():  # a concurrent run made it first: skip, keep going
                (assignment,) = service.assign(
                    session,
                    None,
                    item,
                    expires,
                    people=[holder],
                    source=AssignmentSource.RECERTIFICATION.value,
                    certificate_id=cert.id,
                )
        except IntegrityError:
            continue
        made.append(assignment.id)
    return made


def remind(session: Session, today: date, summary: Summary) -> list[int]:
    """Record a due-soon or overdue notice for every open, unmet assignment; new notice ids."""
    built = matrix.build(session, None, on=today)
    made = []
    for row in built.rows:
        for key, cell in row.cells.items():
            if cell.done:
                continue
            if cell.state is State.OVERDUE:
                kind = NoticeKind.OVERDUE
            elif (cell.due - today).days <= DUE_SOON_DAYS:
                kind = NoticeKind.DUE_SOON
            else:
                continue
            # The assignment whose due day the cell shows (the earliest, when several).
            assignment = min(built.assignments[(row.id, key)], key=lambda a: (a.due_on, a.id))
            column = next(c for c in built.columns if c.item.key == key)
            notice_id = notices.notify(
                session,
                row.id,
                kind.value,
                params=service.item_params(column.item, cell.due),
                assignment_id=assignment.id,
                key=f"{kind.value}:{assignment.id}:{row.id}",
            )
            if notice_id is not None:
                made.append(notice_id)
                if kind is NoticeKind.OVERDUE:
                    summary.overdue += 1
                else:
                    summary.due_soon += 1
    return made


def run(session: Session, today: date | None = None) -> Summary:
    """One daily run, committed; then every new notice is e-mailed (when SMTP is set up).

    E-mail goes out for reminders and recertifications made now and for notices made since the
    last run (new assignments), each claimed before it is sent (notices.email_notice).
    """
    today = today or service.today()
    summary = Summary()
    summary.recertifications = len(recertify(session, today))
    session.commit()
    remind(session, today, summary)
    session.commit()
    if current_app.config.get("SMTP_URL"):
        for notice_id in notices.unsent(session):
            summary.emailed += notices.email_notice(session, notice_id)
    log.info("reminders: %s", summary)
    return summary


def reminders_job(session: Session, job, progress) -> None:
    """The job-queue handler (kind ``tracking.reminders``): one run, its summary logged."""
    summary = run(session)
    progress(1, total=1)
    log.info("job %s: %s", job.id, summary)
    return None
