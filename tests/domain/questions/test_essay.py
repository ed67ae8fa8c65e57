"""The essay question type (questions/essay.py): check, grading, view, GIFT."""

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
    essay,
    gift,
    single,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    NEEDS_REVIEW,
    PARTIAL,
    UNANSWERED,
    grade,
    manual_grade,
)


def test_essay_needs_review() -> None:
    g = grade(essay(), {"text": "I would call the supervisor."}, {})
    assert (g.score, g.max_score, g.status) == (0.0, 4.0, NEEDS_REVIEW)
    assert g.rubric == S("rubric")
    assert g.feedback == [{"id": "text", "response": "I would call the supervisor."}]


def test_essay_blank_and_malformed() -> None:
    assert grade(essay(), {"text": "   "}, {}).status == UNANSWERED
    assert grade(essay(), None, {}).status == UNANSWERED
    assert grade(essay(), {"text": 42}, {}).status == INCORRECT


@pytest.mark.parametrize(
    ("score", "status"), [(4, CORRECT), (2.5, PARTIAL), (0, INCORRECT), (1 / 3, PARTIAL)]
)
def test_manual_grade(score: float, status: str) -> None:
    pending = grade(essay(), {"text": "answer"}, {})
    graded = manual_grade(pending, score, comment=" Good escalation. ")
    assert graded.status == status
    assert graded.score == round(score, 2)
    assert graded.graded_manually
    assert graded.reviewer_comment == "Good escalation."
    assert pending.status == NEEDS_REVIEW  # the original is not changed


@pytest.mark.parametrize("score", [-0.01, 4.01, float("nan"), float("inf"), True, "3", None])
def test_manual_grade_bounds(score: Any) -> None:
    pending = grade(essay(), {"text": "answer"}, {})
    with pytest.raises(ValueError):
        manual_grade(pending, score)


def test_manual_grade_only_for_answered_essays() -> None:
    with pytest.raises(ValueError, match="essay"):
        manual_grade(grade(single(), {"choice": "a"}, {}), 1)
    with pytest.raises(ValueError, match="not answered"):
        manual_grade(grade(essay(), None, {}), 1)


def test_gift_essay_without_rubric() -> None:
    q = gift("::Essay::Describe the procedure.{}")[0]
    assert "rubric" not in q
    g = grade(q, {"text": "First I check…"}, {})
    assert (g.status, g.rubric, g.max_score) == (NEEDS_REVIEW, None, 1.0)
    assert manual_grade(g, 1).status == CORRECT


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "essay-no-rubric",
        BANK,
        "    rubric: {zh: 提到",
        "    notes: {zh: 提到",
        ("- id: b-timeout-essay", None),
        'question "b-timeout-essay": missing required key "rubric"',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
