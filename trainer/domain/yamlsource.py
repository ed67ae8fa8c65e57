"""YAML loading that remembers where every mapping, key and list item came from."""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = [
    "Problem",
    "YamlDict",
    "YamlList",
    "describe",
    "fmt_number",
    "is_int",
    "is_yaml_number",
    "load_yaml",
    "parse_yaml",
]

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, order=True)
class Problem:
    """A content problem: file (relative to the content root), 1-based line and message."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class YamlDict(dict[Any, Any]):
    """A dict that knows the line it starts on and the line of each of its keys."""

    line: int
    _key_lines: dict[Any, int]

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self._key_lines = {}

    def key_line(self, key: Any) -> int:
        """Line of ``key``, or the mapping's own line when the key is absent."""
        return self._key_lines.get(key, self.line)


class YamlList(list[Any]):
    """A list that knows the line it starts on and the line of each item."""

    line: int
    _item_lines: list[int]

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line
        self._item_lines = []

    def item_line(self, index: int) -> int:
        """Line of item ``index``, or the sequence's own line when out of range."""
        if 0 <= index < len(self._item_lines):
            return self._item_lines[index]
        return self.line


# libyaml parses several times faster; construction (and so line tracking) is the same Python code.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader building YamlDict/YamlList; duplicate keys are collected, not overwritten."""

    line_offset: int = 0
    duplicates: list[tuple[int, str]]

    def _line(self, node: Node) -> int:
        return node.start_mark.line + 1 + self.line_offset


def _construct_map(loader: _LineLoader, node: MappingNode) -> Iterator[YamlDict]:
    data = YamlDict(line=loader._line(node))
    yield data
    explicit = {id(key_node) for key_node, _ in node.value if key_node.tag != _MERGE_TAG}
    loader.flatten_mapping(node)
    seen_explicit: set[Any] = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found unhashable key",
                key_node.start_mark,
            )
        value = loader.construct_object(value_node, deep=True)
        if id(key_node) in explicit:
            if key in seen_explicit:
                loader.duplicates.append((loader._line(key_node), f'duplicate key "{key}"'))
                continue  # keep the first occurrence; the author sees the duplicate reported
            seen_explicit.add(key)
        data[key] = value
        data._key_lines[key] = loader._line(key_node)


def _construct_seq(loader: _LineLoader, node: SequenceNode) -> Iterator[YamlList]:
    data = YamlList(line=loader._line(node))
    yield data
    for item_node in node.value:
        data.append(loader.construct_object(item_node, deep=True))
        data._item_lines.append(loader._line(item_node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def parse_yaml(text: str, file: str, *, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into (data or None, problems); lines are shifted by line_offset."""
    loader = _LineLoader(text)
    loader.line_offset = line_offset
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        detail = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            context = exc.context
            if exc.context_mark is not None and exc.context_mark.line + 1 + line_offset != line:
                context += f" started on line {exc.context_mark.line + 1 + line_offset}"
            detail = f"{exc.problem} ({context})"
        return None, [Problem(file, line, f"YAML syntax error: {detail}")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1 + line_offset, f"YAML syntax error: {exc}")]
    finally:
        loader.dispose()
    return data, [Problem(file, line, message) for line, message in loader.duplicates]


def load_yaml(path: Path, file: str) -> tuple[Any, list[Problem]]:
    """Read and parse a YAML file, reporting unreadable or non-UTF-8 files as problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(file, 1, "file is not valid UTF-8")]
    except OSError as exc:
        return None, [Problem(file, 1, f"cannot read file: {exc.strerror}")]
    return parse_yaml(text, file)


# --- describing values in problem messages ---------------------------------------------------


def describe(value: Any) -> str:
    """A YAML value as a problem message names it: 'number 3', 'text "abc"', 'a list'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        return f'text "{value}"' if len(value) <= 40 else "a long text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def is_int(value: Any) -> bool:
    """A YAML integer (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_yaml_number(value: Any) -> bool:
    """A YAML number (true and false are not; .nan and .inf are)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt_number(value: float) -> str:
    """A number as a problem message shows it (3, 0.5, 1e+06)."""
    return f"{value:g}"
