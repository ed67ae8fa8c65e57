"""Completed on time per month and store, for the trends report.

An assignment, for each person it covers, is *on time* when the item was met on its due day
by the matrix's rules (trainer.domain.tracking): a course by a certificate valid that day, a
quiz or a drill by a pass on or before it. It counts in the month of its due day, once that
day is over. A store assignment covers the store's active cashiers, each with their own due
day (effective_due), as in the matrix; a person in two stores counts in both stores and once
in the total.

Whether each person met each assignment by its due day is decided ahead and kept in
``on_time_outcome`` (``keep``), by trainer.tracking.kept.refresh for the people the matrix's
triggers mark: a compliance officer's scope holds 15,000 (assignment, person) pairs, and
deciding them for each report took 250-400 ms. The outcome depends on the facts only, not on
the day it is decided (a pass or a certificate counts by its own dates), so it stays right
until the person's facts change, which marks them. The report counts the kept outcomes in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, delete, extract, func, insert, select, union_all
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day, local_zone
from trainer.domain.tracking import OnTime, Span, effective_due, met_on
from trainer.models import (
    Assignment,
    Attempt,
    AttemptStatus,
    Certificate,
    Course,
    Drill,
    DrillParticipant,
    DrillRun,
    OnTimeOutcome,
    Quiz,
    Role,
    TargetKind,
    User,
    user_stores,
)
from trainer.tracking.service import today as local_today

_BATCH = 5000


@dataclass
class OnTimeReport:
    """Per month ('YYYY-MM'): the scope's figures and each store's."""

    total: dict[str, OnTime]
    stores: dict[int, dict[str, OnTime]]


# --- deciding outcomes ahead ------------------------------------------------------------------


def _obligations(session: Session, people: Select) -> list[tuple[int, int, str, str, date]]:
    """(assignment id, person, kind, ref, due day) for every open assignment of ``people``.

    Whoever is a member of an assigned store now, active or not: who counts is decided when
    the report is read, as the person's role or status may change without marking them.
    """
    rows = [
        tuple(row)
        for row in session.execute(
            select(
                Assignment.id,
                Assignment.user_id,
                Assignment.kind,
                Assignment.ref,
                Assignment.due_on,
            ).where(Assignment.cancelled_at.is_(None), Assignment.user_id.in_(people))
        )
    ]
    whole_store = (
        select(
            Assignment.id,
            User.id,
            Assignment.kind,
            Assignment.ref,
            Assignment.due_on,
            Assignment.created_at,
            User.created_at,
        )
        .join(user_stores, user_stores.c.store_id == Assignment.store_id)
        .join(User, User.id == user_stores.c.user_id)
        .where(Assignment.cancelled_at.is_(None), User.id.in_(people))
    )
    # Everyone's outcomes cover 15,000 (store assignment, person) pairs but only some 600
    # assignments and 5,000 people: each one's local day is taken once.
    zone = local_zone()
    days: dict[datetime, date] = {}
    for aid, uid, kind, ref, due_on, assigned, joined in session.execute(whole_store):
        for moment in (assigned, joined):
            if moment not in days:
                days[moment] = local_day(moment, zone)
        rows.append((aid, uid, kind, ref, effective_due(due_on, days[assigned], days[joined])))
    return rows


def _spans(session: Session, people: Select, rows: list[tuple]) -> dict[tuple, list[Span]]:
    """(person, kind, ref) -> the days each assigned item was met (a query per kind assigned)."""
    refs = defaultdict(set)
    for row in rows:
        refs[row[2]].add(row[3])
    spans: dict[tuple[int, str, str], list[Span]] = defaultdict(list)
    zone = local_zone()
    passed = Attempt.status == AttemptStatus.GRADED, Attempt.passed.is_(True)
    # A kind nobody is assigned is not looked up: with no quiz assigned, the planner still
    # walked 200,000 attempts by person for an empty list of quizzes (100 ms at 5,000 staff).
    if refs[TargetKind.QUIZ]:
        for uid, slug, first in session.execute(
            select(Attempt.user_id, Quiz.slug, func.min(Attempt.submitted_at))
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(*passed, Quiz.slug.in_(refs[TargetKind.QUIZ]), Attempt.user_id.in_(people))
            .group_by(Attempt.user_id, Quiz.slug)
        ):
            spans[(uid, TargetKind.QUIZ.value, slug)].append(Span(local_day(first, zone)))
    if refs[TargetKind.COURSE]:
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
            ends = [local_day(m, zone) for m in (expires, revoked) if m is not None]
            spans[(uid, TargetKind.COURSE.value, code)].append(
                Span(local_day(issued, zone), min(ends) if ends else None)
            )
    if refs[TargetKind.DRILL]:
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
            spans[(uid, TargetKind.DRILL.value, slug)].append(Span(local_day(first, zone)))
    return spans


def keep(session: Session, people: Select, everyone: bool) -> None:
    """Decide again the outcomes of ``people`` (a SELECT of user ids; ``everyone``: all kept
    outcomes are replaced) and keep them."""
    if everyone:
        session.execute(delete(OnTimeOutcome))
    else:
        session.execute(delete(OnTimeOutcome).where(OnTimeOutcome.user_id.in_(people)))
    rows = _obligations(session, people)
    spans = _spans(session, people, rows)
    outcomes = [
        {
            "assignment_id": aid,
            "user_id": uid,
            "due_on": due,
            "met": met_on(due, spans.get((uid, kind, ref), [])),
        }
        for aid, uid, kind, ref, due in rows
    ]
    for start in range(0, len(outcomes), _BATCH):
        session.execute(insert(OnTimeOutcome), outcomes[start : start + _BATCH])


# --- reading them -----------------------------------------------------------------------------


def on_time_report(
    session: Session, store_ids: Iterable[int] | None, months: list[str]
) -> OnTimeReport:
    """Completed on time per month in ``months`` ('YYYY-MM'), for the stores (None: all), from
    the kept outcomes (two queries; call trainer.tracking.kept.refresh first)."""
    o = OnTimeOutcome
    over = [Assignment.cancelled_at.is_(None), o.due_on < local_today()]
    personal = (
        select(user_stores.c.store_id, o.assignment_id, o.user_id, o.due_on, o.met)
        .join(Assignment, Assignment.id == o.assignment_id)
        .join(user_stores, user_stores.c.user_id == o.user_id)
        .where(Assignment.user_id.is_not(None), *over)
    )
    whole_store = (
        select(Assignment.store_id, o.assignment_id, o.user_id, o.due_on, o.met)
        .join(Assignment, Assignment.id == o.assignment_id)
        .join(
            user_stores,
            and_(
                user_stores.c.store_id == Assignment.store_id,
                user_stores.c.user_id == o.user_id,
            ),
        )
        .join(User, User.id == o.user_id)
        .where(User.active, User.role == Role.CASHIER, *over)
    )
    if store_ids is not None:
        personal = personal.where(user_stores.c.store_id.in_(store_ids))
        whole_store = whole_store.where(Assignment.store_id.in_(store_ids))
    rows = union_all(personal, whole_store).subquery()
    # A person in two stores counts in each store's figures but once in the total.
    once = select(rows.c.assignment_id, rows.c.user_id, rows.c.due_on, rows.c.met).distinct()
    once = once.subquery()
    wanted = set(months)

    stores: dict[int, dict[str, OnTime]] = defaultdict(dict)
    year, month = extract("year", rows.c.due_on), extract("month", rows.c.due_on)
    for store_id, y, m, due, on_time in session.execute(
        select(
            rows.c.store_id, year, month, func.count(), func.count().filter(rows.c.met)
        ).group_by(rows.c.store_id, year, month)
    ):
        if (label := f"{int(y):04d}-{int(m):02d}") in wanted:
            stores[store_id][label] = OnTime(due, on_time)
    total: dict[str, OnTime] = {}
    year, month = extract("year", once.c.due_on), extract("month", once.c.due_on)
    for y, m, due, on_time in session.execute(
        select(year, month, func.count(), func.count().filter(once.c.met)).group_by(year, month)
    ):
        if (label := f"{int(y):04d}-{int(m):02d}") in wanted:
            total[label] = OnTime(due, on_time)
    return OnTimeReport(total, dict(stores))
