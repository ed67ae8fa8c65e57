"""Attempts keep the question versions they started with, and the hot pages stay lean.

Attempt items point at content-addressed question versions that a worker caches; these tests
pin what that design promises: an edit never reaches an attempt under way, the cache is
keyed by content (so a reused row id cannot serve old content), and the number of SQL
statements each step of an attempt issues (deterministic, unlike timings).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.helpers import login_as
from tests.test_quizzes import (
    FETCH,
    QUESTIONS,
    _answer,
    _attempt,
    _expire,
    _fields,
    _page,
    _post,
    _start,
    _submit,
)
from trainer.courses.importer import import_tree
from trainer.models import AttemptStatus, Question, QuestionVersion, User
from trainer.models import content as content_models

OLD_STEM = "The batch is open and you overcharged. What do you do?"
NEW_STEM = "The batch is still open and the amount was too high. What do you do?"


def _edit_stem(root) -> None:
    bank = root / "quizzes/banks/basics.yaml"
    text = bank.read_text(encoding="utf-8")
    assert OLD_STEM in text
    bank.write_text(text.replace(OLD_STEM, NEW_STEM), encoding="utf-8")


def test_an_edit_does_not_reach_an_attempt_under_way(app, client, session, people, content):
    login_as(client, people["cashier"])
    first = _start(client, "latest")
    html, _shown, _parser = _page(client, first)
    assert OLD_STEM in html

    _edit_stem(content)
    import_tree(app, content)

    html = client.get(f"/attempts/{first}").get_data(as_text=True)
    assert OLD_STEM in html and NEW_STEM not in html
    _submit(client, first, _answer(client, first))
    graded = _attempt(session, first)
    assert graded.status is AttemptStatus.GRADED and graded.percent == 100.0

    second = _start(client, "latest")
    html = client.get(f"/attempts/{second}").get_data(as_text=True)
    assert NEW_STEM in html and OLD_STEM not in html

    question = session.scalar(select(Question).where(Question.qid == "b-void-single"))
    versions = session.scalars(
        select(QuestionVersion).where(QuestionVersion.question_id == question.id)
    ).all()
    assert len(versions) == 2
    assert {v.content_hash for v in versions} == {
        item.question_hash
        for attempt_id in (first, second)
        for item in _attempt(session, attempt_id).items
        if item.question["id"] == "b-void-single"
    }
    assert question.content_hash == content_models.question_hash(question.data)


def test_versions_are_cached_by_content_not_by_row(app, session, content):
    digest = session.scalar(select(QuestionVersion.content_hash).limit(1))
    content_models._snapshots.clear()
    statements = []
    event.listen(
        app.extensions["engine"], "before_cursor_execute", lambda *a: statements.append(a[2])
    )
    first = content_models.question_snapshots(session, [digest])
    assert len(statements) == 1
    again = content_models.question_snapshots(session, [digest])
    assert len(statements) == 1 and again[digest] is first[digest]
    assert content_models.question_hash(first[digest]) == digest
    # Without a session only the cache can answer, and a miss says what is missing.
    assert content_models.question_snapshots(None, [digest])[digest] is first[digest]
    content_models._snapshots.clear()
    with pytest.raises(LookupError, match=digest):
        content_models.question_snapshots(None, [digest])


def test_a_result_is_derived_from_the_version_not_stored_with_it(client, session, people, content):
    """Items keep score and status; the feedback shown is derived from the version again."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "timed")
    _html, shown, _parser = _page(client, attempt_id)
    data = {}
    for qid in ("b-void-single", "b-rerun-truefalse"):
        data.update(_fields(qid, shown[qid], right=qid == "b-void-single"))
    assert _post(client, f"/attempts/{attempt_id}/save", data, headers=FETCH).json["ok"]
    # An answer stored after the deadline (and its grace) does not count, on the result too.
    attempt = _attempt(session, attempt_id)
    late = next(i for i in attempt.items if i.question["id"] == "b-rerun-truefalse")
    late.saved_at = attempt.deadline_at + timedelta(minutes=1)
    session.commit()
    _expire(session, attempt_id, ago=timedelta(minutes=5))
    assert _submit(client, attempt_id).location == f"/attempts/{attempt_id}/result"

    items = {i.question["id"]: i for i in _attempt(session, attempt_id).items}
    right = items["b-void-single"]
    assert (right.status, right.score, right.grade) == ("correct", right.max_score, None)
    assert items["b-rerun-truefalse"].status == "unanswered"
    assert items["b-rerun-truefalse"].grade == {"late": True}
    assert items["b-rerun-truefalse"].response is not None  # kept, as evidence
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Before settlement, use a" in result  # b-void-single's explanation
    sections = result.split('<section class="card question">')[1:]
    late_section = next(
        s for s in sections if QUESTIONS["b-rerun-truefalse"]["stem"]["en"][:30] in s
    )
    assert "Not answered" in late_section


@pytest.fixture
def count_statements(app):
    """Counts the SQL statements run while the returned list's ``on`` flag is set."""
    counted = {"on": False, "n": 0}

    def _count(*_args):
        if counted["on"]:
            counted["n"] += 1

    event.listen(app.extensions["engine"], "before_cursor_execute", _count)
    return counted


def _counting(counted, call):
    counted["on"], counted["n"] = True, 0
    try:
        response = call()
    finally:
        counted["on"] = False
    return response, counted["n"]


def test_each_step_of_an_attempt_issues_few_statements(client, people, content, count_statements):
    """Pinned statement counts: a change that adds queries to the hot pages fails here first."""
    login_as(client, people["cashier"])
    warm = _start(client, "no-essay")  # warms the version cache
    _submit(client, warm, _answer(client, warm))

    response, start = _counting(
        count_statements, lambda: _post(client, "/quizzes/no-essay/start", {})
    )
    attempt_id = int(response.location.rsplit("/", 1)[1])
    _response, view = _counting(count_statements, lambda: client.get(f"/attempts/{attempt_id}"))
    _html, shown, _parser = _page(client, attempt_id)
    # Scenarios save step by step, and a description has nothing to answer.
    qid = next(q for q in shown if QUESTIONS[q]["type"] not in ("scenario", "description"))
    answer = {**_fields(qid, shown[qid], right=True), "only": str(shown[qid].position)}
    saved, save = _counting(
        count_statements,
        lambda: _post(client, f"/attempts/{attempt_id}/save", answer, headers=FETCH),
    )
    assert saved.status_code == 200
    submitted, submit = _counting(
        count_statements, lambda: _post(client, f"/attempts/{attempt_id}/submit", {})
    )
    assert submitted.status_code == 302
    # Holding the audit chain is a statement on PostgreSQL (an advisory lock); on SQLite the
    # attempt's own writes already hold the database's write lock (audit._hold_chain).
    hold = 1 if client.application.extensions["engine"].dialect.name == "postgresql" else 0
    # user; quiz; the learner's attempts and the content revision (one aggregate); insert
    # attempt; insert items; (hold the audit chain;) its head; insert audit event. The
    # candidates come from the cache the first start filled (an import empties it).
    assert start == 7 + hold
    # user; attempt with its quiz's title; items.
    assert view == 3
    # user; attempt with the one item; update the item while the attempt is under way.
    assert save == 3
    # user; attempt; items; claim with the result; saved-at check; item grades (one batch);
    # the report sums (trainer.reports.itemsums: the attempt's item and total sums, the
    # learner's stores, upserts of the item, quiz and store-month sums; a first attempt also
    # upserts the weak-topic sums, this is the second); (hold the audit chain;) its head;
    # insert audit event; the attempt's terminal runs to close (trainer.simulator). (No
    # certificate for this quiz.)
    assert submit == 15 + hold


def test_scenario_panels_show_in_each_language(client, session, people, content):
    """Panels are rendered once per version, language and step, then reused: check all three."""
    login_as(client, people["cashier"])
    attempt_id = _start(client, "scenario-first")
    for _round in range(2):  # the second page comes from the panel cache
        html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        assert html.count('class="scenario-panel') == 2
        assert "SALE  ¥128.00  BATCH 000231" in html  # b-void-single's terminal
        assert '<th scope="col">Amount</th>' in html  # the scenario's first step
    user = session.get(User, people["cashier"].user.id)
    user.language = "zh"
    session.commit()
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "消费  ¥128.00  批次 000231" in html and '<th scope="col">金额</th>' in html
    assert "BATCH 000231" not in html
