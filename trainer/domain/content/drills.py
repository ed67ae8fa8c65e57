"""Emergency drills (``quizzes/drills/*.yaml``), checked by trainer.domain.drills.

Read after the courses, whose lesson anchors the drill steps link to and whose
``required_drills`` must name drills that exist. Their Chinese texts obey the glossary like
every other text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from trainer.domain.content.core import Checker
from trainer.domain.drills import load_drills
from trainer.domain.yamlsource import YamlDict, YamlList, load_yaml


def load(c: Checker) -> None:
    """Read and check every drill; keep them on ``c.drills``."""
    c.drills, problems = load_drills(
        c.root,
        anchors=c.anchors,
        courses={code: (c.course_files[code], raw) for code, raw in c.course_raw.items()},
        sources=c.sources,
        unreadable=c.unreadable,
    )
    c.problems.extend(problems)


def resolve(c: Checker) -> None:
    """Terminal steps' scenarios; the glossary's forbidden variants and Chinese quotation marks
    in every ``zh:`` text."""
    folder = c.root / "quizzes" / "drills"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        file = c.rel(path)
        data, problems = load_yaml(path, file)
        if not problems:  # the drill checker has reported what is wrong with the file
            _chinese_texts(c, data, file)
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


def _chinese_texts(c: Checker, node: Any, file: str) -> None:
    if isinstance(node, YamlDict):
        for key, value in node.items():
            if key == "zh" and isinstance(value, str):
                c.chinese(value, file, node.key_line(key))
            else:
                _chinese_texts(c, value, file)
    elif isinstance(node, YamlList):
        for item in node:
            _chinese_texts(c, item, file)
