"""Drill definitions: the checker (file:line problems), the shipped drills, and the engine."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from trainer.domain.content import check_content, load_content
from trainer.domain.drills import (
    GRACE_SECONDS,
    Drill,
    best_points,
    option_tokens,
    order_tokens,
    resolve_choice,
    resolve_order,
    score_drill,
    step_outcome,
    time_factor,
)

SHIPPED = Path(__file__).parents[2]
DRILL = "quizzes/drills/network-outage.yaml"


@pytest.fixture(scope="module")
def shipped():
    return load_content(SHIPPED)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped courses and quizzes to break."""
    root = tmp_path / "content"
    for part in ("courses", "quizzes"):
        shutil.copytree(SHIPPED / part, root / part)
    return root


def _edit(root: Path, file: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``file``; return the line it was on."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text.count("\n", 0, at) + 1


def _messages(root: Path) -> list[str]:
    return [str(p) for p in check_content(root)]


# --- shipped content ---------------------------------------------------------------------------


def test_every_emergency_case_has_a_drill_with_steps_branches_and_critical_errors(shipped):
    cases = {}
    for drill in shipped.drills.values():
        for tag in drill.tags:
            if re.fullmatch(r"D[1-7]", tag):
                cases.setdefault(tag, []).append(drill.id)
        assert len(drill.steps) >= 6, drill.id
        assert any(o.next for s in drill.steps for o in s.options), f"{drill.id}: no branch"
        assert any(o.critical for s in drill.steps for o in s.options), f"{drill.id}: no critical"
        assert all(s.manual for s in drill.steps)
        assert best_points(drill) > 0
    assert sorted(cases) == [f"D{n}" for n in range(1, 8)]


def test_the_emergency_course_requires_its_drills(shipped):
    required = shipped.courses["emergency"].required_drills
    assert len(required) >= 7
    assert set(required) <= set(shipped.drills)


def test_learner_texts_never_name_case_codes(shipped):
    code = re.compile(r"\b[CD]\d{1,2}\b")
    for drill in shipped.drills.values():
        texts = [drill.title, drill.summary]
        for step in drill.steps:
            texts += [step.prompt, step.rule]
            for option in step.options:
                texts += [option.text, option.feedback, option.critical or {}]
            texts += [item.text for item in step.items]
        for text in texts:
            for value in text.values():
                assert not code.search(value), (drill.id, value)


# --- the checker -------------------------------------------------------------------------------


def test_an_unknown_manual_anchor_is_reported_with_file_and_line(tree):
    line = _edit(
        tree,
        DRILL,
        "emergency/01-network-outage#d1-confirm-scope",
        "emergency/01-network-outage#nowhere",
    )
    assert (
        f'{DRILL}:{line}: drill "network-outage", step "scope": manual link '
        '"emergency/01-network-outage#nowhere": lesson "emergency/01-network-outage" has no '
        'anchor "nowhere"'
    ) in _messages(tree)


def test_a_missing_english_text_is_reported(tree):
    line = _edit(
        tree,
        DRILL,
        '  en: "Drill: the network goes down"\n',
        "",
    )
    # At the "title:" line (two above the removed "en:"), as for every other content file.
    assert f'{DRILL}:{line - 2}: drill "network-outage" has no English title' in _messages(tree)


def test_an_unknown_next_step_and_a_loop_are_reported(tree):
    paid_twice_next = "next: scope\n    manual: payment-errors/02"
    line = _edit(tree, DRILL, paid_twice_next, paid_twice_next.replace("scope", "nowhere"))
    assert any(
        m.startswith(f"{DRILL}:{line}:") and '"next" names unknown step "nowhere"' in m
        for m in _messages(tree)
    )
    _edit(
        tree,
        DRILL,
        "next: nowhere\n    manual: payment-errors/02",
        "next: timeout\n    manual: payment-errors/02",
    )
    assert any("steps form a loop: timeout → paid-twice → timeout" in m for m in _messages(tree))


def test_a_critical_option_cannot_earn_points(tree):
    line = _edit(tree, DRILL, "      - id: rerun\n", "      - id: rerun\n        points: 1\n")
    assert any(
        m.startswith(f"{DRILL}:{line + 1}:") and "a critical error cannot earn points" in m
        for m in _messages(tree)
    )


def test_an_overall_limit_shorter_than_the_steps_is_reported(tree):
    line = _edit(tree, DRILL, "time_limit_seconds: 480", "time_limit_seconds: 60")
    assert any(
        m.startswith(f"{DRILL}:{line}:") and "shorter than the step limits" in m
        for m in _messages(tree)
    )


def test_an_unknown_required_drill_is_reported_at_the_course(tree):
    line = _edit(tree, "courses/emergency/course.yaml", "  - network-outage", "  - no-such-drill")
    assert (
        f'courses/emergency/course.yaml:{line}: course "emergency": unknown required drill '
        '"no-such-drill"'
    ) in _messages(tree)


def test_a_broken_drill_file_is_reported_not_raised(tree):
    (tree / "quizzes/drills/broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert any(m.startswith("quizzes/drills/broken.yaml:") for m in _messages(tree))


# --- the engine --------------------------------------------------------------------------------


@pytest.fixture
def drill(shipped) -> Drill:
    return shipped.drills["network-outage"]


def test_tokens_are_opaque_per_attempt_and_resolve_only_there(drill):
    step = drill.step("timeout")
    first, second = option_tokens("nonce-a", step), option_tokens("nonce-b", step)
    assert {t for t, _ in first}.isdisjoint({t for t, _ in second})
    for token, option_id in first:
        assert option_id not in token
        assert resolve_choice("nonce-a", step, token) == option_id
        assert resolve_choice("nonce-b", step, token) is None
    # The order shown follows the tokens, not the file: across attempts it changes.
    orders = {tuple(o for _, o in option_tokens(f"n{i}", step)) for i in range(30)}
    assert len(orders) > 1


def test_an_ordering_answer_must_name_each_item_once(drill):
    step = drill.step("back-online")
    tokens = [t for t, _ in order_tokens("n", step)]
    assert sorted(resolve_order("n", step, tokens)) == sorted(i.id for i in step.items)
    assert resolve_order("n", step, tokens[:-1]) is None
    assert resolve_order("n", step, [*tokens[:-1], tokens[0]]) is None


def test_time_counts_and_a_late_answer_is_missed(drill):
    assert time_factor(5, 40) == 1.0
    assert time_factor(40, 40) == 0.5
    assert 0.5 < time_factor(30, 40) < 1.0
    assert time_factor(40 + GRACE_SECONDS + 0.1, 40) == 0.0
    step = drill.step("timeout")
    fast = step_outcome(drill, step, "check-last", 3)
    slow = step_outcome(drill, step, "check-last", 39)
    late = step_outcome(drill, step, "check-last", 60)
    assert fast.points == 2 and fast.correct
    assert 1 <= slow.points < 2
    assert late.missed and late.points == 0 and late.next == "scope"


def _run(drill: Drill, picks: dict[str, object], elapsed: float = 3) -> list:
    outcomes, step = [], drill.step(drill.start)
    while step is not None:
        choice = picks.get(step.id)
        if choice is None and step.kind == "ordering":
            choice = [i.id for i in step.items]
        elif choice is None:
            choice = max(step.options, key=lambda o: o.points).id
        outcome = step_outcome(drill, step, choice, elapsed)
        outcomes.append(outcome)
        step = drill.step(outcome.next)
    return outcomes


def test_a_perfect_fast_run_scores_100(drill):
    result = score_drill(drill, _run(drill, {}))
    assert result.percent == 100.0 and result.passed and not result.critical_errors


def test_a_wrong_choice_branches_to_its_consequence(drill):
    outcomes = _run(drill, {"timeout": "ask-cash"})
    assert [o.step_id for o in outcomes][:3] == ["timeout", "paid-twice", "scope"]
    assert score_drill(drill, outcomes).percent < 100


def test_a_critical_error_fails_the_drill_whatever_the_score(drill):
    outcomes = _run(drill, {"declined-offline": "split"})
    result = score_drill(drill, outcomes)
    assert result.percent >= drill.pass_mark
    assert not result.passed
    [error] = result.critical_errors
    assert (error.step_id, error.option_id) == ("declined-offline", "split")
    assert error.position == len(outcomes)


def test_a_partly_right_order_earns_part_of_the_points(drill):
    step = drill.step("back-online")
    ids = [i.id for i in step.items]
    swapped = [ids[1], ids[0], *ids[2:]]
    outcome = step_outcome(drill, step, swapped, 3)
    assert not outcome.correct and 0 < outcome.points < step.points


def test_a_definition_survives_its_json_round_trip(drill):
    assert Drill.from_dict(drill.to_dict()) == drill


def test_drill_texts_obey_the_glossary(tree):
    """A forbidden variant or ASCII quotes in a drill's Chinese text is a file:line error."""
    line = _edit(tree, "quizzes/drills/skimmer.yaml", "技术人员", "技术员")
    assert (
        f'quizzes/drills/skimmer.yaml:{line}: "技术员" is a forbidden variant of glossary term '
        '"technician": write "技术人员"'
    ) in _messages(tree)


# --- terminal steps ----------------------------------------------------------------------------

TERMINAL_DRILL = """id: terminal-void
title: {zh: 演练：在终端上撤销, en: "Drill: void on the terminal"}
summary: {zh: 在终端上撤销多收的那笔。, en: Void the overcharged sale on the terminal.}
tags: [C1]
pass_mark: 70
time_limit_seconds: 400
steps:
  - id: void
    kind: terminal
    simulator: overcharge-void
    points: 3
    time_limit_seconds: 240
    manual: payment-errors/01-confirm-and-correct#c1-overcharge-open-batch
    prompt: {zh: 顾客说多收了钱。, en: The customer says they were overcharged.}
    rule: {zh: 结算前用撤销。, en: "Before settlement, void."}
"""


def add_terminal_drill(root: Path) -> Path:
    """A drill of one terminal step on the shipped void scenario (tests use it on pages too)."""
    path = root / "quizzes" / "drills" / "terminal-void.yaml"
    path.write_text(TERMINAL_DRILL, encoding="utf-8")
    return path


def test_a_terminal_step_carries_its_scenario(tree):
    add_terminal_drill(tree)
    drill = load_content(tree).drills["terminal-void"]
    [step] = drill.steps
    assert (step.kind, step.simulator, step.points) == ("terminal", "overcharge-void", 3)
    assert step.scenario["id"] == "overcharge-void" and step.scenario["expect"]
    assert Drill.from_dict(drill.to_dict()) == drill


def test_an_unknown_scenario_of_a_terminal_step_is_reported_at_its_line(tree):
    add_terminal_drill(tree)
    file = "quizzes/drills/terminal-void.yaml"
    line = _edit(tree, file, "simulator: overcharge-void", "simulator: no-such-scenario")
    assert (
        f'{file}:{line}: drill "terminal-void", step "void": unknown simulator scenario '
        '"no-such-scenario"'
    ) in _messages(tree)


def test_a_terminal_step_needs_a_scenario_and_points(tree):
    add_terminal_drill(tree)
    file = "quizzes/drills/terminal-void.yaml"
    line = _edit(tree, file, "    points: 3\n", "    points: 0\n")
    assert any(
        m.startswith(f"{file}:{line}:") and 'a terminal step needs "points" above 0' in m
        for m in _messages(tree)
    )


def test_a_terminal_step_scores_its_run(tree):
    add_terminal_drill(tree)
    drill = load_content(tree).drills["terminal-void"]
    step = drill.step("void")
    passed = step_outcome(drill, step, {"score": 0.9, "passed": True, "critical": False}, 3)
    assert passed.correct and passed.points == 2.7 and not passed.critical
    failed = step_outcome(drill, step, {"score": 0.5, "passed": False, "critical": True}, 3)
    assert failed.points == 0 and failed.critical
    result = score_drill(drill, [failed])
    assert not result.passed and result.critical_errors[0].step_id == "void"
    assert best_points(drill) == 3
