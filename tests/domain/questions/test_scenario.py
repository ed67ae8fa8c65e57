"""The scenario question type (questions/scenario.py): check, grading, view, GIFT."""

from __future__ import annotations

import json
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
    S,
    scenario,
)
from trainer.domain.questions import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    UNANSWERED,
    grade,
    make_layout,
    present,
    scenario_advance,
    scenario_state,
)
from trainer.domain.questions.scenario import best_path_points


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


def test_present_scenario_mid_path_shows_only_taken_consequences() -> None:
    view = present(scenario(), {}, "en", path=[["s1", "b"]])
    text = json.dumps(view, ensure_ascii=False)
    assert "SECRET-cb-en" in text
    assert "SECRET-ca" not in text and "SECRET-ce" not in text
    assert view["step"]["id"] == "s3"
    assert set(view["step"]["options"][0]) == {"id", "text"}
    assert view["step"]["options"][0]["id"] == "c0"
    with pytest.raises(ValueError):
        present(scenario(), {}, "en", path=[["s3", "e"]])


def test_choices_are_shuffled_per_attempt_and_shown_as_positions() -> None:
    """Issue #14: the best choice is neither always first nor named by its authored id."""
    from trainer.domain.questions import TYPES

    qtype = TYPES["scenario"]
    q = scenario()
    firsts = set()
    for seed in range(30):
        layout = make_layout(q, random.Random(seed), True)
        step = present(q, layout, "en")["step"]
        assert [o["id"] for o in step["options"]] == ["c0", "c1"]
        first = step["options"][0]["text"]
        firsts.add(first)
        best = "c0" if first == "check history (en)" else "c1"
        assert qtype.chosen_option(q, layout, "s1", best) == "a"
        assert qtype.chosen_option(q, layout, "s1", "a") is None
        assert qtype.chosen_option(q, layout, "s9", "c0") is None
    assert firsts == {"check history (en)", "run card again (en)"}
    # Attempts started before choices were shuffled keep the authored order.
    assert qtype.chosen_option(q, {}, "s1", "c0") == "a"


# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "scenario-unknown-next",
        BANK,
        "next: s2",
        "next: s9",
        ("next: s9", None),
        'question "b-timeout-scenario": step "s1" option "a": next step "s9" does not exist',
    ),
    (
        "scenario-unknown-start",
        BANK,
        "start: s1",
        "start: s0",
        ("start: s0", None),
        'question "b-timeout-scenario": start step "s0" does not exist',
    ),
    (
        "scenario-unreachable",
        BANK,
        "next: s2",
        "next: null",
        ("- id: s2", None),
        'question "b-timeout-scenario": step "s2" cannot be reached from start step "s1"',
    ),
    (
        "scenario-cycle",
        BANK,
        "            points: 1\n",
        "            points: 1\n            next: s1\n",
        ("- id: s2", None),
        'question "b-timeout-scenario": steps loop back: s1 → s2 → s1',
    ),
    (
        "scenario-duplicate-step",
        BANK,
        "- id: s2",
        "- id: s1",
        ("- id: s1", "charged twice"),
        'question "b-timeout-scenario": step id "s1" is used twice',
    ),
    (
        "scenario-no-points",
        BANK,
        "points: 2\n            next: s2",
        "points: 0",
        ("    steps:", "b-timeout-scenario"),
        'question "b-timeout-scenario": no path through the steps earns points',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
