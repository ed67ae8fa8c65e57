"""Layout, points and the pre-submission view of any question (questions/layout.py)."""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.domain.questions.builders import (
    L,
    all_questions,
    assert_no_leak,
    description,
    essay,
    gift,
    layout_of,
    matching,
    numeric,
    ordering,
    scenario,
    short,
    single,
    truefalse,
)
from trainer.domain import questions as questions_package
from trainer.domain.questions import (
    CORRECT,
    grade,
    make_layout,
    max_points,
    present,
)


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
    choices = layout_of(scenario())["choices"]
    assert {step: sorted(order) for step, order in choices.items()} == {
        "s1": ["a", "b"],
        "s2": ["c", "d"],
        "s3": ["e"],
    }
    assert make_layout(scenario(), random.Random(1), False) == {
        "choices": {"s1": ["a", "b"], "s2": ["c", "d"], "s3": ["e"]}
    }
    for q in (truefalse(), numeric(), short(), essay(), description()):
        assert layout_of(q) == {}


def test_stale_layout_is_repaired() -> None:
    q = single()
    view = present(q, {"options": ["c", "zz", "c", "a"]}, "en")
    assert [o["text"] for o in view["options"]] == ["C (en)", "A (en)", "B (en)"]
    assert [o["id"] for o in view["options"]] == ["o0", "o1", "o2"]
    identity = present(ordering(3), {"steps": ["s1", "s2", "s3"]}, "en")
    assert [s["id"] for s in identity["steps"]] != ["s1", "s2", "s3"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("question", all_questions(), ids=lambda q: q["type"])
def test_present_leaks_nothing(question: dict[str, Any], lang: str) -> None:
    for seed in range(20):
        view = present(question, layout_of(question, seed), lang)
        json.dumps(view)
        assert_no_leak(view)
        if question["type"] == "ordering":
            assert [s["id"] for s in view["steps"]] != ["s1", "s2", "s3", "s4"]
        if question["type"] == "matching":
            # The right that belongs to left i is not simply the i-th right.
            rights = {r["text"]: r["id"] for r in view["rights"]}
            correct = {str(i): rights[p["right"][lang]] for i, p in enumerate(question["pairs"])}
            assert correct != {"0": "r0", "1": "r1", "2": "r2"}


def test_present_fields_per_type() -> None:
    panel = {"kind": "history", "title": L("history"), "columns": [L("time")]}
    q = single(scenario=panel | {"rows": [["14:02", L("sale")]]})
    view = present(q, {"options": ["b", "c", "a"]}, "zh")
    assert view["id"] == "q-single" and view["type"] == "single"
    assert view["stem"] == "stem（中）" and view["points"] == 2.0
    assert view["format"] == "markdown"
    # Values are shown positions, never the authored ids (issue #14).
    assert view["options"] == [
        {"id": "o0", "text": "B（中）"},
        {"id": "o1", "text": "C（中）"},
        {"id": "o2", "text": "A（中）"},
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


@pytest.mark.parametrize("fmt", ["html", "plain", "moodle", "markdown"])
def test_gift_formats_reach_the_view(fmt: str) -> None:
    q = gift(f"::F::[{fmt}]Stem <b>x</b>.{{=a ~b}}")[0]
    assert q["format"] == fmt
    view = present(q, layout_of(q), "zh")
    assert (view["format"], view["stem"]) == (fmt, "Stem <b>x</b>.")
    assert grade(q, {"choice": "a"}, layout_of(q)).status == CORRECT
