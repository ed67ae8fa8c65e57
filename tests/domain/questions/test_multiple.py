"""The multiple question type (questions/multiple.py): check, grading, view, GIFT."""

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
    gift,
    layout_of,
    multiple,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
    present,
)


def test_multiple_all_correct_and_partial() -> None:
    q = multiple()
    assert grade(q, {"choices": ["b", "a"]}, {}).status == CORRECT
    half = grade(q, {"choices": ["a"]}, {})
    assert (half.score, half.status) == (1.0, PARTIAL)


def test_multiple_wrong_pick_costs_a_share() -> None:
    q = multiple()
    # two right (+1 +1), one wrong (-1) of a 2-point question with 2 correct options
    g = grade(q, {"choices": ["a", "b", "c"]}, {})
    assert (g.score, g.status) == (1.0, PARTIAL)
    cancelled = grade(q, {"choices": ["a", "c"]}, {})
    assert (cancelled.score, cancelled.status) == (0.0, INCORRECT)


def test_multiple_never_below_zero() -> None:
    g = grade(multiple(), {"choices": ["c", "d"]}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)
    g = grade(multiple(), {"choices": ["a", "c", "d"]}, {})
    assert g.score == 0.0


def test_multiple_rounds_thirds() -> None:
    q = multiple(points=1)
    q["options"][2]["correct"] = True
    assert grade(q, {"choices": ["a"]}, {}).score == 0.33
    assert grade(q, {"choices": ["a", "b"]}, {}).score == 0.67
    assert grade(q, {"choices": ["a", "b", "c"]}, {}).score == 1.0


def test_multiple_feedback_and_correct_answer() -> None:
    g = grade(multiple(), {"choices": ["a", "c"]}, {"options": ["d", "c", "b", "a"]})
    parts = {p["id"]: p for p in g.feedback}
    assert [p["id"] for p in g.feedback] == ["d", "c", "b", "a"]
    assert parts["c"]["selected"] and not parts["c"]["correct"]
    assert parts["b"]["correct"] and not parts["b"]["selected"]
    assert g.correct_answer == {"zh": "A（中）；B（中）", "en": "A (en); B (en)"}


def test_multiple_gift_fractions_sum_and_clamp() -> None:
    q = multiple()
    fractions = {"a": 0.5, "b": 0.5, "c": -0.5, "d": -1.0}
    for option in q["options"]:
        option["fraction"] = fractions[option["id"]]
    assert grade(q, {"choices": ["a", "b"]}, {}).score == 2.0
    assert grade(q, {"choices": ["a", "b", "c"]}, {}).score == 1.0
    assert grade(q, {"choices": ["a", "d"]}, {}).score == 0.0
    q["options"][2]["fraction"] = 0.75
    assert grade(q, {"choices": ["a", "b", "c"]}, {}).score == 2.0  # clamped at 1


def test_multiple_gift_moodle_thirds_count_as_correct() -> None:
    q = multiple(points=1)
    for option, fraction in zip(q["options"], [0.33333, 0.33333, 0.33333, -1.0], strict=True):
        option["fraction"] = fraction
    assert grade(q, {"choices": ["a", "b", "c"]}, {}).status == CORRECT


@pytest.mark.parametrize(
    "choices",
    [["a", "a"], ["a", "zz"], "a", {"a": True}, [1, 2], [["a"]], [None]],
)
def test_multiple_malformed_is_incorrect(choices: Any) -> None:
    g = grade(multiple(), {"choices": choices}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)


@pytest.mark.parametrize("response", [None, {}, {"choices": []}, {"choices": None}])
def test_multiple_unanswered(response: Any) -> None:
    assert grade(multiple(), response, {}).status == UNANSWERED


def test_gift_multiple_with_one_correct_answer() -> None:
    q = gift("::One::Tick what applies.{~%100%only this ~not this ~nor this}")[0]
    assert q["type"] == "multiple"
    assert [o.get("correct", False) for o in q["options"]] == [True, False, False]
    layout = layout_of(q)
    assert grade(q, {"choices": ["a"]}, layout).status == CORRECT
    # Moodle's weights: a 0% option costs nothing.
    assert grade(q, {"choices": ["a", "b"]}, layout).score == 1.0
    assert grade(q, {"choices": ["b"]}, layout).status == INCORRECT
    assert grade(q, {}, layout).correct_answer == {"zh": "only this", "en": "only this"}
    view = present(q, layout, "en")
    assert view["type"] == "multiple" and len(view["options"]) == 3


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "multiple-one-correct",
        BANK,
        "        text: {zh: 交易金额, en: The amount}\n        correct: true\n",
        "        text: {zh: 交易金额, en: The amount}\n",
        ("options:", "b-void-multiple"),
        'question "b-void-multiple": a multiple-choice question needs at least 2 correct options '
        "(found 1)",
    ),
    (
        "option-duplicate-id",
        BANK,
        "      - id: c\n",
        "      - id: b\n",
        ("- id: b", "The amount"),
        'question "b-void-multiple": option id "b" is used twice',
    ),
    (
        "option-fraction-range",
        BANK,
        "        text: {zh: 交易金额, en: The amount}\n",
        "        text: {zh: 交易金额, en: The amount}\n        fraction: 1.5\n",
        ("fraction: 1.5", None),
        'question "b-void-multiple": option "b": "fraction" must be from -1 to 1 (found 1.5)',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
