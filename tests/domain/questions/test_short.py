"""The short question type (questions/short.py): check, grading, view, GIFT."""

from __future__ import annotations

from typing import Any

import pytest

from tests.domain.questions.builders import (
    S,
    short,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
)
from trainer.domain.questions.short import normalise_short


@pytest.mark.parametrize(
    "text",
    [
        "撤销",
        " 撤销 ",
        "撤 销",
        "撤销。",
        "“撤销”！",
        "《撤销》",
        "void",
        "VOID",
        "Ｖｏｉｄ",
        "void.",
        "'Void'",
    ],
)
def test_short_normalisation_accepts(text: str) -> None:
    g = grade(short(), {"text": text}, {})
    assert (g.score, g.status) == (1.0, CORRECT)


def test_short_partial_wrong_and_feedback() -> None:
    half = grade(short(), {"text": "Cancel!"}, {})
    assert (half.score, half.status) == (0.5, PARTIAL)
    assert half.feedback[0]["feedback"] == S("half")
    wrong = grade(short(), {"text": "退货"}, {})
    assert (wrong.score, wrong.status) == (0.0, INCORRECT)
    assert wrong.feedback[0]["feedback"] is None
    assert wrong.correct_answer == {"zh": "撤销 / Void", "en": "撤销 / Void"}


def test_short_best_fraction_wins() -> None:
    q = short()
    q["answers"].insert(0, {"text": "VOID", "fraction": 0.2})
    assert grade(q, {"text": "void"}, {}).score == 1.0


def test_short_punctuation_only_is_incorrect() -> None:
    assert grade(short(), {"text": "。！？"}, {}).status == INCORRECT


@pytest.mark.parametrize("text", [5, ["撤销"], {"zh": "撤销"}, True])
def test_short_malformed(text: Any) -> None:
    assert grade(short(), {"text": text}, {}).status == INCORRECT


@pytest.mark.parametrize("response", [{"text": ""}, {"text": "  \n"}, {}, None])
def test_short_unanswered(response: Any) -> None:
    assert grade(short(), response, {}).status == UNANSWERED


def test_normalise_short() -> None:
    assert normalise_short("  Ｐｒｅ-Auth，OK。 ") == "preauthok"
    assert normalise_short("“撤销”、退货") == "撤销退货"
