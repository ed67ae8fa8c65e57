"""Grading, layout and presentation of every question type (pure Python, no Flask)."""

from __future__ import annotations

import ast
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from trainer.domain import questions as questions_package
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    NEEDS_REVIEW,
    PARTIAL,
    UNANSWERED,
    Grade,
    grade,
    grade_attempt,
    make_layout,
    manual_grade,
    max_points,
    present,
    scenario_advance,
    scenario_state,
)
from trainer.domain.questions.numeric import parse_number
from trainer.domain.questions.scenario import best_path_points
from trainer.domain.questions.short import normalise_short


def L(name: str) -> dict[str, str]:
    """A localised text with distinct zh/en values."""
    return {"zh": f"{name}（中）", "en": f"{name} (en)"}


def S(name: str) -> dict[str, str]:
    """A localised secret: must never reach the browser before submission."""
    return {"zh": f"SECRET-{name}-zh", "en": f"SECRET-{name}-en"}


def single(**extra: Any) -> dict[str, Any]:
    q = {
        "id": "q-single",
        "type": "single",
        "tags": ["C1", "timing"],
        "manual": "payment-errors/01-confirm-and-correct#c1-overcharge-open-batch",
        "points": 2,
        "stem": L("stem"),
        "explanation": S("explanation"),
        "general_feedback": S("general"),
        "options": [
            {"id": "a", "text": L("A"), "correct": True, "feedback": S("fa")},
            {"id": "b", "text": L("B"), "feedback": S("fb")},
            {"id": "c", "text": L("C"), "feedback": S("fc")},
        ],
    }
    q.update(extra)
    return q


def multiple(**extra: Any) -> dict[str, Any]:
    q = {
        "id": "q-multiple",
        "type": "multiple",
        "tags": ["C2"],
        "points": 2,
        "stem": L("stem"),
        "options": [
            {"id": "a", "text": L("A"), "correct": True, "feedback": S("fa")},
            {"id": "b", "text": L("B"), "correct": True, "feedback": S("fb")},
            {"id": "c", "text": L("C"), "feedback": S("fc")},
            {"id": "d", "text": L("D"), "feedback": S("fd")},
        ],
    }
    q.update(extra)
    return q


def truefalse() -> dict[str, Any]:
    return {
        "id": "q-tf",
        "type": "truefalse",
        "tags": ["card-data-security"],
        "stem": L("stem"),
        "answer": False,
        "feedback_true": S("ft"),
        "feedback_false": S("ff"),
        "explanation": S("explanation"),
    }


def ordering(n: int = 4) -> dict[str, Any]:
    return {
        "id": "q-order",
        "type": "ordering",
        "tags": ["correction"],
        "points": 3,
        "stem": L("stem"),
        "steps": [{"id": f"s{i}", "text": L(f"step {i}")} for i in range(1, n + 1)],
    }


def numeric() -> dict[str, Any]:
    return {
        "id": "q-num",
        "type": "numeric",
        "tags": ["C8"],
        "stem": L("stem"),
        "unit": {"zh": "元", "en": "¥"},
        "answers": [
            {"value": 1152.00, "tolerance": 0.5, "feedback": S("exact")},
            {"min": 1100, "max": 1200, "fraction": 0.5, "feedback": S("close")},
        ],
    }


def matching() -> dict[str, Any]:
    return {
        "id": "q-match",
        "type": "matching",
        "tags": ["C20"],
        "points": 3,
        "stem": L("stem"),
        "pairs": [
            {"left": L("void"), "right": L("same day, unsettled")},
            {"left": L("refund"), "right": L("after settlement")},
            {"left": L("reversal"), "right": L("unknown result")},
        ],
    }


def short() -> dict[str, Any]:
    return {
        "id": "q-short",
        "type": "short",
        "tags": ["C20"],
        "stem": L("stem"),
        "answers": [
            {"text": "撤销", "feedback": S("zh-right")},
            {"text": "Void", "feedback": S("en-right")},
            {"text": "cancel", "fraction": 0.5, "feedback": S("half")},
        ],
    }


def essay() -> dict[str, Any]:
    return {
        "id": "q-essay",
        "type": "essay",
        "tags": ["escalation"],
        "points": 4,
        "stem": L("stem"),
        "rubric": S("rubric"),
    }


def description() -> dict[str, Any]:
    return {"id": "q-desc", "type": "description", "stem": L("read this")}


def scenario(points: int = 10) -> dict[str, Any]:
    # s1 -a(2)-> s2 -c(3)|-d(1)   ;   s1 -b(0, critical)-> s3 -e(1)   ; best path a, c = 5
    return {
        "id": "q-scen",
        "type": "scenario",
        "tags": ["C5", "escalation"],
        "manual": "payment-errors/03-unknown-results#c5-timeout-unknown",
        "points": points,
        "stem": L("intro"),
        "start": "s1",
        "steps": [
            {
                "id": "s1",
                "stem": L("terminal times out"),
                "scenario": {"kind": "terminal", "lines": [L("TIMEOUT")]},
                "options": [
                    {
                        "id": "a",
                        "text": L("check history"),
                        "consequence": S("ca"),
                        "points": 2,
                        "next": "s2",
                    },
                    {
                        "id": "b",
                        "text": L("run card again"),
                        "consequence": S("cb"),
                        "points": 0,
                        "critical": True,
                        "next": "s3",
                    },
                ],
            },
            {
                "id": "s2",
                "stem": L("history shows approval"),
                "options": [
                    {"id": "c", "text": L("print copy"), "consequence": S("cc"), "points": 3},
                    {
                        "id": "d",
                        "text": L("ask supervisor"),
                        "consequence": S("cd"),
                        "points": 1,
                        "next": None,
                    },
                ],
            },
            {
                "id": "s3",
                "stem": L("double charge"),
                "options": [
                    {"id": "e", "text": L("reverse"), "consequence": S("ce"), "points": 1},
                ],
            },
        ],
    }


def all_questions() -> list[dict[str, Any]]:
    return [
        single(),
        multiple(),
        truefalse(),
        ordering(),
        numeric(),
        matching(),
        short(),
        essay(),
        scenario(),
        description(),
    ]


def layout_of(question: dict[str, Any], seed: int = 7) -> dict[str, Any]:
    return make_layout(question, random.Random(seed), shuffle_options=True)


# --- purity -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", sorted(Path(questions_package.__file__).parent.rglob("*.py")), ids=str
)
def test_domain_modules_do_not_import_flask_or_sqlalchemy(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "flask_login", "flask_wtf", "sqlalchemy"}


# --- max_points -------------------------------------------------------------------------------


def test_max_points_default_explicit_and_description() -> None:
    assert max_points({"type": "single"}) == 1.0
    assert max_points(single()) == 2.0
    assert max_points(description()) == 0.0
    assert max_points(scenario(points=7)) == 7.0


@pytest.mark.parametrize("points", [-1, "2", True, float("nan")])
def test_max_points_rejects_bad_points(points: Any) -> None:
    with pytest.raises(ValueError):
        max_points({"id": "x", "type": "single", "points": points})


def test_unknown_type_raises() -> None:
    with pytest.raises(ValueError, match="unknown question type"):
        grade({"id": "x", "type": "poll"}, {}, {})


# --- single -----------------------------------------------------------------------------------


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


@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_grading_without_texts_scores_the_same(question: dict[str, Any]) -> None:
    """A submit grades without texts; the scores, statuses and parts must not change."""
    layout = layout_of(question)
    full = grade(question, None, layout)
    lean = grade(question, None, layout, texts=False)
    assert (lean.score, lean.max_score, lean.status, lean.feedback, lean.tags, lean.manual) == (
        full.score,
        full.max_score,
        full.status,
        full.feedback,
        full.tags,
        full.manual,
    )
    assert (lean.correct_answer, lean.explanation, lean.general_feedback, lean.rubric) == (
        None,
        None,
        None,
        None,
    )
    wrong = {"single": {"choice": "b"}, "truefalse": {"value": False}}.get(question["type"])
    if wrong is not None:
        a = grade_attempt([(question, wrong, layout)], 50, texts=False)
        b = grade_attempt([(question, wrong, layout)], 50)
        assert (a.score, a.percent, a.weak_topics) == (b.score, b.percent, b.weak_topics)
        assert b.grades[0].explanation is not None and a.grades[0].explanation is None


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


# --- multiple ---------------------------------------------------------------------------------


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


# --- true / false -----------------------------------------------------------------------------


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


# --- ordering ---------------------------------------------------------------------------------


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


# --- numeric ----------------------------------------------------------------------------------


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


# --- matching ---------------------------------------------------------------------------------


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


# --- short ------------------------------------------------------------------------------------


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


# --- essay and manual grading -----------------------------------------------------------------


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


def test_grade_round_trips_through_json() -> None:
    g = grade(scenario(), {"path": [["s1", "b"], ["s3", "e"]]}, {})
    again = Grade.from_dict(json.loads(json.dumps(g.to_dict())))
    assert again == g
    regraded = manual_grade(
        Grade.from_dict(grade(essay(), {"text": "x"}, {}).to_dict() | {"extra": 1}), 3
    )
    assert regraded.score == 3.0


# --- description ------------------------------------------------------------------------------


@pytest.mark.parametrize("response", [None, {}, {"choice": "a"}, "junk"])
def test_description(response: Any) -> None:
    g = grade(description(), response, {})
    assert (g.score, g.max_score) == (0.0, 0.0)
    assert g.status == CORRECT


# --- scenario ---------------------------------------------------------------------------------


def test_scenario_best_path_points() -> None:
    assert best_path_points(scenario()) == 5.0


def test_scenario_two_valid_paths_score_differently() -> None:
    q = scenario()
    best = grade(q, {"path": [["s1", "a"], ["s2", "c"]]}, {})
    assert (best.score, best.max_score, best.status) == (10.0, 10.0, CORRECT)
    assert best.critical == []
    other = grade(q, {"path": [["s1", "a"], ["s2", "d"]]}, {})
    assert (other.score, other.status) == (6.0, PARTIAL)  # 3 of 5 points
    assert [e["consequence"] for e in other.path] == [S("ca"), S("cd")]
    assert [e["points"] for e in other.path] == [2.0, 1.0]
    assert best.correct_answer == {
        "zh": "check history（中） → print copy（中）",
        "en": "check history (en) → print copy (en)",
    }


def test_scenario_critical_choice_is_listed() -> None:
    g = grade(scenario(), {"path": [["s1", "b"], ["s3", "e"]]}, {})
    assert (g.score, g.status) == (2.0, PARTIAL)
    assert g.critical == [
        {"step": "s1", "option": "b", "text": L("run card again"), "consequence": S("cb")}
    ]
    assert [e["critical"] for e in g.path] == [True, False]


def test_scenario_incomplete_path_scores_what_was_done() -> None:
    g = grade(scenario(), {"path": [["s1", "a"]]}, {})
    assert (g.score, g.status) == (4.0, PARTIAL)
    assert g.note and g.note.startswith("incomplete")


@pytest.mark.parametrize(
    "path",
    [
        [["s2", "c"]],  # skipped the first step
        [["s1", "c"]],  # option from another step
        [["s1", "a"], ["s3", "e"]],  # a does not lead to s3
        [["s1", "a"], ["s2", "c"], ["s2", "d"]],  # continuing after the end
        [["s1", "a"], ["s2", "c"], ["s3", "e"]],
        [["s1", "a", "x"]],
        ["s1", "a"],
        [["s1", 1]],
        [None],
        {"s1": "a"},
        "s1:a",
    ],
)
def test_scenario_invalid_path_scores_zero(path: Any) -> None:
    g = grade(scenario(), {"path": path}, {})
    assert (g.score, g.status) == (0.0, INCORRECT)
    assert g.note and g.note.startswith("invalid path")


def test_scenario_invalid_path_keeps_valid_prefix_and_critical() -> None:
    g = grade(scenario(), {"path": [["s1", "b"], ["s2", "c"]]}, {})
    assert g.score == 0.0
    assert [e["option"] for e in g.path] == ["b"]
    assert g.critical[0]["option"] == "b"


@pytest.mark.parametrize("response", [None, {}, {"path": []}, {"path": None}])
def test_scenario_unanswered(response: Any) -> None:
    assert grade(scenario(), response, {}).status == UNANSWERED


def test_scenario_cycle_does_not_hang() -> None:
    q = scenario()
    q["steps"][1]["options"][0]["next"] = "s1"
    assert best_path_points(q) == 5.0
    g = grade(q, {"path": [["s1", "a"], ["s2", "c"], ["s1", "a"]]}, {})
    assert g.status == INCORRECT
    assert grade(q, {"path": [["s1", "a"], ["s2", "c"]]}, {}).status == CORRECT


def test_scenario_state_progress() -> None:
    q = scenario()
    state = scenario_state(q, [], "en")
    assert state["finished"] is False
    assert state["step"]["id"] == "s1"
    assert state["step"]["options"] == [
        {"id": "a", "text": "check history (en)"},
        {"id": "b", "text": "run card again (en)"},
    ]
    assert state["step"]["scenario"] == {
        "kind": "terminal",
        "title": None,
        "lines": ["TIMEOUT (en)"],
    }
    assert state["taken"] == []

    state = scenario_state(q, [["s1", "a"]], "zh")
    assert state["step"]["id"] == "s2"
    assert state["taken"] == [
        {
            "step": "s1",
            "stem": "terminal times out（中）",
            "option": "a",
            "text": "check history（中）",
            "consequence": "SECRET-ca-zh",
        }
    ]
    assert "SECRET-cc" not in json.dumps(state)

    done = scenario_state(q, [["s1", "a"], ["s2", "d"]])
    assert done["finished"] is True and done["step"] is None
    assert done["taken"][1]["consequence"] == S("cd")  # lang None keeps both languages


def test_scenario_state_rejects_invalid_path() -> None:
    with pytest.raises(ValueError, match="expected step 's1'"):
        scenario_state(scenario(), [["s2", "c"]], "en")


def test_scenario_advance() -> None:
    q = scenario()
    path: list[list[str]] = []
    path = scenario_advance(q, path, "s1", "a")
    assert path == [["s1", "a"]]
    before = list(path)
    path2 = scenario_advance(q, path, "s2", "d")
    assert path == before  # not mutated
    assert path2 == [["s1", "a"], ["s2", "d"]]
    assert json.loads(json.dumps(path2)) == path2


@pytest.mark.parametrize(
    ("path", "step", "option", "message"),
    [
        ([], "s2", "c", "expected an answer for step 's1'"),
        ([], "s1", "c", "has no option 'c'"),
        ([["s1", "a"]], "s3", "e", "expected an answer for step 's2'"),
        ([["s1", "a"], ["s2", "c"]], "s2", "d", "already finished"),
        ([["s2", "c"]], "s1", "a", "invalid path so far"),
        ([], 1, "a", "must be strings"),
    ],
)
def test_scenario_advance_errors(path: Any, step: Any, option: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        scenario_advance(scenario(), path, step, option)


# --- malformed responses never raise ------------------------------------------------------------

GARBAGE: list[Any] = [
    "junk",
    42,
    ["a"],
    True,
    {"choice": {"x": 1}},
    {"choices": {"a": 1}},
    {"value": {"n": 1}},
    {"order": "s1"},
    {"pairs": [1, 2]},
    {"text": ["x"]},
    {"path": 7},
    {"choice": float("nan"), "choices": [None], "value": [], "order": [[]], "pairs": {1: 2}},
]


@pytest.mark.parametrize("response", GARBAGE)
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_garbage_never_raises(question: dict[str, Any], response: Any) -> None:
    g = grade(question, response, layout_of(question))
    assert g.score == 0.0
    if question["type"] == "description":
        assert (g.max_score, g.status) == (0.0, CORRECT)
    else:
        assert g.status in (INCORRECT, UNANSWERED)
    json.dumps(g.to_dict())


@pytest.mark.parametrize("layout", [None, {}, {"options": 5}, {"rights": [0, 0, 7]}, "x"])
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_bad_layout_never_raises(question: dict[str, Any], layout: Any) -> None:
    grade(question, {"choice": "a"}, layout)
    view = present(question, layout, "en")
    if question["type"] == "ordering":
        assert [s["id"] for s in view["steps"]] != ["s1", "s2", "s3", "s4"]
    if question["type"] == "matching":
        assert sorted(r["id"] for r in view["rights"]) == ["r0", "r1", "r2"]


# --- layout -----------------------------------------------------------------------------------


def test_layout_is_deterministic_and_json() -> None:
    for q in all_questions():
        first = make_layout(q, random.Random(123), True)
        assert first == make_layout(q, random.Random(123), True)
        assert json.loads(json.dumps(first)) == first


def test_layout_shapes() -> None:
    assert sorted(layout_of(single())["options"]) == ["a", "b", "c"]
    assert make_layout(single(), random.Random(1), False) == {"options": ["a", "b", "c"]}
    assert sorted(layout_of(ordering())["steps"]) == ["s1", "s2", "s3", "s4"]
    assert sorted(layout_of(matching())["rights"]) == [0, 1, 2]
    for q in (truefalse(), numeric(), short(), essay(), scenario(), description()):
        assert layout_of(q) == {}


def test_single_options_do_get_shuffled() -> None:
    orders = {tuple(layout_of(multiple(), seed)["options"]) for seed in range(30)}
    assert len(orders) > 1


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


def test_matching_layout_is_never_identity() -> None:
    for seed in range(300):
        assert make_layout(matching(), random.Random(seed), False)["rights"] != [0, 1, 2]


def test_stale_layout_is_repaired() -> None:
    q = single()
    view = present(q, {"options": ["c", "zz", "c", "a"]}, "en")
    assert [o["id"] for o in view["options"]] == ["c", "a", "b"]
    identity = present(ordering(3), {"steps": ["s1", "s2", "s3"]}, "en")
    assert [s["id"] for s in identity["steps"]] != ["s1", "s2", "s3"]


# --- presentation -----------------------------------------------------------------------------

FORBIDDEN_KEYS = {
    "correct",
    "feedback",
    "feedback_true",
    "feedback_false",
    "general_feedback",
    "fraction",
    "answers",
    "answer",
    "explanation",
    "consequence",
    "points",
    "next",
    "critical",
    "rubric",
    "tolerance",
    "pairs",
    "start",
}


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, value)]
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((f"{path}.{key}#key", key))
            found.extend(_walk(item, f"{path}.{key}"))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found.extend(_walk(item, f"{path}[{i}]"))
    return found


def _assert_no_leak(view: dict[str, Any]) -> None:
    for where, value in _walk(view):
        if where.endswith("#key") and where != ".points#key":
            assert value not in FORBIDDEN_KEYS, f"secret key {value!r} at {where}"
        if isinstance(value, str):
            assert "SECRET" not in value, f"secret text at {where}: {value}"
            assert value not in ("撤销", "Void", "cancel"), f"short answer at {where}"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_present_leaks_nothing(question: dict[str, Any], lang: str) -> None:
    for seed in range(20):
        view = present(question, layout_of(question, seed), lang)
        json.dumps(view)
        _assert_no_leak(view)
        if question["type"] == "ordering":
            assert [s["id"] for s in view["steps"]] != ["s1", "s2", "s3", "s4"]
        if question["type"] == "matching":
            # The right that belongs to left i is not simply the i-th right.
            rights = {r["text"]: r["id"] for r in view["rights"]}
            correct = {str(i): rights[p["right"][lang]] for i, p in enumerate(question["pairs"])}
            assert correct != {"0": "r0", "1": "r1", "2": "r2"}


def test_present_scenario_mid_path_shows_only_taken_consequences() -> None:
    view = present(scenario(), {}, "en", path=[["s1", "b"]])
    text = json.dumps(view, ensure_ascii=False)
    assert "SECRET-cb-en" in text
    assert "SECRET-ca" not in text and "SECRET-ce" not in text
    assert view["step"]["id"] == "s3"
    assert set(view["step"]["options"][0]) == {"id", "text"}
    with pytest.raises(ValueError):
        present(scenario(), {}, "en", path=[["s3", "e"]])


def test_present_fields_per_type() -> None:
    panel = {"kind": "history", "title": L("history"), "columns": [L("time")]}
    q = single(scenario=panel | {"rows": [["14:02", L("sale")]]})
    view = present(q, {"options": ["b", "c", "a"]}, "zh")
    assert view["id"] == "q-single" and view["type"] == "single"
    assert view["stem"] == "stem（中）" and view["points"] == 2.0
    assert view["format"] == "markdown"
    assert view["options"] == [
        {"id": "b", "text": "B（中）"},
        {"id": "c", "text": "C（中）"},
        {"id": "a", "text": "A（中）"},
    ]
    assert view["scenario"] == {
        "kind": "history",
        "title": "history（中）",
        "columns": ["time（中）"],
        "rows": [["14:02", "sale（中）"]],
    }
    assert present(numeric(), {}, "en")["unit"] == "¥"
    assert present(numeric(), {}, "zh")["unit"] == "元"
    order = present(ordering(3), {"steps": ["s3", "s1", "s2"]}, "en")
    assert [s["text"] for s in order["steps"]] == ["step 3 (en)", "step 1 (en)", "step 2 (en)"]
    match = present(matching(), {"rights": [2, 0, 1]}, "en")
    assert [x["id"] for x in match["lefts"]] == ["0", "1", "2"]
    assert match["rights"] == [
        {"id": "r0", "text": "unknown result (en)"},
        {"id": "r1", "text": "same day, unsettled (en)"},
        {"id": "r2", "text": "after settlement (en)"},
    ]
    assert present(description(), {}, "en")["points"] == 0.0
    assert present(single(format="html"), {}, "en")["format"] == "html"
    assert present(scenario(), {}, "en")["step"]["id"] == "s1"


def test_present_then_grade_round_trip() -> None:
    q = matching()
    layout = layout_of(q, 3)
    view = present(q, layout, "en")
    by_text = {r["text"]: r["id"] for r in view["rights"]}
    pairs = {
        left["id"]: by_text[q["pairs"][int(left["id"])]["right"]["en"]] for left in view["lefts"]
    }
    assert grade(q, {"pairs": pairs}, layout).status == CORRECT


# --- attempts ---------------------------------------------------------------------------------


def test_grade_attempt_totals_and_pass() -> None:
    items = [
        (single(), {"choice": "a"}, {}),  # 2 / 2
        (multiple(), {"choices": ["a"]}, {}),  # 1 / 2
        (truefalse(), {"value": True}, {}),  # 0 / 1
        (description(), None, {}),
    ]
    result = grade_attempt(items, pass_mark=60)
    assert (result.score, result.max_score, result.percent) == (3.0, 5.0, 60.0)
    assert result.passed is True  # exactly at the pass mark
    assert grade_attempt(items, pass_mark=60.1).passed is False
    assert result.needs_review is False
    assert [g.question_id for g in result.grades] == ["q-single", "q-multiple", "q-tf", "q-desc"]
    json.dumps(result.to_dict())


def test_grade_attempt_percent_one_decimal() -> None:
    items = [
        (truefalse(), {"value": False}, {}),
        (truefalse(), {"value": False}, {}),
        (truefalse(), {"value": True}, {}),
    ]
    assert grade_attempt(items, 50).percent == 66.7


def test_grade_attempt_needs_review() -> None:
    items = [(single(), {"choice": "a"}, {}), (essay(), {"text": "x"}, {})]
    result = grade_attempt(items, pass_mark=10)
    assert result.needs_review is True
    assert result.passed is None
    assert (result.score, result.max_score, result.percent) == (2.0, 6.0, 33.3)
    # the pending essay is not listed as a weak topic
    assert result.weak_topics == []


def test_grade_attempt_weak_topics() -> None:
    items = [
        (single(), {"choice": "b"}, {}),  # C1, timing: lost 2
        (ordering(), {"order": ["s1", "s3", "s2", "s4"]}, {}),  # correction: lost 1
        (scenario(), {"path": [["s1", "b"], ["s3", "e"]]}, {}),  # C5, escalation: lost 8
        (multiple(), {"choices": ["a", "b"]}, {}),  # fully correct: not listed
        (short(), None, {}),  # C20: unanswered, lost 1
    ]
    result = grade_attempt(items, pass_mark=80)
    topics = [(t["tag"], t["lost_points"]) for t in result.weak_topics]
    assert topics == [
        ("C5", 8.0),
        ("escalation", 8.0),
        ("C1", 2.0),
        ("timing", 2.0),
        ("C20", 1.0),
        ("correction", 1.0),
    ]
    by_tag = {t["tag"]: t for t in result.weak_topics}
    assert by_tag["C5"]["manual"] == ["payment-errors/03-unknown-results#c5-timeout-unknown"]
    assert by_tag["C5"]["questions"] == ["q-scen"]
    assert "C2" not in by_tag
    assert result.critical == [
        {
            "question_id": "q-scen",
            "step": "s1",
            "option": "b",
            "text": L("run card again"),
            "consequence": S("cb"),
        }
    ]
    assert result.passed is False


def test_grade_attempt_groups_lost_points_per_tag() -> None:
    a = single(id="q1", tags=["C1"], manual="m/a#x")
    b = single(id="q2", tags=["C1"], manual="m/a#x")
    c = single(id="q3", tags=["C1"], manual="m/b#y")
    untagged = truefalse() | {"tags": [], "manual": "m/c#z"}
    result = grade_attempt(
        [(a, {"choice": "b"}, {}), (b, None, {}), (c, {"choice": "a"}, {}), (untagged, None, {})],
        50,
    )
    assert result.weak_topics == [
        {"tag": "C1", "lost_points": 4.0, "questions": ["q1", "q2"], "manual": ["m/a#x"]},
        {"tag": None, "lost_points": 1.0, "questions": ["q-tf"], "manual": ["m/c#z"]},
    ]


def test_grade_attempt_edge_cases() -> None:
    only_text = grade_attempt([(description(), None, {})], 80)
    assert (only_text.percent, only_text.passed) == (100.0, True)
    empty = grade_attempt([], 80)
    assert empty.max_score == 0.0 and empty.passed is True
    for bad in (-1, 101, "80", None, True):
        with pytest.raises(ValueError):
            grade_attempt([], bad)


# --- what Moodle GIFT imports produce (questions.gift.to_bank_questions) ---------------------


def gift(text: str) -> list[dict[str, Any]]:
    """Bank questions from GIFT text, as the importer stores them."""
    from trainer.domain.questions.gift import parse_gift, to_bank_questions

    return to_bank_questions(parse_gift(text, "t.gift"), id_prefix="g")


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


def test_gift_truefalse_without_feedback() -> None:
    q = gift("::TF::The sky is green.{F}")[0]
    assert "feedback_true" not in q and "feedback_false" not in q
    wrong = grade(q, {"value": True}, {})
    assert (wrong.status, wrong.feedback[0]["feedback"]) == (INCORRECT, None)
    assert grade(q, {"value": False}, {}).status == CORRECT


def test_gift_essay_without_rubric() -> None:
    q = gift("::Essay::Describe the procedure.{}")[0]
    assert "rubric" not in q
    g = grade(q, {"text": "First I check…"}, {})
    assert (g.status, g.rubric, g.max_score) == (NEEDS_REVIEW, None, 1.0)
    assert manual_grade(g, 1).status == CORRECT


def test_gift_matching_distractor_is_offered_but_not_asked() -> None:
    q = gift("::M::Match.{=void -> same day =refund -> settled =reversal -> unknown = -> never}")[0]
    assert q["pairs"][3] == {"left": {"zh": "", "en": ""}, "right": {"zh": "never", "en": "never"}}
    layout = layout_of(q)
    assert sorted(layout["rights"]) == [0, 1, 2, 3]
    view = present(q, layout, "en")
    assert [left["id"] for left in view["lefts"]] == ["0", "1", "2"]
    assert sorted(r["text"] for r in view["rights"]) == ["never", "same day", "settled", "unknown"]
    _assert_no_leak(view)

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


@pytest.mark.parametrize("fmt", ["html", "plain", "moodle", "markdown"])
def test_gift_formats_reach_the_view(fmt: str) -> None:
    q = gift(f"::F::[{fmt}]Stem <b>x</b>.{{=a ~b}}")[0]
    assert q["format"] == fmt
    view = present(q, layout_of(q), "zh")
    assert (view["format"], view["stem"]) == (fmt, "Stem <b>x</b>.")
    assert grade(q, {"choice": "a"}, layout_of(q)).status == CORRECT


def test_gift_description_is_worth_nothing() -> None:
    q = gift("::Intro::Read this first.")[0]
    assert q["type"] == "description" and "points" not in q
    assert max_points(q) == 0.0
    assert grade(q, None, {}).status == CORRECT
