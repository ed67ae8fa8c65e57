"""The short question type (questions/short.py): check, grading, view, GIFT."""

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
    # Each language lists its own accepted variants (both are accepted whatever the page).
    assert wrong.correct_answer == {"zh": "撤销", "en": "Void"}


def test_short_correct_answer_in_the_readers_language() -> None:
    def shown(*texts) -> dict[str, str]:
        q = short()
        q["answers"] = [{"text": t} for t in texts]
        return grade(q, {"text": "wrong"}, {}).correct_answer

    assert shown("退货", "退款", "refund") == {"zh": "退货 / 退款", "en": "refund"}
    assert shown("Code 10", "代码10", "10") == {"zh": "代码10 / 10", "en": "Code 10 / 10"}
    assert shown("skimmer") == {"zh": "skimmer", "en": "skimmer"}  # none in Chinese: all
    assert shown({"zh": "侧录器", "en": "skimmer"}) == {"zh": "侧录器", "en": "skimmer"}
    assert shown(35) == {"zh": "35", "en": "35"}


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


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "short-no-answers",
        BANK,
        "    answers:\n      - {text: 撤销, fraction: 1.0}\n      - {text: void, fraction: 1.0}\n"
        "      - {text: cancel, fraction: 0.5, "
        "feedback: {zh: 用正式名称。, en: Use the proper name.}}\n",
        "    answers: []\n",
        ("answers:", "b-void-short"),
        'question "b-void-short" has no answers',
    ),
    (
        "short-no-full-credit",
        BANK,
        "      - {text: 撤销, fraction: 1.0}\n      - {text: void, fraction: 1.0}\n",
        "",
        ("answers:", "b-void-short"),
        'question "b-void-short": no answer gives full credit (fraction 1.0)',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
