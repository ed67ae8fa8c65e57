"""The numeric question type (questions/numeric.py): check, grading, view, GIFT."""

from __future__ import annotations

from decimal import Decimal
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
    numeric,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
)
from trainer.domain.questions.numeric import parse_number


@pytest.mark.parametrize(
    ("value", "score"),
    [
        ("1152", 1.0),
        ("1,152.00", 1.0),
        ("¥1,152.00", 1.0),
        ("￥1152", 1.0),
        ("1152元", 1.0),
        ("1,152.00 元", 1.0),
        ("１１５２．００", 1.0),
        ("１，１５２元", 1.0),
        ("  1152.5 ", 1.0),  # exactly at +tolerance
        ("1151.5", 1.0),  # exactly at -tolerance
        ("1152.51", 0.5),  # just outside: falls to the range answer
        ("1100", 0.5),  # range is inclusive
        ("1200", 0.5),
        ("1099.99", 0.0),
        ("1200.01", 0.0),
        ("-1152", 0.0),
    ],
)
def test_numeric_values(value: str, score: float) -> None:
    assert grade(numeric(), {"value": value}, {}).score == score


def test_numeric_feedback_and_correct_answer() -> None:
    g = grade(numeric(), {"value": "1150"}, {})
    assert g.status == PARTIAL
    assert g.feedback[0]["feedback"] == S("close")
    assert g.correct_answer == {"zh": "1,152 ± 0.5 元", "en": "¥1,152 ± 0.5"}


def test_numeric_float_boundary_is_exact() -> None:
    # 1.1 + 0.2 is 1.3000000000000003 in binary floats; the boundary must still count
    q = {"id": "n", "type": "numeric", "answers": [{"value": 1.1, "tolerance": 0.2}]}
    assert grade(q, {"value": "1.3"}, {}).status == CORRECT
    assert grade(q, {"value": "0.9"}, {}).status == CORRECT
    assert grade(q, {"value": "1.31"}, {}).status == INCORRECT


def test_numeric_first_matching_answer_wins() -> None:
    q = {
        "id": "n",
        "type": "numeric",
        "answers": [{"min": 0, "max": 100, "fraction": 0.25}, {"value": 50}],
    }
    assert grade(q, {"value": "50"}, {}).score == 0.25


def test_numeric_unit_of_question_is_accepted() -> None:
    q = {
        "id": "n",
        "type": "numeric",
        "unit": {"zh": "分钟", "en": "min"},
        "answers": [{"value": 30}],
    }
    assert grade(q, {"value": "30 分钟"}, {}).status == CORRECT
    assert grade(q, {"value": "30min"}, {}).status == CORRECT


@pytest.mark.parametrize(
    "value", ["abc", "1.2.3", "1,15,2", "11,52", "1e3", "NaN", "inf", "¥", "1 152", "--5", "5-"]
)
def test_numeric_rejects_nonsense(value: str) -> None:
    g = grade(numeric(), {"value": value}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)
    assert g.note == "invalid response: not a number"


@pytest.mark.parametrize("value", [1152, 1152.0, True, ["1152"], {"v": 1}])
def test_numeric_requires_a_string(value: Any) -> None:
    assert grade(numeric(), {"value": value}, {}).status == INCORRECT


@pytest.mark.parametrize("response", [{"value": ""}, {"value": "   "}, {}, None])
def test_numeric_unanswered(response: Any) -> None:
    assert grade(numeric(), response, {}).status == UNANSWERED


def test_parse_number() -> None:
    assert parse_number("¥1,152.00") == Decimal("1152.00")
    assert parse_number("-¥5") == Decimal(-5)
    assert parse_number("¥-5") == Decimal(-5)
    assert parse_number("−3.5") == Decimal("-3.5")
    assert parse_number(".5") == Decimal("0.5")
    assert parse_number("1" * 100) is None
    assert parse_number("") is None


def test_gift_numeric_catch_all_matches_any_number() -> None:
    q = gift("::N::When was Grant born?{#=1822:0#Exactly. =%50%1822:2#Close. ~#Wrong.}")[0]
    assert q["answers"][-1] == {
        "any": True,
        "fraction": 0.0,
        "feedback": {"zh": "Wrong.", "en": "Wrong."},
    }
    exact = grade(q, {"value": "1822"}, {})
    assert (exact.score, exact.feedback[0]["feedback"]["en"]) == (1.0, "Exactly.")
    close = grade(q, {"value": "1823"}, {})
    assert (close.score, close.status, close.feedback[0]["feedback"]["en"]) == (
        0.5,
        PARTIAL,
        "Close.",
    )
    other = grade(q, {"value": "-7.5"}, {})
    assert (other.score, other.status, other.feedback[0]["feedback"]["en"]) == (
        0.0,
        INCORRECT,
        "Wrong.",
    )
    assert grade(q, {"value": "soon"}, {}).note == "invalid response: not a number"
    assert exact.correct_answer == {"zh": "1,822", "en": "1,822"}


def test_gift_numeric_any_number_with_full_marks() -> None:
    q = gift("::Any::Type any number.{#*}")[0]
    assert q["answers"] == [{"any": True, "fraction": 1.0}]
    assert grade(q, {"value": "42"}, {}).status == CORRECT
    assert grade(q, {"value": "¥0.01"}, {}).status == CORRECT
    assert grade(q, {"value": ""}, {}).status == UNANSWERED
    assert grade(q, {}, {}).correct_answer == {"zh": "任意数字", "en": "any number"}


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "numeric-no-answers",
        BANK,
        "    answers:\n      - {value: 35.00, tolerance: 0.0}\n"
        "      - {min: 30, max: 40, fraction: 0.5, feedback: {zh: 接近了。, en: Close.}}\n",
        "    answers: []\n",
        ("answers:", "b-change-numeric"),
        'question "b-change-numeric" has no answers',
    ),
    (
        "numeric-negative-tolerance",
        BANK,
        "tolerance: 0.0",
        "tolerance: -1",
        ("tolerance: -1", None),
        'question "b-change-numeric": answer 1: tolerance must be a number of at least 0 '
        "(found number -1)",
    ),
    (
        "numeric-text-tolerance",
        BANK,
        "tolerance: 0.0",
        "tolerance: small",
        ("tolerance: small", None),
        'question "b-change-numeric": answer 1: tolerance must be a number of at least 0 '
        '(found text "small")',
    ),
    (
        "numeric-min-above-max",
        BANK,
        "{min: 30, max: 40,",
        "{min: 50, max: 40,",
        ("min: 50", None),
        'question "b-change-numeric": answer 2: min 50 is greater than max 40',
    ),
    (
        "numeric-no-value",
        BANK,
        "{value: 35.00, tolerance: 0.0}",
        "{fraction: 1.0}",
        ("{fraction: 1.0}", None),
        'question "b-change-numeric": answer 1: needs value (with optional tolerance) '
        "or min and max",
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
