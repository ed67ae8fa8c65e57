"""The true/false question type (trainer/domain/questions/truefalse.py)."""

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
    S,
    gift,
    truefalse,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    UNANSWERED,
    grade,
)


def test_truefalse() -> None:
    q = truefalse()
    right = grade(q, {"value": False}, {})
    assert (right.score, right.status) == (1.0, CORRECT)
    assert right.feedback[0]["feedback"] == S("ff")
    wrong = grade(q, {"value": True}, {})
    assert (wrong.score, wrong.status) == (0.0, INCORRECT)
    assert wrong.feedback[0]["feedback"] == S("ft")
    assert wrong.correct_answer == {"zh": "错误", "en": "False"}


@pytest.mark.parametrize("value", ["false", 0, 1, [], {}])
def test_truefalse_malformed(value: Any) -> None:
    g = grade(truefalse(), {"value": value}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)


def test_truefalse_unanswered() -> None:
    assert grade(truefalse(), {"value": None}, {}).status == UNANSWERED


def test_gift_truefalse_without_feedback() -> None:
    q = gift("::TF::The sky is green.{F}")[0]
    assert "feedback_true" not in q and "feedback_false" not in q
    wrong = grade(q, {"value": True}, {})
    assert (wrong.status, wrong.feedback[0]["feedback"]) == (INCORRECT, None)
    assert grade(q, {"value": False}, {}).status == CORRECT


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "truefalse-answer-not-bool",
        BANK,
        "    answer: false",
        "    answer: nope",
        ("answer: nope", None),
        'question "b-rerun-truefalse": "answer" must be true or false (found text "nope")',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
