"""The report queries: weak topics and trends (aggregates in SQL, a fixed number of statements).

Each function runs a constant number of statements whatever the number of attempts or
people: the database groups and counts, Python only arranges the (small) result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.domain import weakspots
from trainer.models import Attempt, AttemptItem, AttemptStatus, Question, user_stores
from trainer.reports.scope import Scope
from trainer.tracking.ontime import OnTimeReport, on_time_report


def _in_scope(scope: Scope) -> list:
    if scope.store_ids is None:
        return []
    return [user_stores.c.store_id.in_(scope.store_ids)]


@dataclass
class WeakTopics:
    """The weak-topics report: the table of tallies and the stores it covers."""

    table: weakspots.TopicTable
    store_ids: list[int]  # stores with answers, in the scope's order
    since: datetime


def weak_topics(session: Session, scope: Scope, *, days: int = 365) -> WeakTopics:
    """Share of first-attempt answers wrong per store and topic (two queries).

    Wrong means less than full marks; answers waiting for a supervisor's grade do not count.
    A person who works in two stores counts in both.
    """
    since = utcnow() - timedelta(days=days)
    wrong = case((AttemptItem.score < AttemptItem.max_score, 1), else_=0)
    rows = session.execute(
        select(
            user_stores.c.store_id,
            AttemptItem.question_id,
            func.count(),
            func.sum(wrong),
        )
        .select_from(Attempt)
        .join(user_stores, user_stores.c.user_id == Attempt.user_id)
        .join(AttemptItem, AttemptItem.attempt_id == Attempt.id)
        .where(
            Attempt.number == 1,
            Attempt.status == AttemptStatus.GRADED,
            Attempt.submitted_at >= since,
            AttemptItem.score.is_not(None),
            AttemptItem.max_score > 0,
            *_in_scope(scope),
        )
        .group_by(user_stores.c.store_id, AttemptItem.question_id)
    ).all()
    question_ids = {row[1] for row in rows}
    questions = {
        question_id: (tags or [], manual)
        for question_id, tags, manual in session.execute(
            select(Question.id, Question.tags, Question.data["manual"]).where(
                Question.id.in_(question_ids)
            )
        )
    }
    table = weakspots.tabulate(
        ((store, question, int(n), int(w or 0)) for store, question, n, w in rows), questions
    )
    with_answers = {store for store, _topic in table.cells}
    return WeakTopics(table, [s.id for s in scope.stores if s.id in with_answers], since)


@dataclass(frozen=True)
class MonthFigures:
    """One store's (or the whole scope's) graded attempts in one month."""

    attempts: int
    passed: int
    average: float | None  # mean percent

    @property
    def pass_rate(self) -> float | None:
        """Share of attempts passed, as a percentage."""
        return 100.0 * self.passed / self.attempts if self.attempts else None


def month_of(column, dialect: str, zone_name: str, offset_minutes: int):
    """'YYYY-MM' of a stored UTC moment in the stores' time zone, in SQL.

    PostgreSQL converts with the zone itself. SQLite knows no zones, so there the zone's
    offset now is added as minutes: exact for zones without daylight saving time such as
    Asia/Shanghai, and at most an hour out near a change elsewhere.
    """
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone_name, column), "YYYY-MM")
    return func.strftime("%Y-%m", column, f"{offset_minutes:+d} minutes")


def months_back(now: datetime, count: int) -> list[str]:
    """The ``count`` months up to and including ``now``'s, oldest first, as 'YYYY-MM'."""
    year, month = now.year, now.month
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


@dataclass
class Trends:
    """Per month: the whole scope's figures and each store's."""

    months: list[str]
    total: dict[str, MonthFigures]
    stores: dict[int, dict[str, MonthFigures]]


def trends(session: Session, scope: Scope, *, zone, months: int = 12) -> Trends:
    """Graded attempts, passes and the average score per store and month (one query).

    Every graded attempt counts (first or not): the trend shows how the team does over time.
    """
    now = utcnow().astimezone(zone)
    offset = int(now.utcoffset().total_seconds() // 60)
    wanted = months_back(now, months)
    first_day = datetime(int(wanted[0][:4]), int(wanted[0][5:]), 1, tzinfo=zone)
    dialect = session.bind.dialect.name
    month = month_of(Attempt.submitted_at, dialect, str(zone), offset).label("month")
    rows = session.execute(
        select(
            user_stores.c.store_id,
            month,
            func.count(),
            func.sum(case((Attempt.passed, 1), else_=0)),
            func.sum(Attempt.percent),
        )
        .select_from(Attempt)
        .join(user_stores, user_stores.c.user_id == Attempt.user_id)
        .where(
            and_(Attempt.status == AttemptStatus.GRADED, Attempt.submitted_at >= first_day),
            *_in_scope(scope),
        )
        .group_by(user_stores.c.store_id, month)
    ).all()
    per_store: dict[int, dict[str, list]] = {}
    total: dict[str, list] = {}
    for store_id, key, n, passed, percent_sum in rows:
        for bucket in (per_store.setdefault(store_id, {}), total):
            acc = bucket.setdefault(key, [0, 0, 0.0])
            acc[0] += int(n)
            acc[1] += int(passed or 0)
            acc[2] += float(percent_sum or 0)

    def figures(acc: list) -> MonthFigures:
        return MonthFigures(acc[0], acc[1], acc[2] / acc[0] if acc[0] else None)

    return Trends(
        wanted,
        {m: figures(a) for m, a in total.items()},
        {
            store.id: {m: figures(a) for m, a in per_store[store.id].items()}
            for store in scope.stores
            if store.id in per_store
        },
    )


def on_time_completion(session: Session, scope: Scope, months: list[str]) -> OnTimeReport:
    """Assignments completed on time per month, for the scope and each store (five queries).

    The rules are the team matrix's (see trainer.tracking.ontime).
    """
    return on_time_report(session, scope.store_ids, months)
