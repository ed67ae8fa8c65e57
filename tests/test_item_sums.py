"""The item analysis read from running sums equals a full recomputation, on both databases.

The reference here recomputes every figure in plain Python from the stored attempts (the
definitions of trainer.domain.itemstats), independently of the SQL that keeps the sums; the
data is random, and the sums go through every way they change: grading (through the real
engine and as stored results), an essay graded after submission, an essay re-marked, a
learner moving store, and a rebuild.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from tests.report_data import record_attempt
from trainer.admin.service import create_user
from trainer.domain import itemstats
from trainer.models import Attempt, AttemptItem, AttemptStatus, ItemSum, Quiz, Role, Store, User
from trainer.quizzes.review import grade_essay
from trainer.reports import itemsums
from trainer.reports.items import item_analysis
from trainer.reports.scope import report_scope

QUESTIONS = ["b-void-single", "b-void-multiple", "b-rerun-truefalse", "b-void-short"]
ESSAY = "b-timeout-essay"


def _random_response(rng: random.Random, qid: str) -> dict | None:
    if qid == "b-void-single":
        return {"choice": rng.choice("ab")}
    if qid == "b-void-multiple":
        return {"choices": sorted(rng.sample("abc", rng.randint(1, 3)))}
    if qid == "b-rerun-truefalse":
        return {"value": rng.random() < 0.5}
    return None if rng.random() < 0.3 else {"text": "x"}


def _learners(session, stores) -> list[User]:
    """Learners in one store, in both (a supervisor), and in none (compliance)."""
    memberships = [
        (Role.CASHIER, [stores["S1"]]),
        (Role.CASHIER, [stores["S2"]]),
        (Role.SUPERVISOR, [stores["S1"], stores["S2"]]),
        (Role.COMPLIANCE, []),
    ]
    learners = []
    for i in range(8):
        role, their_stores = memberships[i % len(memberships)]
        learners.append(
            create_user(
                session,
                username=f"learner{i}",
                name=f"Learner {i}",
                role=role,
                stores=their_stores,
                password="pw-learner-long-enough",
                language="en",
            ).user
        )
    session.commit()
    return learners


def _random_attempts(session, rng: random.Random, quiz: Quiz, learners: list[User]) -> None:
    numbers: dict[int, int] = defaultdict(int)
    for _ in range(40):
        user = rng.choice(learners)
        numbers[user.id] += 1
        items = []
        for qid in rng.sample(QUESTIONS, rng.randint(2, 4)):  # drawn from a pool
            maximum = 2.0 if qid == "b-void-multiple" else 1.0
            score = rng.choice([0.0, maximum / 2, maximum])
            items.append((qid, score, maximum, _random_response(rng, qid)))
        if rng.random() < 0.3:
            items.append((ESSAY, float(rng.randint(0, 3)), 3.0, {"text": "because"}))
        record_attempt(session, user, quiz, items, number=numbers[user.id])


def _recomputed(session, quiz: Quiz, store_ids: set[int] | None, first_only: bool) -> dict:
    """Every figure of the report, from the raw attempts, in Python."""
    attempts = session.scalars(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.status == AttemptStatus.GRADED)
    ).all()
    counted, percents = 0, []
    per_question: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
    picked: dict[int, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    kinds = {}
    for attempt in attempts:
        learner = session.get(User, attempt.user_id)
        if store_ids is not None and not store_ids & learner.store_ids:
            continue
        if first_only and attempt.number != 1:
            continue
        counted += 1
        percents.append(attempt.percent)
        for item in attempt.items:
            if item.score is None:
                continue
            per_question[item.question_id].append((item.score, item.max_score, attempt.score))
            kind = item.question["type"]
            kinds[item.question_id] = item.question
            key = {"single": "choice", "multiple": "choices", "truefalse": "value"}.get(kind)
            if key and item.response and key in item.response:
                value = item.response[key]
                picked[item.question_id][tuple(value) if isinstance(value, list) else value] += 1
    figures = {}
    for question_id, rows in per_question.items():
        sums = itemstats.ItemSums(
            len(rows),
            max(m for _, m, _ in rows),
            sum(x for x, _, _ in rows),
            sum(x * x for x, _, _ in rows),
            sum(y for _, _, y in rows),
            sum(y * y for _, _, y in rows),
            sum(x * y for x, _, y in rows),
        )
        raw = [(list(k) if isinstance(k, tuple) else k, n) for k, n in picked[question_id].items()]
        options = itemstats.option_counts(kinds[question_id], raw) if raw else None
        figures[question_id] = (itemstats.figures(sums), options)
    mean = sum(percents) / len(percents) if percents else None
    return {"attempts": counted, "mean": mean, "figures": figures}


def _assert_same(session, quiz: Quiz, viewer: User, store_code: str = "") -> None:
    scope = report_scope(session, viewer, store_code)
    for first_only in (False, True):
        report = item_analysis(session, quiz, scope, first_only=first_only)
        expected = _recomputed(session, quiz, scope.store_ids, first_only)
        assert report.attempts == expected["attempts"]
        assert report.mean_percent == pytest.approx(expected["mean"])
        assert {row.question_id for row in report.rows} == set(expected["figures"])
        for row in report.rows:
            want, options = expected["figures"][row.question_id]
            got = row.figures
            assert (got.n, got.flags) == (want.n, want.flags)
            for name in ("facility", "discrimination", "sd"):
                assert getattr(got, name) == pytest.approx(getattr(want, name), abs=1e-9), name
            if options is not None:
                assert [(o.id, o.count) for o in row.options] == options


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_running_sums_equal_a_full_recomputation(session, people, stores, content, seed):
    rng = random.Random(seed)
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "all-types"))
    learners = _learners(session, stores)
    _random_attempts(session, rng, quiz, learners)
    admin = session.get(User, people["admin"].user.id)
    supervisor = session.get(User, people["supervisor"].user.id)

    def check() -> None:
        _assert_same(session, quiz, admin)
        _assert_same(session, quiz, admin, "S2")
        _assert_same(session, quiz, supervisor)

    check()

    # An essay re-marked after the attempt was graded: the whole attempt's sums change.
    essays = session.scalars(
        select(AttemptItem).where(AttemptItem.question_id.in_(_ids(session, [ESSAY])))
    ).all()
    assert essays
    for item in essays[:3]:
        grade_essay(session, item, rng.choice([0.0, 1.5, 3.0]), None, admin)
    session.commit()
    check()

    # Learners change stores: their attempts follow them into the other scope.
    moved = session.get(User, learners[0].id)
    moved.stores = [session.scalar(select(Store).where(Store.code == "S2"))]
    narrower = session.get(User, learners[2].id)  # the supervisor of both keeps S1 only
    narrower.stores = [session.scalar(select(Store).where(Store.code == "S1"))]
    session.commit()
    check()

    # A rebuild (the migration, bench-data) gives the same sums as the running ones.
    before = _sum_rows(session)
    itemsums.rebuild(session)
    session.commit()
    after = _sum_rows(session)
    assert set(after) == set(before)
    for key, (n, sum_xy) in after.items():
        assert (n, sum_xy) == pytest.approx(before[key])


def _ids(session, qids: list[str]) -> list[int]:
    from trainer.models import Question

    return list(session.scalars(select(Question.id).where(Question.qid.in_(qids))))


def _sum_rows(session) -> dict:
    rows = session.execute(
        select(ItemSum.question_id, ItemSum.stores, ItemSum.first, ItemSum.option)
        .add_columns(func.sum(ItemSum.n), func.sum(ItemSum.sum_xy))
        .where(ItemSum.n > 0)
        .group_by(ItemSum.question_id, ItemSum.stores, ItemSum.first, ItemSum.option)
    )
    return {tuple(row[:4]): (float(row[4]), float(row[5])) for row in rows}


def test_graded_by_the_engine_and_after_an_essay(session, people, content):
    """submit() counts a graded attempt; one waiting for an essay counts once it is graded."""
    from trainer.quizzes.service import save_responses, start_attempt, submit

    quiz = session.scalar(select(Quiz).where(Quiz.slug == "scenario-first"))
    cashier = session.get(User, people["cashier"].user.id)
    admin = session.get(User, people["admin"].user.id)
    attempt = start_attempt(session, cashier, quiz)
    essay_position = next(i.position for i in attempt.items if i.question["type"] == "essay")
    save_responses(session, attempt, {essay_position: {"text": "I void it, then check."}})
    session.flush()
    assert submit(session, attempt)
    session.commit()
    scope = report_scope(session, admin)
    assert item_analysis(session, quiz, scope, first_only=False).attempts == 0  # essay waits
    row = session.get(Attempt, attempt.id)
    session.refresh(row)
    essay = next(i for i in row.items if i.status == "needs_review")
    grade_essay(session, essay, 2.0, None, admin)
    session.commit()
    report = item_analysis(session, quiz, scope, first_only=False)
    assert report.attempts == 1
    _assert_same(session, quiz, admin)


def test_sum_rows_are_written_in_key_order(app, session, people, content):
    """Two submits of a quiz update the same sum rows: both lock them in key order (else, on
    PostgreSQL, each could hold a row the other waits for, and one submit would fail)."""
    from sqlalchemy import event

    from trainer.quizzes.service import save_responses, start_attempt, submit

    written: dict[str, list[tuple]] = {}

    def keep(_conn, statement, multiparams, _params, _options):
        table = getattr(statement, "table", None)
        for model, key_names, _sums in itemsums.TABLES:
            if table is model.__table__ and multiparams:
                rows = multiparams[0] if isinstance(multiparams[0], list) else multiparams
                written[model.__tablename__] = [tuple(row[k] for k in key_names) for row in rows]

    quiz = session.scalar(select(Quiz).where(Quiz.slug == "no-essay"))
    cashier = session.get(User, people["cashier"].user.id)
    event.listen(app.extensions["engine"], "before_execute", keep)
    try:
        attempt = start_attempt(session, cashier, quiz)
        save_responses(session, attempt, {item.position: None for item in attempt.items})
        assert submit(session, attempt)
        session.commit()
    finally:
        event.remove(app.extensions["engine"], "before_execute", keep)
    assert {"item_sum", "topic_sum"} <= set(written)
    for rows in written.values():
        order = [tuple((v is None, "" if v is None else v) for v in row) for row in rows]
        assert order == sorted(order)
    # More than one row each, so the order means something.
    assert len(written["item_sum"]) > 1 and len(written["topic_sum"]) > 1
