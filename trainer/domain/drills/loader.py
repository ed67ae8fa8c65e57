"""Read and check ``quizzes/drills/*.yaml``; every problem is reported as file:line.

Self-contained on purpose (only ``yamlsource`` is shared): the content checker calls
``load_drills`` with what it already knows (lesson anchors, courses, sources).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

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
from trainer.domain.yamlsource import Problem, YamlDict, YamlList, load_yaml

__all__ = ["load_drills"]

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MANUAL_RE = re.compile(r"^([a-z0-9-]+)/([a-z0-9-]+)#([a-z0-9-]+)$")
LANGS = ("zh", "en")
LANG_NAMES = {"zh": "Chinese", "en": "English"}
STEP_SECONDS = (5, 600)
DRILL_SECONDS = (30, 3600)

_DRILL_KEYS = {"id", "title", "summary", "pass_mark", "time_limit_seconds", "steps"}
_DRILL_OPTIONAL = {"tags", "course", "sources"}
_STEP_KEYS = {"id", "kind", "prompt", "rule", "manual", "time_limit_seconds"}
_STEP_OPTIONAL = {"options", "items", "points", "next", "simulator"}
_OPTION_KEYS = {"id", "text", "feedback"}
_OPTION_OPTIONAL = {"points", "next", "consequence", "critical"}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"number {value:g}"
    if isinstance(value, str):
        return f'text "{value}"' if len(value) <= 40 else "a long text"
    return "a list" if isinstance(value, list) else "a mapping"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _DrillChecker:
    def __init__(
        self,
        anchors: Mapping[tuple[str, str], Collection[str]],
        courses: Collection[str],
        sources: Collection[str] | None,
        unreadable: Collection[str],
    ) -> None:
        self.anchors = anchors
        self.courses = courses
        self.sources = sources
        self.unreadable = unreadable
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, max(int(line or 1), 1), message))

    def keys(self, node: YamlDict, file: str, who: str, required: set, optional: set) -> bool:
        ok = True
        for key in sorted(required):
            if node.get(key) is None:
                self.add(file, node.line, f'{who}: missing required key "{key}"')
                ok = False
        for key in node:
            if key not in required | optional:
                self.add(file, node.key_line(key), f'{who}: unknown key "{key}"')
        return ok

    def text(self, node: YamlDict, key: str, file: str, who: str) -> LocalText | None:
        value = node.get(key)
        if value is None:
            return None
        label = key.replace("_", " ")
        if not isinstance(value, YamlDict):
            self.add(
                file,
                node.key_line(key),
                f"{who}: {label} must have both zh and en texts (found {_describe(value)})",
            )
            return None
        result: LocalText = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                found = "nothing" if text is None else _describe(text)
                self.add(
                    file,
                    value.key_line(lang),
                    f"{who}: {LANG_NAMES[lang]} {label} must be non-empty text (found {found})",
                )
            else:
                result[lang] = text.strip()
        for extra in value:
            if extra not in LANGS:
                self.add(file, value.key_line(extra), f'{who}: {label}: unknown language "{extra}"')
        return result if len(result) == 2 else None

    def integer(
        self, node: YamlDict, key: str, file: str, who: str, bounds: tuple[int, int]
    ) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        low, high = bounds
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.add(
                file,
                node.key_line(key),
                f'{who}: "{key}" must be a whole number from {low} to {high} '
                f"(found {_describe(value)})",
            )
            return None
        return value

    def points(self, node: YamlDict, key: str, file: str, who: str) -> float:
        value = node.get(key, 0)
        if not _number(value) or value < 0 or value > 100:
            self.add(
                file,
                node.key_line(key),
                f'{who}: "{key}" must be a number from 0 to 100 (found {_describe(value)})',
            )
            return 0.0
        return float(value)

    def slug(self, node: YamlDict, key: str, file: str, who: str) -> str | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not SLUG_RE.match(value):
            self.add(
                file,
                node.key_line(key),
                f'{who}: "{key}" must use only lowercase letters, digits and hyphens '
                f"(found {_describe(value)})",
            )
            return None
        return value

    def seq(self, node: YamlDict, key: str, file: str, who: str) -> YamlList | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, YamlList):
            self.add(file, node.key_line(key), f'{who}: "{key}" must be a list')
            return None
        return value

    def manual(self, node: YamlDict, file: str, who: str) -> str | None:
        link = node.get("manual")
        if link is None:
            return None
        line = node.key_line("manual")
        match = MANUAL_RE.match(link) if isinstance(link, str) else None
        if match is None:
            self.add(
                file,
                line,
                f'{who}: "manual" must be course/lesson#anchor (found {_describe(link)})',
            )
            return None
        code, slug, anchor = match.groups()
        if f"course:{code}" in self.unreadable or f"lesson:{code}/{slug}" in self.unreadable:
            return link
        if code not in self.courses:
            self.add(file, line, f'{who}: manual link "{link}": unknown course "{code}"')
        elif (code, slug) not in self.anchors:
            self.add(
                file, line, f'{who}: manual link "{link}": course "{code}" has no lesson "{slug}"'
            )
        elif anchor not in self.anchors[(code, slug)]:
            self.add(
                file,
                line,
                f'{who}: manual link "{link}": lesson "{code}/{slug}" has no anchor "{anchor}"',
            )
        return link

    # -- one drill ---------------------------------------------------------------------------

    def drill(self, path: Path, file: str) -> Drill | None:
        data, problems = load_yaml(path, file)
        self.problems.extend(problems)
        if data is None:
            if not problems:
                self.add(file, 1, "drill file is empty")
            return None
        if not isinstance(data, YamlDict):
            self.add(file, 1, f"a drill file must be a mapping (found {_describe(data)})")
            return None
        who = f'drill "{path.stem}"'
        complete = self.keys(data, file, who, _DRILL_KEYS, _DRILL_OPTIONAL)
        drill_id = self.slug(data, "id", file, who)
        if drill_id is not None and drill_id != path.stem:
            self.add(
                file,
                data.key_line("id"),
                f'{who}: "id" must equal the file name without .yaml ("{path.stem}")',
            )
        title = self.text(data, "title", file, who)
        summary = self.text(data, "summary", file, who)
        pass_mark = data.get("pass_mark")
        if pass_mark is not None and (not _number(pass_mark) or not 0 < pass_mark <= 100):
            self.add(
                file,
                data.key_line("pass_mark"),
                f'{who}: "pass_mark" must be a percentage above 0 and at most 100 '
                f"(found {_describe(pass_mark)})",
            )
            pass_mark = None
        limit = self.integer(data, "time_limit_seconds", file, who, DRILL_SECONDS)
        course = data.get("course")
        if (
            course is not None
            and course not in self.courses
            and f"course:{course}" not in self.unreadable
        ):
            self.add(file, data.key_line("course"), f'{who}: unknown course "{course}"')
        tags = self.strings(data, "tags", file, who)
        sources = self.strings(data, "sources", file, who, numbers=True)
        if self.sources is not None:
            values = data.get("sources")
            for i, source in enumerate(sources):
                if source not in self.sources:
                    self.add(
                        file,
                        values.item_line(i),
                        f'{who}: unknown source "{source}" (not in courses/sources.yaml)',
                    )
        raw_steps = self.seq(data, "steps", file, who)
        steps: list[DrillStep] = []
        step_lines: dict[str, int] = {}
        next_refs: list[tuple[int, str, str]] = []
        for i, raw in enumerate(raw_steps or []):
            line = raw_steps.item_line(i)
            step = self.step(raw, file, line, who, i + 1, next_refs)
            if step is None:
                continue
            if step.id in step_lines:
                self.add(file, line, f'{who}: step id "{step.id}" is used twice')
                continue
            step_lines[step.id] = line
            steps.append(step)
        if raw_steps is not None and not raw_steps:
            self.add(file, raw_steps.line, f"{who}: a drill needs at least one step")
        for line, where, target in next_refs:
            if target != END and target not in step_lines:
                self.add(file, line, f'{who}: {where}: "next" names unknown step "{target}"')
        if not complete or None in (drill_id, title, summary, pass_mark, limit) or not steps:
            return None
        if len(steps) != len(raw_steps or []) or any(
            t != END and t not in step_lines for _, _, t in next_refs
        ):
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
        return self.check_paths(drill, file, data, step_lines, who)

    def strings(
        self, node: YamlDict, key: str, file: str, who: str, *, numbers: bool = False
    ) -> list[str]:
        values = self.seq(node, key, file, who) or []
        out = []
        for i, value in enumerate(values):
            if numbers and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or not value.strip():
                self.add(file, values.item_line(i), f'{who}: "{key}" item {i + 1} must be text')
            else:
                out.append(value)
        return out

    def step(
        self,
        raw: Any,
        file: str,
        line: int,
        drill_who: str,
        number: int,
        next_refs: list[tuple[int, str, str]],
    ) -> DrillStep | None:
        if not isinstance(raw, YamlDict):
            self.add(file, line, f"{drill_who}: step {number} must be a mapping")
            return None
        step_id = raw.get("id") if isinstance(raw.get("id"), str) else str(number)
        who = f'{drill_who}, step "{step_id}"'
        complete = self.keys(raw, file, who, _STEP_KEYS, _STEP_OPTIONAL)
        sid = self.slug(raw, "id", file, who)
        kind = raw.get("kind")
        if kind is not None and kind not in STEP_KINDS:
            kinds = ", ".join(STEP_KINDS)
            self.add(
                file, raw.key_line("kind"), f'{who}: "kind" must be one of {kinds} (found {kind})'
            )
            kind = None
        prompt = self.text(raw, "prompt", file, who)
        rule = self.text(raw, "rule", file, who)
        manual = self.manual(raw, file, who)
        limit = self.integer(raw, "time_limit_seconds", file, who, STEP_SECONDS)
        step_next = raw.get("next")
        if step_next is not None:
            if not isinstance(step_next, str):
                self.add(file, raw.key_line("next"), f'{who}: "next" must be a step id or "end"')
                step_next = None
            else:
                next_refs.append((raw.key_line("next"), who, step_next))
        options: list[DrillOption] = []
        items: list[OrderItem] = []
        points = 0.0
        simulator = None
        if kind == "ordering":
            if "options" in raw:
                self.add(
                    file, raw.key_line("options"), f"{who}: an ordering step has items, not options"
                )
            items = self.order_items(raw, file, who)
            points = self.points(raw, "points", file, who)
            if points <= 0:
                self.add(
                    file, raw.key_line("points"), f'{who}: an ordering step needs "points" above 0'
                )
        elif kind == "terminal":
            for key in ("options", "items"):
                if key in raw:
                    self.add(
                        file,
                        raw.key_line(key),
                        f'{who}: a terminal step has a scenario, not "{key}"',
                    )
            # Whether the scenario exists is checked once the simulator's files are read
            # (trainer/domain/content/drills.py resolve).
            simulator = self.slug(raw, "simulator", file, who)
            if "simulator" not in raw:
                self.add(
                    file, raw.line, f'{who}: a terminal step needs "simulator" (a scenario id)'
                )
            points = self.points(raw, "points", file, who)
            if points <= 0:
                self.add(
                    file, raw.key_line("points"), f'{who}: a terminal step needs "points" above 0'
                )
        elif kind in CHOICE_KINDS:
            for key in ("items", "points", "simulator"):
                if key in raw:
                    self.add(
                        file, raw.key_line(key), f'{who}: a {kind} step has options, not "{key}"'
                    )
            options = self.options(raw, file, who, next_refs)
        if not complete or None in (sid, kind, prompt, rule, manual, limit):
            return None
        if kind == "ordering" and (len(items) < 3 or points <= 0):
            return None
        if kind in CHOICE_KINDS and len(options) < 2:
            return None
        if kind == "terminal" and (simulator is None or points <= 0):
            return None
        return DrillStep(
            id=sid,
            kind=kind,
            prompt=prompt,
            rule=rule,
            manual=manual,
            time_limit_seconds=limit,
            options=options,
            items=items,
            points=points,
            next=step_next,
            simulator=simulator if kind == "terminal" else None,
        )

    def order_items(self, raw: YamlDict, file: str, who: str) -> list[OrderItem]:
        values = self.seq(raw, "items", file, who)
        if values is None:
            self.add(file, raw.line, f'{who}: an ordering step needs "items" (in the right order)')
            return []
        items: list[OrderItem] = []
        for i, value in enumerate(values):
            line = values.item_line(i)
            if not isinstance(value, YamlDict):
                self.add(file, line, f"{who}: item {i + 1} must be a mapping with id and text")
                continue
            self.keys(value, file, f"{who}, item {i + 1}", {"id", "text"}, set())
            item_id = self.slug(value, "id", file, f"{who}, item {i + 1}")
            text = self.text(value, "text", file, f"{who}, item {i + 1}")
            if item_id is not None and any(it.id == item_id for it in items):
                self.add(file, line, f'{who}: item id "{item_id}" is used twice')
            elif item_id is not None and text is not None:
                items.append(OrderItem(item_id, text))
        if len(values) < 3:
            self.add(file, values.line, f"{who}: an ordering step needs at least 3 items")
        return items if len(items) == len(values) else []

    def options(
        self, raw: YamlDict, file: str, who: str, next_refs: list[tuple[int, str, str]]
    ) -> list[DrillOption]:
        values = self.seq(raw, "options", file, who)
        if values is None:
            self.add(file, raw.line, f'{who}: a choice step needs "options"')
            return []
        options: list[DrillOption] = []
        for i, value in enumerate(values):
            line = values.item_line(i)
            if not isinstance(value, YamlDict):
                self.add(file, line, f"{who}: option {i + 1} must be a mapping")
                continue
            option_id = value.get("id") if isinstance(value.get("id"), str) else str(i + 1)
            owho = f'{who}, option "{option_id}"'
            complete = self.keys(value, file, owho, _OPTION_KEYS, _OPTION_OPTIONAL)
            oid = self.slug(value, "id", file, owho)
            text = self.text(value, "text", file, owho)
            feedback = self.text(value, "feedback", file, owho)
            consequence = self.text(value, "consequence", file, owho)
            critical = self.text(value, "critical", file, owho)
            points = self.points(value, "points", file, owho)
            if critical is not None and points > 0:
                self.add(
                    file,
                    value.key_line("points"),
                    f"{owho}: a critical error cannot earn points",
                )
            target = value.get("next")
            if target is not None:
                if isinstance(target, str):
                    next_refs.append((value.key_line("next"), owho, target))
                else:
                    self.add(
                        file, value.key_line("next"), f'{owho}: "next" must be a step id or "end"'
                    )
                    target = None
            if oid is not None and any(o.id == oid for o in options):
                self.add(file, line, f'{who}: option id "{oid}" is used twice')
                continue
            if complete and None not in (oid, text, feedback):
                options.append(
                    DrillOption(oid, text, feedback, points, target, consequence, critical)
                )
        if len(values) < 2:
            self.add(file, values.line, f"{who}: a choice step needs at least 2 options")
        elif options and not any(o.points > 0 for o in options):
            self.add(file, values.line, f"{who}: no option earns points")
        return options if len(options) == len(values) else []

    def check_paths(
        self, drill: Drill, file: str, data: YamlDict, lines: dict[str, int], who: str
    ) -> Drill | None:
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
            self.add(file, lines[cycle[0]], f"{who}: steps form a loop: {' → '.join(cycle)}")
            return None
        for step in drill.steps:
            if step.id not in state:
                self.add(file, lines[step.id], f'{who}: step "{step.id}" cannot be reached')
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
            self.add(
                file,
                data.key_line("time_limit_seconds"),
                f'{who}: "time_limit_seconds" ({drill.time_limit_seconds}) is shorter than the '
                f"step limits along the slowest path ({needed})",
            )
        return drill


def load_drills(
    root: Path,
    *,
    anchors: Mapping[tuple[str, str], Collection[str]],
    courses: Mapping[str, tuple[str, Mapping[str, Any]]],
    sources: Collection[str] | None = None,
    unreadable: Collection[str] = (),
) -> tuple[dict[str, Drill], list[Problem]]:
    """Every drill under ``root/quizzes/drills`` and the problems found.

    ``anchors`` maps (course, lesson) to the lesson's section anchors; ``courses`` maps each
    course code to (its course.yaml path, its parsed mapping) so ``required_drills`` can be
    checked; ``unreadable`` names things ("course:x") whose own file already failed.
    """
    checker = _DrillChecker(anchors, courses, sources, unreadable)
    drills: dict[str, Drill] = {}
    folder = Path(root) / "quizzes" / "drills"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        file = path.relative_to(root).as_posix()
        drill = checker.drill(path, file)
        if drill is not None:
            drills[drill.id] = drill
    broken = {path.stem for path in folder.glob("*.yaml")} if folder.is_dir() else set()
    for code, (file, node) in courses.items():
        values = node.get("required_drills")
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value not in drills and value not in broken:
                line = values.item_line(i) if isinstance(values, YamlList) else 1
                checker.add(file, line, f'course "{code}": unknown required drill "{value}"')
    return drills, checker.problems
