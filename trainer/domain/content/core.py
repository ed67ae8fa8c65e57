"""The content checker's core: walking the tree once, recording every problem with file and line.

A ``Checker`` holds what has been read so far and the problems found; the kinds of content
(``KINDS`` in content/__init__.py: glossary, sources, courses, banks, quizzes, drills,
simulator) each read their
files through its typed getters, which return None for an absent value and record a problem
for a present but invalid one. Problems are reported sorted by file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from trainer.domain.content.model import (
    Bank,
    ContentSet,
    Course,
    Drill,
    LocalText,
    Quiz,
    Source,
)
from trainer.domain.markdown import GLOSSARY_REF_RE, LANGS
from trainer.domain.terminal.model import Scenario
from trainer.domain.yamlsource import (
    Problem,
    YamlDict,
    YamlList,
    describe,
    fmt_number,
    is_int,
    is_yaml_number,
    load_yaml,
)

LANG_NAMES = {"zh": "Chinese", "en": "English"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_HINT = "lowercase letters, digits and hyphens"
MANUAL_RE = re.compile(r"^([a-z0-9-]+)/([a-z0-9-]+)(?:#([a-z0-9-]+))?$")

AssetUrlFactory = Callable[[str, str], str]

# A Chinese character: ASCII quotation marks next to Chinese text should be “…”.
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def line_of(container: Any, key: Any) -> int:
    """The line of ``container[key]`` (a mapping key or a list item), else of the container."""
    if isinstance(container, YamlDict):
        return container.key_line(key)
    if isinstance(container, YamlList) and isinstance(key, int):
        return container.item_line(key)
    return getattr(container, "line", 1) or 1


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"from {fmt_number(minimum)} to {fmt_number(maximum)}"
    if minimum is not None:
        return f"at least {fmt_number(minimum)}"
    return f"at most {fmt_number(maximum or 0)}"


class Checker:
    """Walks the content tree once, collecting problems and building the content objects.

    What each kind builds is kept here, so that a later kind (and the references checked at
    the end) can look it up: a quiz's pools name banks, a course names its required quizzes.
    """

    def __init__(self, root: Path, asset_url: AssetUrlFactory | None) -> None:
        self.root = root
        self.asset_url = asset_url
        self.problems: list[Problem] = []
        # Warnings do not make the content invalid (check still passes, import still runs).
        self.warnings: list[Problem] = []
        self.glossary: dict[str, LocalText] = {}
        # A forbidden Chinese variant -> (glossary term id, the term's zh text); see glossary.py.
        self.forbidden: dict[str, tuple[str, str]] = {}
        self.sources: dict[str, Source] = {}
        self.courses: dict[str, Course] = {}
        self.course_files: dict[str, str] = {}
        self.course_raw: dict[str, YamlDict] = {}
        self.anchors: dict[tuple[str, str], set[str]] = {}
        # Lesson sections that teach a rule (a key-rule call-out): (course, lesson, anchor) ->
        # (file, line) of the Chinese heading, to warn when no question links to them.
        self.rule_sections: dict[tuple[str, str, str], tuple[str, int]] = {}
        self.banks: dict[str, Bank] = {}
        self.questions: dict[str, dict[str, Any]] = {}
        self.quizzes: dict[str, Quiz] = {}
        self.drills: dict[str, Drill] = {}
        self.simulator: dict[str, Scenario] = {}
        self.simulator_files: dict[str, str] = {}
        # References to check once everything is read: (file, line, who, target).
        self.quiz_course_refs: list[tuple[str, int, str, str]] = []
        self.source_refs: list[tuple[str, int, str, str]] = []
        self.manual_refs: list[tuple[str, int, str, str]] = []
        # Things whose file could not be read at all, e.g. "bank:x"; references to them are not
        # reported again as unknown.
        self.unreadable: set[str] = set()

    def run(self, kinds: Sequence[ModuleType]) -> tuple[list[Problem], ContentSet]:
        """Each kind's load(), then each kind's resolve(); the problems sorted by file and line.

        Warnings are kept, sorted the same way, in ``self.warnings``.
        """
        for kind in kinds:
            kind.load(self)
        for kind in kinds:
            kind.resolve(self)
        problems = sorted(self.problems, key=lambda problem: (problem.file, problem.line))
        self.warnings.sort(key=lambda problem: (problem.file, problem.line))
        content = ContentSet(
            courses=self.courses,
            banks=self.banks,
            quizzes=self.quizzes,
            glossary=self.glossary,
            sources=self.sources,
            questions=self.questions,
            drills=self.drills,
            simulator=self.simulator,
        )
        return problems, content

    # -- plumbing ------------------------------------------------------------------------------

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, max(int(line or 1), 1), message))

    def warn(self, file: str, line: int, message: str) -> None:
        """Something an author should look at that does not make the content invalid."""
        self.warnings.append(Problem(file, max(int(line or 1), 1), message))

    def chinese(self, text: str, file: str, line: int, *, quotes: bool = True) -> None:
        """Report glossary variants that are forbidden in Chinese text (and, with ``quotes``,
        ASCII quotation marks in a line of Chinese text: Chinese text uses “…”)."""
        for variant, (term_id, preferred) in self.forbidden.items():
            if variant in text:
                self.add(
                    file,
                    line,
                    f'"{variant}" is a forbidden variant of glossary term "{term_id}": '
                    f'write "{preferred}"',
                )
        if quotes and any('"' in part and _CJK_RE.search(part) for part in text.split("\n")):
            self.add(file, line, 'Chinese text uses Chinese quotation marks “…”, not "…"')

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def read_yaml(self, path: Path) -> tuple[Any, bool]:
        """(data, parsed): parsed is False when the file is missing or not valid YAML."""
        file = self.rel(path)
        if not path.is_file():
            self.add(file, 1, "file is missing")
            return None, False
        data, problems = load_yaml(path, file)
        self.problems.extend(problems)
        # Syntax errors yield no data; duplicate keys yield data and problems; empty yields None.
        return data, not (data is None and problems)

    def id_refs(self, node: YamlDict, key: str, file: str, who: str) -> None:
        """Remember source ids listed under ``key`` to check once sources.yaml is known."""
        values = node.get(key)
        for i, item in enumerate(values if isinstance(values, list) else []):
            if isinstance(item, str) or is_int(item):
                self.source_refs.append((file, line_of(values, i), who, str(item)))

    # -- typed getters (None when absent; a problem is added when present but invalid) ---------

    def mapping(self, value: Any, file: str, line: int, what: str) -> YamlDict | None:
        if isinstance(value, YamlDict):
            return value
        self.add(file, line, f"{what} must be a mapping (found {describe(value)})")
        return None

    def keys(
        self,
        node: YamlDict,
        file: str,
        who: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in node:
                self.add(file, node.line, f'{who}: missing required key "{key}"')
            elif node[key] is None:
                self.add(file, node.key_line(key), f'{who}: "{key}" has no value')
        for key in node:
            if key not in allowed:
                self.add(file, node.key_line(key), f'{who}: unknown key "{key}"')

    def text(
        self,
        node: YamlDict,
        key: str,
        file: str,
        who: str,
        label: str | None = None,
        *,
        markdown: bool = False,
    ) -> LocalText | None:
        value = node.get(key)
        if value is None:
            return None
        label = label or key.replace("_", " ")
        line = node.key_line(key)
        if not isinstance(value, YamlDict):
            self.add(
                file,
                line,
                f"{who}: {label} must have both zh and en texts (found {describe(value)})",
            )
            return None
        result: LocalText = {}
        for lang in LANGS:
            name = LANG_NAMES[lang]
            if lang not in value or value[lang] is None:
                self.add(file, line, f"{who} has no {name} {label}")
                result[lang] = ""
            elif not isinstance(value[lang], str):
                self.add(
                    file,
                    value.key_line(lang),
                    f"{who}: {name} {label} must be text (found {describe(value[lang])}; quote it)",
                )
                result[lang] = str(value[lang])
            elif not value[lang].strip():
                self.add(file, value.key_line(lang), f"{who} has an empty {name} {label}")
                result[lang] = ""
            else:
                result[lang] = value[lang]
                if lang == "zh":
                    self.chinese(value[lang], file, value.key_line(lang))
                if markdown:
                    self.glossary_refs(value[lang], file, value.key_line(lang), who)
        for extra in value:
            if extra not in LANGS:
                hint = "only zh and en"
                if value[extra] is None and " " in str(extra):
                    hint += "; quote texts that contain a comma"
                self.add(
                    file,
                    value.key_line(extra),
                    f'{who}: {label} has unknown language "{extra}" ({hint})',
                )
        return result

    def glossary_refs(self, text: str, file: str, line: int, who: str) -> None:
        for match in GLOSSARY_REF_RE.finditer(text):
            if match.group(1) not in self.glossary:
                self.add(file, line, f'{who}: unknown glossary term "{match.group(1)}"')

    def string(
        self,
        node: YamlDict,
        key: str,
        file: str,
        who: str,
        *,
        slug: bool = False,
        choices: Iterable[str] | None = None,
    ) -> str | None:
        value = node.get(key)
        if value is None:
            return None
        line = node.key_line(key)
        if not isinstance(value, str) or not value.strip():
            self.add(file, line, f'{who}: "{key}" must be text (found {describe(value)})')
            return None
        if slug and not SLUG_RE.match(value):
            self.add(file, line, f'{who}: "{key}" "{value}" must use only {SLUG_HINT}')
        if choices is not None:
            choices = tuple(choices)
            if value not in choices:
                options = ", ".join(f'"{choice}"' for choice in choices)
                self.add(file, line, f'{who}: "{key}" must be one of {options} (found "{value}")')
                return None
        return value

    def integer(
        self,
        node: YamlDict,
        key: str,
        file: str,
        who: str,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        line = node.key_line(key)
        if not is_int(value):
            self.add(file, line, f'{who}: "{key}" must be a whole number (found {describe(value)})')
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = _bounds(minimum, maximum)
            self.add(file, line, f'{who}: "{key}" must be {bounds} (found {value})')
            return None
        return int(value)

    def number(
        self,
        node: YamlDict,
        key: str,
        file: str,
        who: str,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> float | None:
        value = node.get(key)
        if value is None:
            return None
        line = node.key_line(key)
        if not is_yaml_number(value):
            self.add(file, line, f'{who}: "{key}" must be a number (found {describe(value)})')
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = _bounds(minimum, maximum)
            self.add(file, line, f'{who}: "{key}" must be {bounds} (found {fmt_number(value)})')
            return None
        return value

    def boolean(self, node: YamlDict, key: str, file: str, who: str) -> bool | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.add(
                file,
                node.key_line(key),
                f'{who}: "{key}" must be true or false (found {describe(value)})',
            )
            return None
        return value

    def seq(self, node: YamlDict, key: str, file: str, who: str) -> YamlList | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, YamlList):
            self.add(
                file,
                node.key_line(key),
                f'{who}: "{key}" must be a list (found {describe(value)})',
            )
            return None
        return value

    def str_list(
        self,
        node: YamlDict,
        key: str,
        file: str,
        who: str,
        *,
        slug: bool = False,
        ids: bool = False,
        known: Callable[[str], bool] | None = None,
        known_hint: str = "",
    ) -> list[str]:
        items = self.seq(node, key, file, who)
        if items is None:
            return []
        result: list[str] = []
        for i, item in enumerate(items):
            line = items.item_line(i)
            if ids and is_int(item):
                item = str(item)  # source ids such as 1, 3, 8 are written unquoted
            if not isinstance(item, str) or not item.strip():
                self.add(
                    file,
                    line,
                    f'{who}: "{key}" item {i + 1} must be text (found {describe(item)})',
                )
                continue
            if slug and not SLUG_RE.match(item):
                self.add(file, line, f'{who}: "{key}" item "{item}" must use only {SLUG_HINT}')
            if known is not None and not known(item):
                self.add(file, line, f'{who}: unknown {key[:-1]} "{item}": use {known_hint}')
            if item in result:
                self.add(file, line, f'{who}: "{key}" lists "{item}" twice')
                continue
            result.append(item)
        return result

    def items(
        self, node: YamlDict, key: str, file: str, who: str, noun: str
    ) -> list[tuple[YamlDict, str, int]]:
        """The mapping items of list ``key`` as (item, label, line), with unique string ids."""
        seq = self.seq(node, key, file, who)
        found: list[tuple[YamlDict, str, int]] = []
        seen: set[str] = set()
        for i, raw in enumerate(seq or []):
            assert seq is not None
            line = seq.item_line(i)
            item = self.mapping(raw, file, line, f"{who}: each {noun}")
            if item is None:
                continue
            item_id = item.get("id")
            if "id" in item and not isinstance(item_id, str):
                self.add(
                    file,
                    item.key_line("id"),
                    f"{who}: {noun} {i + 1} id must be text (found {describe(item_id)}; quote it)",
                )
                item_id = None
            label = f'{noun} "{item_id}"' if item_id else f"{noun} {i + 1}"
            if item_id in seen:
                self.add(file, item.key_line("id"), f'{who}: {noun} id "{item_id}" is used twice')
            elif item_id:
                seen.add(item_id)
            found.append((item, label, line))
        return found

    def list_text(self, seq: YamlList, index: int, file: str, who: str) -> LocalText | None:
        wrapper = YamlDict({"text": seq[index]}, line=seq.item_line(index))
        wrapper._key_lines["text"] = seq.item_line(index)
        return self.text(wrapper, "text", file, who, "text")
