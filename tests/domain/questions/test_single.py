"""The single question type (questions/single.py): check, grading, view, GIFT."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.domain.content.tree import (
    BANK,
    Case,
    assert_reported,
    broken_cases,
)
from tests.domain.questions.builders import (
    L,
    S,
    gift,
    layout_of,
    multiple,
    single,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
    present,
)


def test_single_correct_and_wrong() -> None:
    q = single()
    right = grade(q, {"choice": "a"}, layout_of(q))
    assert (right.score, right.max_score, right.status) == (2.0, 2.0, CORRECT)
    wrong = grade(q, {"choice": "b"}, layout_of(q))
    assert (wrong.score, wrong.status) == (0.0, INCORRECT)
    parts = {p["id"]: p for p in wrong.feedback}
    assert parts["b"]["selected"] and not parts["b"]["correct"]
    assert parts["b"]["feedback"] == S("fb")
    assert parts["a"]["correct"] and not parts["a"]["selected"]
    assert wrong.correct_answer == L("A")
    assert wrong.explanation == S("explanation")
    assert wrong.general_feedback == S("general")
    assert wrong.tags == ["C1", "timing"]
    assert wrong.manual == ["payment-errors/01-confirm-and-correct#c1-overcharge-open-batch"]


def test_single_feedback_follows_layout_order() -> None:
    q = single()
    layout = {"options": ["c", "a", "b"]}
    assert [p["id"] for p in grade(q, {"choice": "a"}, layout).feedback] == ["c", "a", "b"]


def test_single_gift_fractions() -> None:
    q = single()
    q["options"][1]["fraction"] = 0.5
    q["options"][2]["fraction"] = -1.0
    assert grade(q, {"choice": "b"}, {}).score == 1.0
    assert grade(q, {"choice": "b"}, {}).status == PARTIAL
    negative = grade(q, {"choice": "c"}, {})
    assert (negative.score, negative.status) == (0.0, INCORRECT)
    assert grade(q, {"choice": "a"}, {}).status == CORRECT


@pytest.mark.parametrize("response", [None, {}, {"choice": None}, {"choice": ""}])
def test_single_unanswered(response: Any) -> None:
    g = grade(single(), response, {})
    assert (g.score, g.status) == (0.0, UNANSWERED)
    assert g.correct_answer == L("A")


@pytest.mark.parametrize("choice", ["z", 1, ["a"], {"id": "a"}, True])
def test_single_malformed_choice_is_incorrect(choice: Any) -> None:
    g = grade(single(), {"choice": choice}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)
    assert g.note and g.note.startswith("invalid response")


def test_single_options_do_get_shuffled() -> None:
    orders = {tuple(layout_of(multiple(), seed)["options"]) for seed in range(30)}
    assert len(orders) > 1


def test_page_values_are_shown_positions_mapped_back_to_options() -> None:
    """Issue #14: the page's values say nothing; the server maps them back to the options."""
    from werkzeug.datastructures import MultiDict

    from trainer.domain.questions import TYPES

    q, layout = single(), {"options": ["c", "a", "b"]}
    qtype = TYPES["single"]
    assert [o["id"] for o in present(q, layout, "en")["options"]] == ["o0", "o1", "o2"]
    assert qtype.read_form(q, layout, MultiDict({"q1": "o1"}), "q1") == {"choice": "a"}
    assert qtype.form_values(q, layout, {"choice": "a"}) == {"choice": "o1"}
    # The authored ids, or anything else the page did not offer, are not an answer.
    for value in ("a", "o3", "", "o-1"):
        assert qtype.read_form(q, layout, MultiDict({"q1": value}), "q1") is None
    many = TYPES["multiple"]
    m, m_layout = multiple(), {"options": ["d", "b", "a", "c"]}
    posted = MultiDict([("q2", "o2"), ("q2", "o1"), ("q2", "o1"), ("q2", "b")])
    assert many.read_form(m, m_layout, posted, "q2") == {"choices": ["a", "b"]}
    assert many.form_values(m, m_layout, {"choices": ["a", "b"]}) == {"choices": ["o2", "o1"]}


def test_gift_options_without_feedback_show_none() -> None:
    q = gift("::Pick::Pick one.{=right ~wrong ~other}")[0]
    assert q["type"] == "single" and all("feedback" not in o for o in q["options"])
    layout = layout_of(q)
    right = grade(q, {"choice": "a"}, layout)
    assert (right.score, right.status) == (1.0, CORRECT)
    assert [p["feedback"] for p in right.feedback] == [None, None, None]
    assert right.general_feedback is None and right.explanation is None
    multi = gift("::Multi::Pick two.{~%50%x ~%50%y ~%-100%z}")[0]
    assert grade(multi, {"choices": ["a", "b"]}, layout_of(multi)).feedback[0]["feedback"] is None


def test_gift_single_with_several_full_marks_answers() -> None:
    q = gift("::Two::Name a colour of the flag.{=red =white ~green ~%50%pink}")[0]
    assert q["type"] == "single"
    layout = layout_of(q)
    for choice in ("a", "b"):
        g = grade(q, {"choice": choice}, layout)
        assert (g.score, g.status) == (1.0, CORRECT)
        assert {p["id"] for p in g.feedback if p["correct"]} == {"a", "b"}
    assert grade(q, {"choice": "d"}, layout).score == 0.5
    assert grade(q, {"choice": "c"}, layout).status == INCORRECT
    assert grade(q, {}, layout).correct_answer == {"zh": "red / white", "en": "red / white"}


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "option-no-english-feedback",
        BANK,
        ", en: A refund is for after settlement.}",
        "}",
        ("feedback: {zh: 结算后才用退货。}", None),
        'question "b-void-single": option "b" has no English feedback',
    ),
    (
        "option-no-chinese-feedback",
        BANK,
        "feedback: {zh: 结算后才用退货。, en:",
        "feedback: {en:",
        ("A refund is for after", None),
        'question "b-void-single": option "b" has no Chinese feedback',
    ),
    (
        "option-no-feedback",
        BANK,
        "        feedback: {zh: 结算后才用退货。, en: A refund is for after settlement.}\n",
        "",
        ("- id: b", "Void the sale"),
        'question "b-void-single": option "b": missing required key "feedback"',
    ),
    # question types
    (
        "single-two-correct",
        BANK,
        "        text: {zh: 做退货, en: Refund the sale}\n",
        "        text: {zh: 做退货, en: Refund the sale}\n        correct: true\n",
        ("options:", "b-void-single"),
        'question "b-void-single": a single-choice question needs exactly one correct option '
        "(found 2)",
    ),
    (
        "single-no-correct",
        BANK,
        "        text: {zh: 撤销这笔交易, en: Void the sale}\n        correct: true\n",
        "        text: {zh: 撤销这笔交易, en: Void the sale}\n",
        ("options:", "b-void-single"),
        'question "b-void-single": a single-choice question needs exactly one correct option '
        "(found 0)",
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
