"""Grading through the registry, attempt totals and weak topics (questions/grading.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.domain.questions.builders import (
    L,
    S,
    all_questions,
    description,
    essay,
    layout_of,
    multiple,
    ordering,
    scenario,
    short,
    single,
    truefalse,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    UNANSWERED,
    Grade,
    grade,
    grade_attempt,
    manual_grade,
    present,
)


@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_grading_without_texts_scores_the_same(question: dict[str, Any]) -> None:
    """A submit grades without texts; the scores, statuses and parts must not change."""
    layout = layout_of(question)
    full = grade(question, None, layout)
    lean = grade(question, None, layout, texts=False)
    assert (lean.score, lean.max_score, lean.status, lean.feedback, lean.tags, lean.manual) == (
        full.score,
        full.max_score,
        full.status,
        full.feedback,
        full.tags,
        full.manual,
    )
    assert (lean.correct_answer, lean.explanation, lean.general_feedback, lean.rubric) == (
        None,
        None,
        None,
        None,
    )
    wrong = {"single": {"choice": "b"}, "truefalse": {"value": False}}.get(question["type"])
    if wrong is not None:
        a = grade_attempt([(question, wrong, layout)], 50, texts=False)
        b = grade_attempt([(question, wrong, layout)], 50)
        assert (a.score, a.percent, a.weak_topics) == (b.score, b.percent, b.weak_topics)
        assert b.grades[0].explanation is not None and a.grades[0].explanation is None


def test_grade_round_trips_through_json() -> None:
    g = grade(scenario(), {"path": [["s1", "b"], ["s3", "e"]]}, {})
    again = Grade.from_dict(json.loads(json.dumps(g.to_dict())))
    assert again == g
    regraded = manual_grade(
        Grade.from_dict(grade(essay(), {"text": "x"}, {}).to_dict() | {"extra": 1}), 3
    )
    assert regraded.score == 3.0


GARBAGE: list[Any] = [
    "junk",
    42,
    ["a"],
    True,
    {"choice": {"x": 1}},
    {"choices": {"a": 1}},
    {"value": {"n": 1}},
    {"order": "s1"},
    {"pairs": [1, 2]},
    {"text": ["x"]},
    {"path": 7},
    {"choice": float("nan"), "choices": [None], "value": [], "order": [[]], "pairs": {1: 2}},
]


@pytest.mark.parametrize("response", GARBAGE)
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_garbage_never_raises(question: dict[str, Any], response: Any) -> None:
    g = grade(question, response, layout_of(question))
    assert g.score == 0.0
    if question["type"] == "description":
        assert (g.max_score, g.status) == (0.0, CORRECT)
    else:
        assert g.status in (INCORRECT, UNANSWERED)
    json.dumps(g.to_dict())


@pytest.mark.parametrize("layout", [None, {}, {"options": 5}, {"rights": [0, 0, 7]}, "x"])
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_bad_layout_never_raises(question: dict[str, Any], layout: Any) -> None:
    grade(question, {"choice": "a"}, layout)
    view = present(question, layout, "en")
    if question["type"] == "ordering":
        assert [s["id"] for s in view["steps"]] != ["s1", "s2", "s3", "s4"]
    if question["type"] == "matching":
        assert sorted(r["id"] for r in view["rights"]) == ["r0", "r1", "r2"]


def test_grade_attempt_totals_and_pass() -> None:
    items = [
        (single(), {"choice": "a"}, {}),  # 2 / 2
        (multiple(), {"choices": ["a"]}, {}),  # 1 / 2
        (truefalse(), {"value": True}, {}),  # 0 / 1
        (description(), None, {}),
    ]
    result = grade_attempt(items, pass_mark=60)
    assert (result.score, result.max_score, result.percent) == (3.0, 5.0, 60.0)
    assert result.passed is True  # exactly at the pass mark
    assert grade_attempt(items, pass_mark=60.1).passed is False
    assert result.needs_review is False
    assert [g.question_id for g in result.grades] == ["q-single", "q-multiple", "q-tf", "q-desc"]
    json.dumps(result.to_dict())


def test_grade_attempt_percent_one_decimal() -> None:
    items = [
        (truefalse(), {"value": False}, {}),
        (truefalse(), {"value": False}, {}),
        (truefalse(), {"value": True}, {}),
    ]
    assert grade_attempt(items, 50).percent == 66.7


def test_grade_attempt_needs_review() -> None:
    items = [(single(), {"choice": "a"}, {}), (essay(), {"text": "x"}, {})]
    result = grade_attempt(items, pass_mark=10)
    assert result.needs_review is True
    assert result.passed is None
    assert (result.score, result.max_score, result.percent) == (2.0, 6.0, 33.3)
    # the pending essay is not listed as a weak topic
    assert result.weak_topics == []


def test_grade_attempt_weak_topics() -> None:
    items = [
        (single(), {"choice": "b"}, {}),  # C1, timing: lost 2
        (ordering(), {"order": ["s1", "s3", "s2", "s4"]}, {}),  # correction: lost 1
        (scenario(), {"path": [["s1", "b"], ["s3", "e"]]}, {}),  # C5, escalation: lost 8
        (multiple(), {"choices": ["a", "b"]}, {}),  # fully correct: not listed
        (short(), None, {}),  # C20: unanswered, lost 1
    ]
    result = grade_attempt(items, pass_mark=80)
    # One topic per lost question: its skill when it has one, else its first tag.
    topics = [(t["tag"], t["lost_points"]) for t in result.weak_topics]
    assert topics == [("escalation", 8.0), ("timing", 2.0), ("C20", 1.0), ("correction", 1.0)]
    by_tag = {t["tag"]: t for t in result.weak_topics}
    assert by_tag["escalation"]["manual"] == [
        "payment-errors/03-unknown-results#c5-timeout-unknown"
    ]
    assert by_tag["escalation"]["questions"] == ["q-scen"]
    assert "C5" not in by_tag and "C1" not in by_tag and "C2" not in by_tag
    assert result.critical == [
        {
            "question_id": "q-scen",
            "step": "s1",
            "option": "b",
            "text": L("run card again"),
            "consequence": S("cb"),
        }
    ]
    assert result.passed is False


def test_grade_attempt_groups_lost_points_per_tag() -> None:
    a = single(id="q1", tags=["C1"], manual="m/a#x")
    b = single(id="q2", tags=["C1"], manual="m/a#x")
    c = single(id="q3", tags=["C1"], manual="m/b#y")
    untagged = truefalse() | {"tags": [], "manual": "m/c#z"}
    result = grade_attempt(
        [(a, {"choice": "b"}, {}), (b, None, {}), (c, {"choice": "a"}, {}), (untagged, None, {})],
        50,
    )
    assert result.weak_topics == [
        {"tag": "C1", "lost_points": 4.0, "questions": ["q1", "q2"], "manual": ["m/a#x"]},
        {"tag": None, "lost_points": 1.0, "questions": ["q-tf"], "manual": ["m/c#z"]},
    ]


def test_each_lost_question_is_reviewed_under_one_topic() -> None:
    from trainer.domain.questions.grading import review_topic

    assert review_topic(["C14", "card-data-security"]) == "card-data-security"
    assert review_topic(["D1", "timing", "escalation"]) == "timing"  # the first skill
    assert review_topic(["C14"]) == "C14"
    assert review_topic(["from-a-gift-file", "C2"]) == "from-a-gift-file"
    assert review_topic([]) is None
    a = single(id="q1", tags=["C14", "card-data-security"])
    b = single(id="q2", tags=["C13", "card-data-security"])
    result = grade_attempt([(a, {"choice": "b"}, {}), (b, {"choice": "b"}, {})], 50)
    assert [(t["tag"], t["questions"]) for t in result.weak_topics] == [
        ("card-data-security", ["q1", "q2"])
    ]


def test_grade_attempt_edge_cases() -> None:
    only_text = grade_attempt([(description(), None, {})], 80)
    assert (only_text.percent, only_text.passed) == (100.0, True)
    empty = grade_attempt([], 80)
    assert empty.max_score == 0.0 and empty.passed is True
    for bad in (-1, 101, "80", None, True):
        with pytest.raises(ValueError):
            grade_attempt([], bad)
