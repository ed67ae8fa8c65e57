"""The tables behind the team matrix and attempts exports (trainer.spreadsheets writes them).

Attempts are read from the database in batches (``yield_per``) while the download is sent,
so memory stays flat whatever the number of rows. Headers and values are in the reader's
language.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from trainer.i18n import localised, percent
from trainer.models import Attempt, AttemptStatus, Quiz, Store, TargetKind, User, user_stores
from trainer.tracking.labels import cell_detail, state_label
from trainer.tracking.matrix import Matrix
from trainer.tracking.service import staff_query

BATCH = 1000


def matrix_table(built: Matrix) -> tuple[list[str], Iterator[list]]:
    """Headers and rows of the team matrix: one column per assigned item."""
    headers = [_("Employee number"), _("Name"), _("Store")] + [
        localised(c.item.title) for c in built.columns
    ]

    def rows():
        for row in built.rows:
            cells = []
            for column in built.columns:
                cell = row.cells.get(column.item.key)
                if cell is None:
                    cells.append("")
                    continue
                detail = cell_detail(cell)
                cells.append(state_label(cell.state) + (f" ({detail})" if detail else ""))
            yield [row.employee_no or "", row.name, row.store_code, *cells]

    return headers, rows()


_STATUS = {
    AttemptStatus.IN_PROGRESS: "In progress",
    AttemptStatus.AWAITING_REVIEW: "Awaiting review",
    AttemptStatus.GRADED: "Graded",
}


def attempt_rows(
    viewer: User, store_id: int | None, item_key: str | None
) -> tuple[list[str], Iterator[list]]:
    """Every attempt of the staff in view, oldest person first; for one quiz or course's quizzes."""
    query = (
        select(
            User.employee_no,
            User.name,
            Store.code,
            Quiz.title,
            Attempt.number,
            Attempt.status,
            Attempt.started_at,
            Attempt.submitted_at,
            Attempt.percent,
            Attempt.passed,
        )
        .join(User, User.id == Attempt.user_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .outerjoin(user_stores, user_stores.c.user_id == User.id)
        .outerjoin(Store, Store.id == user_stores.c.store_id)
        .where(Attempt.user_id.in_(staff_query(viewer, store_id)))
        .order_by(User.name, User.id, Attempt.started_at, Attempt.id)
    )
    if item_key:
        kind, _sep, ref = item_key.partition(":")
        if kind == TargetKind.QUIZ:
            query = query.where(Quiz.slug == ref)
        elif kind == TargetKind.COURSE:
            query = query.where(Quiz.course_code == ref)
        else:
            query = query.where(False)
    headers = [
        _("Employee number"),
        _("Name"),
        _("Store"),
        _("Quiz"),
        _("Attempt"),
        _("Status"),
        _("Started"),
        _("Submitted"),
        _("Score"),
        _("Passed"),
    ]
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    yes, no = _("Yes"), _("No")
    statuses = {k: _(v) for k, v in _STATUS.items()}

    def local(moment: datetime | None):
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def lines(result):
        for number, name, code, title, n, status, started, submitted, score, passed in result:
            yield [
                number or "",
                name,
                code or "",
                localised(title),
                n,
                statuses.get(status, str(status)),
                local(started),
                local(submitted),
                percent(score) if score is not None else "",
                "" if passed is None else (yes if passed else no),
            ]

    maker = current_app.extensions["sessionmaker"]

    def rows():
        # Runs while the response is sent, after the request's teardown has closed its session
        # and returned its connection: a session of its own, closed at the end (also when the
        # download is cut off), or its connection would stay checked out.
        with maker() as session:
            yield from lines(session.execute(query.execution_options(yield_per=BATCH)))

    return headers, rows()
