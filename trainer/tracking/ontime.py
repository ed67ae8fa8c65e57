"""Completed on time per month and store, for the trends report (five queries).

An assignment, for each person it covers, is *on time* when the item was met on its due day
by the matrix's rules (trainer.domain.tracking): a course by a certificate valid that day, a
quiz or a drill by a pass on or before it. It counts in the month of its due day, once that
day is over. A store assignment covers the store's active cashiers, each with their own due
day (effective_due), as in the matrix; a person in two stores counts in both stores and once
in the total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day
from trainer.domain.tracking import OnTime, Span, effective_due, on_time_by_month
from trainer.models import (
    Assignment,
    Attempt,
    AttemptStatus,
    Certificate,
    Course,
    Drill,
    DrillParticipant,
    DrillRun,
    Quiz,
    Role,
    TargetKind,
    User,
    user_stores,
)
from trainer.tracking.service import today as local_today

TOTAL = 0  # the key of the whole scope's figures


@dataclass
class OnTimeReport:
    """Per month ('YYYY-MM'): the scope's figures and each store's."""

    total: dict[str, OnTime]
    stores: dict[int, dict[str, OnTime]]


def _obligations(session: Session, store_ids: Iterable[int] | None) -> list[tuple]:
    """(assignment id, person, store, kind, ref, due day) for every open assignment in scope."""
    today = local_today()
    personal = (
        select(
            Assignment.id,
            Assignment.user_id,
            user_stores.c.store_id,
            Assignment.kind,
            Assignment.ref,
            Assignment.due_on,
        )
        .join(user_stores, user_stores.c.user_id == Assignment.user_id)
        .where(Assignment.cancelled_at.is_(None), Assignment.due_on < today)
    )
    whole_store = (
        select(
            Assignment.id,
            User.id,
            Assignment.store_id,
            Assignment.kind,
            Assignment.ref,
            Assignment.due_on,
            Assignment.created_at,
            User.created_at,
        )
        .join(user_stores, user_stores.c.store_id == Assignment.store_id)
        .join(User, User.id == user_stores.c.user_id)
        .where(
            Assignment.cancelled_at.is_(None),
            Assignment.due_on < today,  # a later joiner's day is later still
            User.active,
            User.role == Role.CASHIER,
        )
    )
    if store_ids is not None:
        personal = personal.where(user_stores.c.store_id.in_(store_ids))
        whole_store = whole_store.where(Assignment.store_id.in_(store_ids))
    rows = [tuple(row) for row in session.execute(personal)]
    for aid, uid, sid, kind, ref, due_on, assigned, joined in session.execute(whole_store):
        due = effective_due(due_on, local_day(assigned), local_day(joined))
        rows.append((aid, uid, sid, kind, ref, due))
    return rows


def _spans(session: Session, rows: list[tuple]) -> dict[tuple[int, str, str], list[Span]]:
    """(person, kind, ref) -> the days each assigned item was met (three queries)."""
    people = {row[1] for row in rows}
    refs = defaultdict(set)
    for row in rows:
        refs[row[3]].add(row[4])
    spans: dict[tuple[int, str, str], list[Span]] = defaultdict(list)
    passed = Attempt.status == AttemptStatus.GRADED, Attempt.passed.is_(True)
    for uid, slug, first in session.execute(
        select(Attempt.user_id, Quiz.slug, func.min(Attempt.submitted_at))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(*passed, Quiz.slug.in_(refs[TargetKind.QUIZ]), Attempt.user_id.in_(people))
        .group_by(Attempt.user_id, Quiz.slug)
    ):
        spans[(uid, TargetKind.QUIZ.value, slug)].append(Span(local_day(first)))
    for uid, code, issued, expires, revoked in session.execute(
        select(
            Certificate.user_id,
            Course.code,
            Certificate.issued_at,
            Certificate.expires_at,
            Certificate.revoked_at,
        )
        .join(Course, Course.id == Certificate.course_id)
        .where(Course.code.in_(refs[TargetKind.COURSE]), Certificate.user_id.in_(people))
    ):
        ends = [local_day(m) for m in (expires, revoked) if m is not None]
        spans[(uid, TargetKind.COURSE.value, code)].append(
            Span(local_day(issued), min(ends) if ends else None)
        )
    for uid, slug, first in session.execute(
        select(DrillParticipant.user_id, Drill.slug, func.min(DrillParticipant.finished_at))
        .join(DrillRun, DrillRun.id == DrillParticipant.run_id)
        .join(Drill, Drill.id == DrillRun.drill_id)
        .where(
            DrillParticipant.passed.is_(True),
            Drill.slug.in_(refs[TargetKind.DRILL]),
            DrillParticipant.user_id.in_(people),
        )
        .group_by(DrillParticipant.user_id, Drill.slug)
    ):
        spans[(uid, TargetKind.DRILL.value, slug)].append(Span(local_day(first)))
    return spans


def on_time_report(
    session: Session, store_ids: Iterable[int] | None, months: list[str]
) -> OnTimeReport:
    """Completed on time per month in ``months`` ('YYYY-MM'), for the stores (None: all)."""
    rows = _obligations(session, store_ids)
    spans = _spans(session, rows)
    today = local_today()
    per_store = on_time_by_month(
        [(sid, due, spans.get((uid, kind, ref), [])) for _a, uid, sid, kind, ref, due in rows],
        today,
    )
    # A person in two stores counts in each store's figures but once in the total.
    once = {
        (aid, uid): (due, spans.get((uid, kind, ref), []))
        for aid, uid, _sid, kind, ref, due in rows
    }
    total = on_time_by_month([(TOTAL, due, met) for due, met in once.values()], today)
    wanted = set(months)

    def within(by_month: dict[str, OnTime]) -> dict[str, OnTime]:
        return {m: tally for m, tally in by_month.items() if m in wanted}

    return OnTimeReport(
        within(total.get(TOTAL, {})),
        {sid: within(by_month) for sid, by_month in per_store.items()},
    )
