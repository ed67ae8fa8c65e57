"""The matching question type (questions/matching.py): check, grading, view, GIFT."""

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
    L,
    assert_no_leak,
    gift,
    layout_of,
    matching,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
    make_layout,
    present,
)


def _right_id(question: dict[str, Any], layout: dict[str, Any], pair_index: int) -> str:
    return f"r{layout['rights'].index(pair_index)}"


def test_matching_all_and_partial() -> None:
    q = matching()
    layout = layout_of(q)
    ids = [_right_id(q, layout, i) for i in range(3)]
    right = grade(q, {"pairs": {"0": ids[0], "1": ids[1], "2": ids[2]}}, layout)
    assert (right.score, right.status) == (3.0, CORRECT)
    partial = grade(q, {"pairs": {"0": ids[0], "1": ids[2], "2": ids[1]}}, layout)
    assert (partial.score, partial.status) == (1.0, PARTIAL)
    parts = partial.feedback
    assert parts[1]["response"] == L("unknown result")
    assert parts[1]["expected"] == L("after settlement")
    assert [p["correct"] for p in parts] == [True, False, False]
    one_blank = grade(q, {"pairs": {"0": ids[0], "1": None}}, layout)
    assert one_blank.score == 1.0
    assert right.correct_answer["en"].startswith("void (en) → same day, unsettled (en)")


def test_matching_right_ids_do_not_reveal_pairs() -> None:
    q = matching()
    layout = layout_of(q)
    naive = grade(q, {"pairs": {"0": "r0", "1": "r1", "2": "r2"}}, layout)
    assert naive.status != CORRECT


def test_matching_duplicate_right_texts_both_count() -> None:
    q = matching()
    q["pairs"][1]["right"] = L("same day, unsettled")
    layout = {"rights": [1, 0, 2]}
    g = grade(q, {"pairs": {"0": "r0", "1": "r1", "2": "r2"}}, layout)
    assert g.status == CORRECT


@pytest.mark.parametrize(
    "pairs",
    [
        {"0": "r9"},
        {"5": "r0"},
        {"01": "r0"},
        {"0": 0},
        ["r0", "r1", "r2"],
        "r0",
    ],
)
def test_matching_malformed(pairs: Any) -> None:
    g = grade(matching(), {"pairs": pairs}, layout_of(matching()))
    assert (g.score, g.status) == (0.0, INCORRECT)


@pytest.mark.parametrize("pairs", [{}, {"0": None, "1": ""}, None])
def test_matching_unanswered(pairs: Any) -> None:
    assert grade(matching(), {"pairs": pairs}, layout_of(matching())).status == UNANSWERED


def test_matching_layout_is_never_identity() -> None:
    for seed in range(300):
        assert make_layout(matching(), random.Random(seed), False)["rights"] != [0, 1, 2]


def test_gift_matching_distractor_is_offered_but_not_asked() -> None:
    q = gift("::M::Match.{=void -> same day =refund -> settled =reversal -> unknown = -> never}")[0]
    assert q["pairs"][3] == {"left": {"zh": "", "en": ""}, "right": {"zh": "never", "en": "never"}}
    layout = layout_of(q)
    assert sorted(layout["rights"]) == [0, 1, 2, 3]
    view = present(q, layout, "en")
    assert [left["id"] for left in view["lefts"]] == ["0", "1", "2"]
    assert sorted(r["text"] for r in view["rights"]) == ["never", "same day", "settled", "unknown"]
    assert_no_leak(view)

    def rid(index: int) -> str:
        return f"r{layout['rights'].index(index)}"

    right = grade(q, {"pairs": {"0": rid(0), "1": rid(1), "2": rid(2)}}, layout)
    assert (right.score, right.status, len(right.feedback)) == (1.0, CORRECT, 3)
    # The distractor's right is a wrong answer for any left.
    partial = grade(q, {"pairs": {"0": rid(0), "1": rid(3), "2": rid(2)}}, layout)
    assert partial.score == 0.67 and partial.status == PARTIAL
    assert partial.feedback[1]["response"] == {"zh": "never", "en": "never"}
    # The form sends an empty value for every pair index; the distractor's is ignored …
    blank = {"0": rid(0), "1": rid(1), "2": rid(2), "3": ""}
    assert grade(q, {"pairs": blank}, layout).status == CORRECT
    # … but an answer "for" the distractor is not a valid response.
    forged = grade(q, {"pairs": {"0": rid(0), "3": rid(3)}}, layout)
    assert (forged.score, forged.status) == (0.0, INCORRECT)
    assert "never" not in right.correct_answer["en"]
    assert right.correct_answer["en"].count("→") == 3


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "matching-two-pairs",
        BANK,
        "      - {left: {zh: 结算, en: settlement}, "
        "right: {zh: 批次上送, en: sending the batch}}\n",
        "",
        ("pairs:", None),
        'question "b-terms-matching": a matching question needs at least 3 pairs (found 2)',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
