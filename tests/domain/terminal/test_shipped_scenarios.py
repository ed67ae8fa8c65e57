"""Every shipped simulator scenario, graded on known key sequences.

The sequences live in tests/fixtures/simulator_solutions.yaml (with how to read them): for each
scenario a right way that passes with full marks, wrong ways that fail on the end state with the
exact mistakes the grade lists, and, for each forbidden fact, a way that commits it. They show
that the engine's rules grade the scenarios the way the domain brief teaches the cases.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.domain.terminal.kit import actions
from tests.domain.terminal.test_keys import BRITISH
from trainer.domain.content import load_content
from trainer.domain.terminal import Scenario, SimGrade, grade

ROOT = Path(__file__).parents[3]
SOLUTIONS: dict[str, dict[str, Any]] = yaml.safe_load(
    (ROOT / "tests" / "fixtures" / "simulator_solutions.yaml").read_text(encoding="utf-8")
)
SHIPPED: dict[str, Scenario] = load_content(ROOT).simulator


def _paths(kind: str) -> list[Any]:
    """(scenario id, path) pairs of one kind, with readable test ids."""
    return [
        pytest.param(scenario_id, path, id=f"{scenario_id}-{i + 1}")
        for scenario_id, entry in SOLUTIONS.items()
        for i, path in enumerate(entry.get(kind, []))
    ]


def _run(scenario_id: str, path: dict[str, Any]) -> SimGrade:
    return grade(SHIPPED[scenario_id], actions(path["keys"], every=path.get("every", 1.0)))


def test_every_shipped_scenario_has_known_solutions() -> None:
    assert sorted(SHIPPED) == sorted(SOLUTIONS)
    for scenario_id, entry in SOLUTIONS.items():
        assert entry.get("right") and entry.get("wrong"), scenario_id


def test_every_forbidden_fact_has_a_path_that_commits_it() -> None:
    for scenario_id, scenario in SHIPPED.items():
        shown = {path["fact"] for path in SOLUTIONS[scenario_id].get("critical", [])}
        assert shown == {f.fact for f in scenario.forbid}, scenario_id


def test_learners_never_see_a_case_code() -> None:
    # C1-C20 and D1-D7 are for authors and reports (tags); the texts name the situation.
    code = re.compile(r"\b[CD]\d{1,2}\b")
    for scenario in SHIPPED.values():
        texts = [scenario.title, scenario.summary, scenario.goal, *scenario.dialogue]
        texts += [card.label for card in scenario.start.cards]
        texts += [e.message for e in scenario.expect if e.message]
        texts += [f.why for f in scenario.forbid]
        for text in texts:
            assert not code.search(text["zh"] + " " + text["en"]), (scenario.id, text)


def test_scenario_english_spells_like_the_courses() -> None:
    # American English, as the courses: "authorization", "05 Do not honor".
    for scenario in SHIPPED.values():
        texts = [scenario.title, scenario.summary, scenario.goal, *scenario.dialogue]
        texts += [card.label for card in scenario.start.cards]
        texts += [e.message for e in scenario.expect if e.message]
        texts += [f.why for f in scenario.forbid]
        assert [t["en"] for t in texts if BRITISH.search(t["en"])] == [], scenario.id


@pytest.mark.parametrize("scenario_id", sorted(SOLUTIONS))
def test_the_right_way_passes_with_full_marks(scenario_id: str) -> None:
    result = _run(scenario_id, SOLUTIONS[scenario_id]["right"])
    assert (result.critical, result.unmet, result.mistakes) == ([], [], [])
    assert result.passed and result.score == 1.0


@pytest.mark.parametrize(("scenario_id", "path"), _paths("also"))
def test_a_detour_that_ends_right_passes_with_its_mistakes(
    scenario_id: str, path: dict[str, Any]
) -> None:
    result = _run(scenario_id, path)
    assert result.passed, result.unmet
    assert [m["rule"] for m in result.mistakes] == path["mistakes"]


@pytest.mark.parametrize(("scenario_id", "path"), _paths("wrong"))
def test_a_wrong_way_fails_on_the_end_state(scenario_id: str, path: dict[str, Any]) -> None:
    result = _run(scenario_id, path)
    assert not result.passed
    assert result.critical == []
    assert len(result.unmet) == path["unmet"]
    assert [m["rule"] for m in result.mistakes] == path["mistakes"]
    # Each unmet expectation tells the learner what was wanted, in both languages.
    assert all(u["message"]["zh"] and u["message"]["en"] for u in result.unmet)


@pytest.mark.parametrize(("scenario_id", "path"), _paths("critical"))
def test_a_critical_way_fails_with_its_fact_and_why(scenario_id: str, path: dict[str, Any]) -> None:
    result = _run(scenario_id, path)
    assert not result.passed
    committed = next(c for c in result.critical if c["fact"] == path["fact"])
    # The debrief says why it is harmful, in both languages, as the scenario wrote it.
    [why] = [f.why for f in SHIPPED[scenario_id].forbid if f.fact == path["fact"]]
    assert committed["why"] == why and why["zh"] and why["en"]
