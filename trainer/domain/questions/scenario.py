"""Scenario: a branching case, answered one step at a time; each choice has a consequence.

A path is the list of [step_id, option_id] choices made so far. The attempt page shows the
step due after the path (present), and the quiz service adds one choice at a time
(scenario_advance). The score is the path's option points over the best path's.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trainer.domain.graph import find_cycle, reachable
from trainer.domain.questions.base import (
    ARROW,
    LocalText,
    Outcome,
    Question,
    QuestionType,
    checked_ids,
    clamp,
    ids,
    is_number,
    items,
    join,
    localised,
    text_in,
    unanswered,
)
from trainer.domain.questions.panel import check_panel, present_panel

if TYPE_CHECKING:
    from trainer.domain.content.core import Checker
    from trainer.domain.yamlsource import YamlDict


# --- the step graph -------------------------------------------------------------------------


def scenario_steps(question: Question) -> dict[str, dict[str, Any]]:
    """Scenario steps by id."""
    return {s["id"]: s for s in items(question, "steps") if isinstance(s.get("id"), str)}


def step_options(step: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The options of one scenario step that have an id."""
    return [o for o in items(step, "options") if isinstance(o.get("id"), str)]


def option_points(option: Mapping[str, Any]) -> float:
    """Points of a scenario option (0 when missing or not a number)."""
    points = option.get("points", 0)
    return float(points) if is_number(points) else 0.0


def next_step(option: Mapping[str, Any], steps: Mapping[str, Any]) -> str | None:
    """The step an option leads to, or None when the scenario ends there."""
    nxt = option.get("next")
    return nxt if isinstance(nxt, str) and nxt in steps else None


def walk_path(
    question: Question, path: Any
) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], str | None, str | None]:
    """Follow a path: (valid (step, option) prefix, id of the step now due or None, error)."""
    steps = scenario_steps(question)
    start = question.get("start")
    if not isinstance(start, str) or start not in steps:
        return [], None, "scenario has no valid start step"
    if not isinstance(path, list | tuple):
        return [], start, "path must be a list of [step_id, option_id] pairs"
    taken: list[tuple[dict[str, Any], dict[str, Any]]] = []
    visited: set[str] = set()
    due: str | None = start
    for number, item in enumerate(path, start=1):
        if due is None:
            return taken, None, f"choice {number}: the scenario had already finished"
        if (
            not isinstance(item, list | tuple)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            return taken, due, f"choice {number}: expected [step_id, option_id]"
        step_id, option_id = item
        if step_id != due:
            return taken, due, f"choice {number}: expected step {due!r}, got {step_id!r}"
        step = steps[step_id]
        option = next((o for o in step_options(step) if o["id"] == option_id), None)
        if option is None:
            return taken, due, f"choice {number}: step {step_id!r} has no option {option_id!r}"
        taken.append((step, option))
        visited.add(step_id)
        due = next_step(option, steps)
        if due in visited:
            # A cycle is a content error; ending here keeps every path finite.
            due = None
    return taken, due, None


def _present_step(step: Mapping[str, Any], lang: str | None) -> dict[str, Any]:
    return {
        "id": step["id"],
        "stem": text_in(step.get("stem"), lang),
        "scenario": present_panel(step.get("scenario"), lang),
        "options": [
            {"id": o["id"], "text": text_in(o.get("text"), lang)} for o in step_options(step)
        ],
    }


def scenario_state(question: Question, path: Any, lang: str | None = None) -> dict[str, Any]:
    """Step due now and consequences so far (lang None: {zh, en} texts); ValueError if invalid."""
    taken, due, error = walk_path(question, path)
    if error:
        raise ValueError(error)
    steps = scenario_steps(question)
    return {
        "finished": due is None,
        "step": None if due is None else _present_step(steps[due], lang),
        "taken": [
            {
                "step": step["id"],
                "stem": text_in(step.get("stem"), lang),
                "option": option["id"],
                "text": text_in(option.get("text"), lang),
                "consequence": text_in(option.get("consequence"), lang),
            }
            for step, option in taken
        ],
    }


def scenario_advance(
    question: Question, path: Any, step_id: Any, option_id: Any
) -> list[list[str]]:
    """The path plus one choice; ValueError for a wrong step/option or a finished scenario."""
    taken, due, error = walk_path(question, path)
    if error:
        raise ValueError(f"invalid path so far: {error}")
    if due is None:
        raise ValueError("the scenario is already finished")
    if not isinstance(step_id, str) or not isinstance(option_id, str):
        raise ValueError("step_id and option_id must be strings")
    if step_id != due:
        raise ValueError(f"expected an answer for step {due!r}, not {step_id!r}")
    if all(o["id"] != option_id for o in step_options(scenario_steps(question)[due])):
        raise ValueError(f"step {step_id!r} has no option {option_id!r}")
    return [[step["id"], option["id"]] for step, option in taken] + [[step_id, option_id]]


# --- scoring --------------------------------------------------------------------------------


def _best_from(
    step_id: str, steps: Mapping[str, Any], memo: dict[str, float], visiting: set[str]
) -> float:
    if step_id in memo:
        return memo[step_id]
    if step_id in visiting:
        return 0.0  # a cycle (a content error): don't follow it again
    visiting.add(step_id)
    best = 0.0
    for option in step_options(steps[step_id]):
        nxt = next_step(option, steps)
        tail = _best_from(nxt, steps, memo, visiting) if nxt else 0.0
        best = max(best, option_points(option) + tail)
    visiting.discard(step_id)
    memo[step_id] = best
    return best


def best_path_points(question: Question) -> float:
    """The most option points any path through a scenario can collect (DFS over the steps)."""
    steps = scenario_steps(question)
    start = question.get("start")
    if not isinstance(start, str) or start not in steps:
        return 0.0
    return _best_from(start, steps, {}, set())


def _best_path(question: Question) -> list[dict[str, Any]]:
    steps = scenario_steps(question)
    memo: dict[str, float] = {}
    current = question.get("start")
    seen: set[str] = set()
    path = []
    while isinstance(current, str) and current in steps and current not in seen:
        seen.add(current)
        options = step_options(steps[current])
        if not options:
            break

        def value(option: Mapping[str, Any], seen: set[str] = seen) -> float:
            nxt = next_step(option, steps)
            tail = _best_from(nxt, steps, memo, set(seen)) if nxt and nxt not in seen else 0.0
            return option_points(option) + tail

        choice = max(options, key=value)
        path.append(choice)
        current = next_step(choice, steps)
    return path


def _scenario_entry(step: Mapping[str, Any], option: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "step": step["id"],
        "stem": localised(step.get("stem")),
        "option": option["id"],
        "text": localised(option.get("text")),
        "consequence": localised(option.get("consequence")),
        "points": option_points(option),
        "critical": option.get("critical") is True,
    }


def shown_choices(order: list[str]) -> list[str]:
    """The values the page gives a step's choices: c0, c1 … in the order shown."""
    return [f"c{i}" for i in range(len(order))]


class Scenario(QuestionType):
    """Response ``{"path": [[step_id, option_id], …]}``, built by the quiz service."""

    name = "scenario"
    required = ("start", "steps")
    needs_stem = False

    def check(
        self, c: Checker, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        start = c.string(node, "start", file, who)
        steps: list[dict[str, Any]] = []
        step_lines: dict[str, int] = {}
        next_refs: list[tuple[str, str, str, int]] = []
        for item, label, line in c.items(node, "steps", file, who, "step"):
            owner = f"{who}: {label}"
            c.keys(item, file, owner, ("id", "stem", "options"), ("scenario",))
            step_id = item.get("id") if isinstance(item.get("id"), str) else ""
            step_lines.setdefault(step_id, line)
            options: list[dict[str, Any]] = []
            for option, option_label, _oline in c.items(item, "options", file, owner, "option"):
                option_owner = f"{owner} {option_label}"
                c.keys(
                    option,
                    file,
                    option_owner,
                    ("id", "text", "consequence"),
                    ("points", "next", "critical"),
                )
                points = c.number(option, "points", file, option_owner, minimum=0)
                target = c.string(option, "next", file, option_owner)
                if target is not None:
                    next_refs.append((option_owner, step_id, target, option.key_line("next")))
                options.append(
                    {
                        "id": option.get("id") if isinstance(option.get("id"), str) else "",
                        "text": c.text(option, "text", file, option_owner, markdown=md),
                        "consequence": c.text(
                            option, "consequence", file, option_owner, markdown=md
                        ),
                        "points": points or 0,
                        "next": target,
                        "critical": bool(c.boolean(option, "critical", file, option_owner)),
                    }
                )
            if isinstance(item.get("options"), list) and not options:
                c.add(file, item.key_line("options"), f"{owner} has no options")
            steps.append(
                {
                    "id": step_id,
                    "stem": c.text(item, "stem", file, owner, markdown=md),
                    "scenario": check_panel(c, item, "scenario", file, owner),
                    "options": options,
                }
            )
        question["start"] = start
        question["steps"] = steps
        question["max_points"] = 0
        if not isinstance(node.get("steps"), list):
            return
        if not steps:
            c.add(file, node.key_line("steps"), f"{who} has no steps")
            return
        ok = True
        for owner, _step, target, line in next_refs:
            if target not in step_lines:
                c.add(file, line, f'{owner}: next step "{target}" does not exist')
                ok = False
        if start is not None and start not in step_lines:
            c.add(file, node.key_line("start"), f'{who}: start step "{start}" does not exist')
            return
        if start is None or not ok:
            return
        self.check_graph(c, node, file, who, question, start, step_lines)

    def check_graph(
        self,
        c: Checker,
        node: YamlDict,
        file: str,
        who: str,
        question: dict[str, Any],
        start: str,
        step_lines: dict[str, int],
    ) -> None:
        """No loops, every step reachable, and some path earns points (sets max_points)."""
        steps = question["steps"]
        graph = {
            step["id"]: [option["next"] for option in step["options"] if option["next"]]
            for step in steps
        }
        cycle = find_cycle(graph, start)
        if cycle is not None:
            c.add(file, step_lines[cycle[-2]], f"{who}: steps loop back: {' → '.join(cycle)}")
            return
        can_reach = reachable(graph, start)
        for step in steps:
            if step["id"] not in can_reach:
                c.add(
                    file,
                    step_lines[step["id"]],
                    f'{who}: step "{step["id"]}" cannot be reached from start step "{start}"',
                )
        by_id = {step["id"]: step for step in steps}
        best: dict[str, float] = {}

        def best_from(step_id: str) -> float:
            if step_id not in best:
                best[step_id] = max(
                    (
                        o["points"] + (best_from(o["next"]) if o["next"] else 0)
                        for o in by_id[step_id]["options"]
                    ),
                    default=0,
                )
            return best[step_id]

        question["max_points"] = best_from(start)
        if question["max_points"] <= 0:
            c.add(file, node.key_line("steps"), f"{who}: no path through the steps earns points")

    def make_layout(
        self, question: Question, rng: random.Random, shuffle_options: bool
    ) -> dict[str, Any]:
        # Each step's choices in the attempt's own order: authors tend to write the best first.
        choices = {}
        for step_id, step in scenario_steps(question).items():
            order = ids(step_options(step))
            if shuffle_options:
                rng.shuffle(order)
            choices[step_id] = order
        return {"choices": choices}

    def normalise_layout(self, question: Question, layout: dict[str, Any]) -> dict[str, Any]:
        # Attempts started before choices were shuffled have no "choices": authored order.
        stored = layout.get("choices")
        stored = stored if isinstance(stored, dict) else {}
        return {
            "choices": {
                step_id: checked_ids(stored.get(step_id), ids(step_options(step)))
                for step_id, step in scenario_steps(question).items()
            }
        }

    def present(
        self, question: Question, layout: dict[str, Any], lang: str, path: Any
    ) -> dict[str, Any]:
        state = scenario_state(question, [] if path is None else path, lang)
        step = state["step"]
        if step is not None:
            # In the attempt's order, with values that are positions (c0, c1 …), never the
            # authored ids: the page source must not tell which choice is best (issue #14).
            texts = {o["id"]: o["text"] for o in step["options"]}
            order = layout["choices"][step["id"]]
            step["options"] = [
                {"id": shown, "text": texts[oid]}
                for shown, oid in zip(shown_choices(order), order, strict=True)
            ]
        return state

    def chosen_option(
        self, question: Question, layout: Mapping[str, Any], step_id: str, shown: str
    ) -> str | None:
        """The authored id of the choice the page showed as ``shown`` at step ``step_id``."""
        order = self.normalise_layout(question, dict(layout))["choices"].get(step_id, [])
        return dict(zip(shown_choices(order), order, strict=True)).get(shown)

    def grade(
        self, question: Question, response: Mapping[str, Any], layout: dict[str, Any]
    ) -> Outcome:
        path = response.get("path")
        if path is None or path == []:
            return unanswered()
        taken, due, error = walk_path(question, path)
        entries = [_scenario_entry(step, option) for step, option in taken]
        critical = [
            {
                "step": e["step"],
                "option": e["option"],
                "text": e["text"],
                "consequence": e["consequence"],
            }
            for e in entries
            if e["critical"]
        ]
        if error:
            return Outcome(
                fraction=0.0, path=entries, critical=critical, note=f"invalid path: {error}"
            )
        best = best_path_points(question)
        earned = sum(e["points"] for e in entries)
        # A scenario where no choice scores anything is passed just by finishing it.
        fraction = earned / best if best > 0 else float(due is None)
        return Outcome(
            fraction=clamp(fraction),
            path=entries,
            critical=critical,
            note=None if due is None else "incomplete: the scenario was not finished",
        )

    def correct_answer(self, question: Question) -> LocalText | None:
        texts = [localised(o.get("text")) for o in _best_path(question)]
        return join(texts, ARROW) if texts else None
