"""The ordering question type (questions/ordering.py): check, grading, view, GIFT."""

from __future__ import annotations

import random
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
    layout_of,
    ordering,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
    make_layout,
)


def test_ordering_correct_reversed_and_one_swap() -> None:
    q = ordering(4)
    right = grade(q, {"order": ["s1", "s2", "s3", "s4"]}, layout_of(q))
    assert (right.score, right.status) == (3.0, CORRECT)
    reversed_ = grade(q, {"order": ["s4", "s3", "s2", "s1"]}, layout_of(q))
    assert (reversed_.score, reversed_.status) == (0.0, INCORRECT)
    swapped = grade(q, {"order": ["s1", "s3", "s2", "s4"]}, layout_of(q))
    assert (swapped.score, swapped.status) == (2.0, PARTIAL)  # LIS 3 -> (3-1)/(4-1) * 3
    parts = {p["id"]: p for p in swapped.feedback}
    assert parts["s3"]["position"] == 2 and parts["s3"]["expected_position"] == 3
    assert parts["s1"]["correct"] and not parts["s2"]["correct"]
    assert sum(p["in_sequence"] for p in swapped.feedback) == 3
    assert right.correct_answer["en"] == "step 1 (en) → step 2 (en) → step 3 (en) → step 4 (en)"


def test_ordering_rotation_keeps_long_run() -> None:
    # s2 s3 s4 s1: s2, s3, s4 are in the right relative order -> LIS 3
    g = grade(ordering(4), {"order": ["s2", "s3", "s4", "s1"]}, {})
    assert g.score == 2.0


def test_ordering_single_step() -> None:
    assert grade(ordering(1), {"order": ["s1"]}, {}).status == CORRECT


@pytest.mark.parametrize(
    "order",
    [
        ["s1", "s2", "s3"],
        ["s1", "s2", "s3", "s3"],
        ["s1", "s2", "s3", "s4", "s4"],
        ["s1", "s2", "s3", "x"],
        "s1,s2,s3,s4",
        [1, 2, 3, 4],
        {"0": "s1"},
    ],
)
def test_ordering_malformed(order: Any) -> None:
    g = grade(ordering(4), {"order": order}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)


def test_ordering_unanswered() -> None:
    assert grade(ordering(), {"order": []}, {}).status == UNANSWERED


@pytest.mark.parametrize("n", [2, 3, 5])
def test_ordering_layout_is_never_identity(n: int) -> None:
    identity = [f"s{i}" for i in range(1, n + 1)]
    seen = set()
    for seed in range(300):
        layout = make_layout(ordering(n), random.Random(seed), shuffle_options=False)
        assert layout["steps"] != identity
        assert sorted(layout["steps"]) == sorted(identity)
        seen.add(tuple(layout["steps"]))
    assert len(seen) > 1 or n == 2


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "ordering-two-steps",
        BANK,
        "      - {id: void, text: {zh: 撤销, en: Void it}}\n",
        "",
        ("steps:", "b-void-ordering"),
        'question "b-void-ordering": an ordering question needs at least 3 steps (found 2)',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
