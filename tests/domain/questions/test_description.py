"""The description question type (questions/description.py): check, grading, view, GIFT."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.questions.builders import (
    description,
    gift,
)
from trainer.domain.questions import (
    CORRECT,
    grade,
    max_points,
)


@pytest.mark.parametrize("response", [None, {}, {"choice": "a"}, "junk"])
def test_description(response: Any) -> None:
    g = grade(description(), response, {})
    assert (g.score, g.max_score) == (0.0, 0.0)
    assert g.status == CORRECT


def test_gift_description_is_worth_nothing() -> None:
    q = gift("::Intro::Read this first.")[0]
    assert q["type"] == "description" and "points" not in q
    assert max_points(q) == 0.0
    assert grade(q, None, {}).status == CORRECT
