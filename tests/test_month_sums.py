"""Weak topics and trends read from the running sums per store and month equal a full
recomputation from the stored attempts, on both databases.

The reference recomputes both reports in plain Python from every attempt (the rules of
trainer.domain.weakspots and of the trends page), independently of the SQL that keeps the
sums. Attempts are random and spread over 15 months, some just after midnight on the first of
a month in the stores' time zone (still the previous month in UTC); the sums go through every
way they change: grading, an essay re-marked, learners moving store, and a rebuild.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.report_data import record_attempt
from tests.test_item_sums import ESSAY, QUESTIONS, _ids, _learners, _random_response
from trainer.db import utcnow
from trainer.domain import weakspots
from trainer.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    MonthSum,
    Question,
    Quiz,
    Store,
    TopicSum,
    User,
)
from trainer.quizzes.review import grade_essay
from trainer.reports import itemsums, service
from trainer.reports.scope import report_scope

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def app_config():
    return {"TIMEZONE": "Asia/Shanghai"}


def _when(rng: random.Random) -> datetime:
    """A moment in the last 15 months; one in four just after local midnight on the 1st."""
    moment = utcnow() - timedelta(days=rng.uniform(0, 450))
    if rng.random() < 0.25:
        local = moment.astimezone(ZONE)
        moment = datetime(local.year, local.month, 1, 0, rng.randint(0, 59), tzinfo=ZONE)
    return moment.astimezone(ZoneInfo("UTC"))


def _random_attempts(session, rng: random.Random, quizzes: list[Quiz], learners) -> None:
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    for _ in range(60):
        user, quiz = rng.choice(learners), rng.choice(quizzes)
        numbers[(user.id, quiz.id)] += 1
        items = []
        for qid in rng.sample(QUESTIONS, rng.randint(2, 4)):
            maximum = 2.0 if qid == "b-void-multiple" else 1.0
            score = rng.choice([0.0, maximum / 2, maximum])
            items.append((qid, score, maximum, _random_response(rng, qid)))
        if rng.random() < 0.3:
            items.append((ESSAY, float(rng.randint(0, 3)), 3.0, {"text": "because"}))
        record_attempt(
            session,
            user,
            quiz,
            items,
            number=numbers[(user.id, quiz.id)],
            submitted_at=_when(rng),
            pass_mark=rng.choice([50.0, 80.0]),
        )


def _graded(session) -> list[tuple[Attempt, set[int]]]:
    """Every graded attempt with its learner's stores now."""
    attempts = session.scalars(select(Attempt).where(Attempt.status == AttemptStatus.GRADED))
    return [(a, session.get(User, a.user_id).store_ids) for a in attempts]


def _expected_weak_topics(session, store_ids, since: datetime) -> weakspots.TopicTable:
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for attempt, their_stores in _graded(session):
        if attempt.number != 1 or attempt.submitted_at < since:
            continue
        for store_id in their_stores:
            if store_ids is not None and store_id not in store_ids:
                continue
            for item in attempt.items:
                if item.score is None or not item.max_score > 0:
                    continue
                acc = counts[(store_id, item.question_id)]
                acc[0] += 1
                acc[1] += item.score < item.max_score
    questions = {
        q.id: (q.tags or [], q.data.get("manual"))
        for q in session.scalars(select(Question).where(Question.id.in_({q for _, q in counts})))
    }
    return weakspots.tabulate(((s, q, n, w) for (s, q), (n, w) in counts.items()), questions)


def _expected_trends(session, store_ids, first_month: str) -> dict:
    figures: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for attempt, their_stores in _graded(session):
        month = attempt.submitted_at.astimezone(ZONE).strftime("%Y-%m")
        if month < first_month:
            continue
        for store_id in their_stores:
            if store_ids is None or store_id in store_ids:
                acc = figures[(store_id, month)]
                acc[0] += 1
                acc[1] += bool(attempt.passed)
                acc[2] += attempt.percent or 0
    return figures


def _assert_same(session, viewer: User, store_code: str = "") -> None:
    scope = report_scope(session, viewer, store_code)
    for days in (90, 180, 365):
        report = service.weak_topics(session, scope, days=days)
        # The period starts on the first of the month ``days`` ago, in the stores' zone.
        start = (utcnow() - timedelta(days=days)).astimezone(ZONE)
        assert report.since == datetime(start.year, start.month, 1, tzinfo=ZONE)
        expected = _expected_weak_topics(session, scope.store_ids, report.since)
        assert report.table.cells == expected.cells
        assert report.table.topics == expected.topics
        assert report.table.manual == expected.manual
        with_answers = {store for store, _tag in expected.cells}
        assert report.store_ids == [s.id for s in scope.stores if s.id in with_answers]

    trends = service.trends(session, scope, zone=ZONE)
    expected = _expected_trends(session, scope.store_ids, trends.months[0])
    got = {
        (store_id, month): (f.attempts, f.passed, f.average)
        for store_id, by_month in trends.stores.items()
        for month, f in by_month.items()
    }
    assert got == {
        key: (n, passed, pytest.approx(total / n)) for key, (n, passed, total) in expected.items()
    }
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for (_store, month), acc in expected.items():
        for i, value in enumerate(acc):
            totals[month][i] += value
    assert {m: (f.attempts, f.passed) for m, f in trends.total.items()} == {
        m: (n, passed) for m, (n, passed, _total) in totals.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_month_sums_equal_a_full_recomputation(app, session, people, stores, content, seed):
    with app.app_context():
        assert itemsums.sums_zone() == ZONE
        rng = random.Random(seed)
        quizzes = list(session.scalars(select(Quiz).where(Quiz.slug == "all-types")))
        learners = _learners(session, stores)
        _random_attempts(session, rng, quizzes, learners)
        session.commit()
        admin = session.get(User, people["admin"].user.id)
        supervisor = session.get(User, people["supervisor"].user.id)

        def check() -> None:
            _assert_same(session, admin)
            _assert_same(session, admin, "S2")
            _assert_same(session, supervisor)

        check()

        # An essay re-marked after the attempt was graded: wrong answers and percent change.
        essays = session.scalars(
            select(AttemptItem).where(AttemptItem.question_id.in_(_ids(session, [ESSAY])))
        ).all()
        assert essays
        for item in essays[:4]:
            grade_essay(session, item, rng.choice([0.0, 1.5, 3.0]), None, admin)
        session.commit()
        check()

        # Learners change stores: their answers and attempts move to the other store.
        s1, s2 = (session.scalar(select(Store).where(Store.code == c)) for c in ("S1", "S2"))
        session.get(User, learners[0].id).stores = [s2]
        session.get(User, learners[2].id).stores = [s1]  # was in both
        session.get(User, learners[3].id).stores = [s1, s2]  # was in none
        session.commit()
        check()

        # A rebuild (migration 0009, bench-data, `trainer db rebuild-sums`) gives the same rows.
        before = _rows(session)
        itemsums.rebuild(session)
        session.commit()
        assert _rows(session) == before


def _rows(session) -> set:
    topics = session.execute(
        select(TopicSum.month, TopicSum.store_id, TopicSum.question_id)
        .add_columns(TopicSum.answered, TopicSum.wrong)
        .where(TopicSum.answered > 0)
    )
    months = session.execute(
        select(MonthSum.month, MonthSum.store_id, MonthSum.attempts, MonthSum.passed)
        .add_columns(MonthSum.sum_percent)
        .where(MonthSum.attempts > 0)
    )
    return {tuple(r) for r in topics} | {(*r[:4], round(r[4], 6)) for r in months}


def test_rebuild_sums_moves_attempts_to_the_new_zones_months(app, session, people, content):
    """After TRAINER_TIMEZONE changes, `trainer db rebuild-sums` files attempts by new months."""
    from tests.test_cli import _run

    quiz = session.scalar(select(Quiz).where(Quiz.slug == "all-types"))
    cashier = session.get(User, people["cashier"].user.id)
    # 1 March, 00:30 in Shanghai: still February in UTC.
    moment = datetime(2026, 3, 1, 0, 30, tzinfo=ZONE)
    with app.app_context():
        record_attempt(
            session, cashier, quiz, [("b-void-single", 1.0, 1.0, None)], submitted_at=moment
        )
        session.commit()
    months = select(MonthSum.month, MonthSum.attempts)
    assert session.execute(months).all() == [("2026-03", 1)]
    app.config["TIMEZONE"] = "UTC"
    result = _run(app, "db", "rebuild-sums")
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.execute(months).all() == [("2026-02", 1)]
