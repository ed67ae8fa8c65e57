"""The report queries: weak topics and trends (a fixed number of statements).

Each function runs a constant number of statements whatever the number of attempts or
people: both read running sums per store and month kept at grading time
(trainer.reports.itemsums), so they no longer scan the year's attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.domain import weakspots
from trainer.models import MonthSum, Question, TopicSum
from trainer.reports import itemsums
from trainer.reports.scope import Scope
from trainer.tracking.ontime import OnTimeReport, on_time_report


@dataclass
class WeakTopics:
    """The weak-topics report: the table of tallies and the stores it covers."""

    table: weakspots.TopicTable
    store_ids: list[int]  # stores with answers, in the scope's order
    since: datetime


def weak_topics(session: Session, scope: Scope, *, days: int = 365) -> WeakTopics:
    """Share of first-attempt answers wrong per store and topic (two queries).

    Wrong means less than full marks; answers waiting for a supervisor's grade do not count.
    A person who works in two stores counts in both. Read from the running sums
    (trainer.reports.itemsums, TopicSum), so the period is whole months in the stores' time
    zone: from the first of the month ``days`` ago.
    """
    zone = itemsums.sums_zone()
    start = (utcnow() - timedelta(days=days)).astimezone(zone)
    since = datetime(start.year, start.month, 1, tzinfo=zone)
    query = (
        select(
            TopicSum.store_id,
            TopicSum.question_id,
            func.sum(TopicSum.answered),
            func.sum(TopicSum.wrong),
        )
        .where(TopicSum.month >= f"{start.year:04d}-{start.month:02d}")
        .group_by(TopicSum.store_id, TopicSum.question_id)
    )
    if scope.store_ids is not None:
        query = query.where(TopicSum.store_id.in_(scope.store_ids))
    # Every question's tags (content: hundreds of rows) first, so that the sums (tens of
    # thousands of rows at 200 stores) stream into tabulate instead of being held as a list:
    # short-lived rows keep the garbage collector's full passes away (75 ms -> 155 ms at
    # random otherwise).
    questions = {
        question_id: (tags or [], manual)
        for question_id, tags, manual in session.execute(
            select(Question.id, Question.tags, Question.data["manual"])
        )
    }
    rows = session.execute(query)
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
    Read from the running sums per store and month (trainer.reports.itemsums, MonthSum),
    whose months are in the stores' time zone (``zone`` is that zone).
    """
    wanted = months_back(utcnow().astimezone(zone), months)
    query = select(
        MonthSum.store_id, MonthSum.month, MonthSum.attempts, MonthSum.passed, MonthSum.sum_percent
    ).where(MonthSum.month >= wanted[0])
    if scope.store_ids is not None:
        query = query.where(MonthSum.store_id.in_(scope.store_ids))
    rows = session.execute(query).all()
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
    """Assignments completed on time per month, for the scope and each store (two queries over
    the outcomes kept ahead: call trainer.tracking.kept.refresh first).

    The rules are the team matrix's (see trainer.tracking.ontime).
    """
    return on_time_report(session, scope.store_ids, months)
