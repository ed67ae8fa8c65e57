"""Emergency drills (``quizzes/drills/*.yaml``): read and checked with the Checker's getters.

Read after the courses: a drill may name its course, each step links to a lesson section
(checked with every other manual link once everything is read), and a course's
``required_drills`` must name drills that exist. Chinese texts obey the glossary (``c.text``).
What a drill is, and how it runs, is in trainer.domain.drills.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from trainer.domain.content.core import Checker
from trainer.domain.drills.model import (
    CHOICE_KINDS,
    END,
    STEP_KINDS,
    Drill,
    DrillOption,
    DrillStep,
    LocalText,
    OrderItem,
)
from trainer.domain.yamlsource import YamlDict, YamlList, describe, is_yaml_number, load_yaml

DRILL_KEYS = ("id", "title", "summary", "pass_mark", "time_limit_seconds", "steps")
DRILL_OPTIONAL = ("tags", "course", "sources")
STEP_KEYS = ("id", "kind", "prompt", "rule", "manual", "time_limit_seconds")
STEP_OPTIONAL = ("options", "items", "points", "next", "simulator")
OPTION_KEYS = ("id", "text", "feedback")
OPTION_OPTIONAL = ("points", "next", "consequence", "critical")
STEP_SECONDS = (5, 600)
DRILL_SECONDS = (30, 3600)
# A step links to a section: unlike a question's link, the anchor is required.
MANUAL_RE = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+#[a-z0-9-]+$")


def load(c: Checker) -> None:
    """Read and check every drill; keep the valid ones on ``c.drills``."""
    folder = c.root / "quizzes" / "drills"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        drill = read_drill(c, path)
        if drill is not None:
            c.drills[drill.id] = drill


def resolve(c: Checker) -> None:
    """A course's ``required_drills`` must name drill files (a broken one is reported there);
    a terminal step's scenario must exist, and is copied into the step."""
    folder = c.root / "quizzes" / "drills"
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    files = {path.stem for path in paths}
    for code, node in c.course_raw.items():
        values = node.get("required_drills")
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value not in files:
                line = values.item_line(i) if isinstance(values, YamlList) else node.line
                c.add(
                    c.course_files[code], line, f'course "{code}": unknown required drill "{value}"'
                )
    for path in paths:
        file = c.rel(path)
        data, problems = load_yaml(path, file)
        if not problems:  # the drill's own problems are reported by read_drill
            _simulator_refs(c, data, file)
    # The scenario is copied into its step, so a run keeps the one it started with.
    for drill_id, drill in c.drills.items():
        if any(step.kind == "terminal" for step in drill.steps):
            steps = [
                dataclasses.replace(step, scenario=c.simulator[step.simulator].to_dict())
                if step.kind == "terminal" and step.simulator in c.simulator
                else step
                for step in drill.steps
            ]
            c.drills[drill_id] = dataclasses.replace(drill, steps=steps)


def _simulator_refs(c: Checker, data: Any, file: str) -> None:
    steps = data.get("steps") if isinstance(data, YamlDict) else None
    for step in steps if isinstance(steps, YamlList) else []:
        sid = step.get("simulator") if isinstance(step, YamlDict) else None
        if not isinstance(sid, str) or sid in c.simulator or f"simulator:{sid}" in c.unreadable:
            continue
        c.add(
            file,
            step.key_line("simulator"),
            f'drill "{data.get("id")}", step "{step.get("id")}": unknown simulator scenario '
            f'"{sid}"',
        )


def _text(c: Checker, node: YamlDict, key: str, file: str, who: str) -> LocalText | None:
    """``c.text`` with surrounding white space removed (a YAML block keeps its last newline)."""
    value = c.text(node, key, file, who)
    return None if value is None else {lang: text.strip() for lang, text in value.items()}


def _points(c: Checker, node: YamlDict, file: str, who: str) -> float:
    return float(c.number(node, "points", file, who, minimum=0, maximum=100) or 0)


def read_drill(c: Checker, path: Path) -> Drill | None:
    """One drill file, or None when anything in it is wrong (every problem is on ``c``)."""
    file = c.rel(path)
    before = len(c.problems)
    data, parsed = c.read_yaml(path)
    if not parsed:
        return None
    if data is None:
        c.add(file, 1, "drill file is empty")
        return None
    data = c.mapping(data, file, 1, "a drill file")
    if data is None:
        return None
    who = f'drill "{path.stem}"'
    c.keys(data, file, who, DRILL_KEYS, DRILL_OPTIONAL)
    drill_id = c.string(data, "id", file, who, slug=True)
    if drill_id is not None and drill_id != path.stem:
        c.add(
            file,
            data.key_line("id"),
            f'{who}: "id" must equal the file name without .yaml ("{path.stem}")',
        )
    title = _text(c, data, "title", file, who)
    summary = _text(c, data, "summary", file, who)
    pass_mark = data.get("pass_mark")
    if pass_mark is not None and (not is_yaml_number(pass_mark) or not 0 < pass_mark <= 100):
        c.add(
            file,
            data.key_line("pass_mark"),
            f'{who}: "pass_mark" must be a percentage above 0 and at most 100 '
            f"(found {describe(pass_mark)})",
        )
    low, high = DRILL_SECONDS
    limit = c.integer(data, "time_limit_seconds", file, who, minimum=low, maximum=high)
    course = c.string(data, "course", file, who)
    if course is not None and course not in c.courses and f"course:{course}" not in c.unreadable:
        c.add(file, data.key_line("course"), f'{who}: unknown course "{course}"')
    tags = c.str_list(data, "tags", file, who)
    sources = c.str_list(data, "sources", file, who, ids=True)
    c.id_refs(data, "sources", file, who)

    steps: list[DrillStep] = []
    step_lines: dict[str, int] = {}
    next_refs: list[tuple[int, str, str]] = []  # (line, who, target) to check once all are read
    found = c.items(data, "steps", file, who, "step")
    for node, label, line in found:
        step = read_step(c, node, file, f"{who}, {label}", next_refs)
        step_lines.setdefault(step.id if step else str(node.get("id")), line)
        if step is not None:
            steps.append(step)
    if data.get("steps") is not None and not found:
        c.add(file, data.key_line("steps"), f"{who}: a drill needs at least one step")
    for line, where, target in next_refs:
        if target != END and target not in step_lines:
            c.add(file, line, f'{where}: "next" names unknown step "{target}"')
    if len(c.problems) > before:
        return None
    drill = Drill(
        id=drill_id,
        title=title,
        summary=summary,
        tags=tags,
        course=course,
        pass_mark=float(pass_mark),
        time_limit_seconds=limit,
        steps=steps,
        sources=sources,
    )
    return check_paths(c, drill, file, data, step_lines, who)


def read_step(
    c: Checker, raw: YamlDict, file: str, who: str, next_refs: list[tuple[int, str, str]]
) -> DrillStep | None:
    """One step, or None when anything in it is wrong."""
    before = len(c.problems)
    c.keys(raw, file, who, STEP_KEYS, STEP_OPTIONAL)
    step_id = c.string(raw, "id", file, who, slug=True)
    kind = c.string(raw, "kind", file, who, choices=STEP_KINDS)
    prompt = _text(c, raw, "prompt", file, who)
    rule = _text(c, raw, "rule", file, who)
    manual = c.string(raw, "manual", file, who)
    if manual is not None and not MANUAL_RE.match(manual):
        c.add(
            file,
            raw.key_line("manual"),
            f'{who}: manual link "{manual}" must look like course/lesson#anchor',
        )
    elif manual is not None:
        c.manual_refs.append((file, raw.key_line("manual"), who, manual))
    low, high = STEP_SECONDS
    limit = c.integer(raw, "time_limit_seconds", file, who, minimum=low, maximum=high)
    step_next = c.string(raw, "next", file, who)
    if step_next is not None:
        next_refs.append((raw.key_line("next"), who, step_next))
    options: list[DrillOption] = []
    items: list[OrderItem] = []
    points = 0.0
    simulator = None
    if kind == "ordering":
        if "options" in raw:
            c.add(file, raw.key_line("options"), f"{who}: an ordering step has items, not options")
        items = read_items(c, raw, file, who)
        points = _points(c, raw, file, who)
        if points <= 0:
            c.add(file, raw.key_line("points"), f'{who}: an ordering step needs "points" above 0')
    elif kind == "terminal":
        for key in ("options", "items"):
            if key in raw:
                c.add(
                    file, raw.key_line(key), f'{who}: a terminal step has a scenario, not "{key}"'
                )
        # Whether the scenario exists is checked in resolve, once the simulator's files are read.
        simulator = c.string(raw, "simulator", file, who, slug=True)
        if "simulator" not in raw:
            c.add(file, raw.line, f'{who}: a terminal step needs "simulator" (a scenario id)')
        points = _points(c, raw, file, who)
        if points <= 0:
            c.add(file, raw.key_line("points"), f'{who}: a terminal step needs "points" above 0')
    elif kind in CHOICE_KINDS:
        for key in ("items", "points", "simulator"):
            if key in raw:
                c.add(file, raw.key_line(key), f'{who}: a {kind} step has options, not "{key}"')
        options = read_options(c, raw, file, who, next_refs)
    if len(c.problems) > before:
        return None
    return DrillStep(
        id=step_id,
        kind=kind,
        prompt=prompt,
        rule=rule,
        manual=manual,
        time_limit_seconds=limit,
        options=options,
        items=items,
        points=points,
        next=step_next,
        simulator=simulator,
    )


def read_items(c: Checker, raw: YamlDict, file: str, who: str) -> list[OrderItem]:
    """An ordering step's actions, in the right order (at least 3)."""
    if "items" not in raw:
        c.add(file, raw.line, f'{who}: an ordering step needs "items" (in the right order)')
        return []
    items = []
    found = c.items(raw, "items", file, who, "item")
    for node, label, _line in found:
        item_who = f"{who}, {label}"
        c.keys(node, file, item_who, ("id", "text"))
        item_id = c.string(node, "id", file, item_who, slug=True)
        text = _text(c, node, "text", file, item_who)
        items.append(OrderItem(item_id, text))
    if isinstance(raw["items"], YamlList) and len(raw["items"]) < 3:
        c.add(file, raw.key_line("items"), f"{who}: an ordering step needs at least 3 items")
    return items


def read_options(
    c: Checker, raw: YamlDict, file: str, who: str, next_refs: list[tuple[int, str, str]]
) -> list[DrillOption]:
    """A choice step's options (at least 2, one of them earning points)."""
    if "options" not in raw:
        c.add(file, raw.line, f'{who}: a choice step needs "options"')
        return []
    options = []
    for node, label, _line in c.items(raw, "options", file, who, "option"):
        option_who = f"{who}, {label}"
        c.keys(node, file, option_who, OPTION_KEYS, OPTION_OPTIONAL)
        critical = _text(c, node, "critical", file, option_who)
        points = _points(c, node, file, option_who)
        if critical is not None and points > 0:
            c.add(
                file, node.key_line("points"), f"{option_who}: a critical error cannot earn points"
            )
        target = c.string(node, "next", file, option_who)
        if target is not None:
            next_refs.append((node.key_line("next"), option_who, target))
        options.append(
            DrillOption(
                id=c.string(node, "id", file, option_who, slug=True),
                text=_text(c, node, "text", file, option_who),
                feedback=_text(c, node, "feedback", file, option_who),
                points=points,
                next=target,
                consequence=_text(c, node, "consequence", file, option_who),
                critical=critical,
            )
        )
    if isinstance(raw["options"], YamlList) and len(raw["options"]) < 2:
        c.add(file, raw.key_line("options"), f"{who}: a choice step needs at least 2 options")
    elif options and not any(option.points > 0 for option in options):
        c.add(file, raw.key_line("options"), f"{who}: no option earns points")
    return options


def check_paths(
    c: Checker, drill: Drill, file: str, data: YamlDict, lines: dict[str, int], who: str
) -> Drill | None:
    """Every path ends (no loop), every step can be reached, the slowest path fits the limit."""
    graph: dict[str, list[str]] = {}
    for step in drill.steps:
        targets = {drill.default_next(step)}
        for option in step.options:
            if option.next:
                targets.add(None if option.next == END else option.next)
        graph[step.id] = [t for t in targets if t is not None]
    # Paths must end: a step that leads back to itself would never finish the drill.
    state: dict[str, int] = {}

    def cycle_from(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for target in graph[node]:
            if state.get(target) == 1:
                return [*trail[trail.index(target) :], target] if target in trail else [target]
            if target not in state:
                found = cycle_from(target, [*trail, target])
                if found:
                    return found
        state[node] = 2
        return None

    cycle = cycle_from(drill.start, [drill.start])
    if cycle:
        c.add(file, lines[cycle[0]], f"{who}: steps form a loop: {' → '.join(cycle)}")
        return None
    for step in drill.steps:
        if step.id not in state:
            c.add(file, lines[step.id], f'{who}: step "{step.id}" cannot be reached')
    longest: dict[str, int] = {}

    def slowest(node: str) -> int:
        if node not in longest:
            step = drill.step(node)
            longest[node] = step.time_limit_seconds + max(
                (slowest(t) for t in graph[node]), default=0
            )
        return longest[node]

    needed = slowest(drill.start)
    if needed > drill.time_limit_seconds:
        c.add(
            file,
            data.key_line("time_limit_seconds"),
            f'{who}: "time_limit_seconds" ({drill.time_limit_seconds}) is shorter than the '
            f"step limits along the slowest path ({needed})",
        )
    return drill
