"""courses/glossary.yaml: the glossary terms lessons and questions may link with [[term]].

Read first, because every text checked after it may refer to a term. A term may also list
``forbidden`` Chinese variants (``skimmer: {zh: 侧录器, en: skimmer, forbidden: [盗录器]}``):
every Chinese text read after the glossary (lessons, course and quiz texts, questions, options,
feedback) is checked for them (Checker.chinese), so one thing keeps one name.
"""

from __future__ import annotations

from pathlib import Path

from trainer.domain.content.core import SLUG_HINT, SLUG_RE, Checker, line_of
from trainer.domain.yamlsource import YamlDict


def load(c: Checker) -> None:
    courses = c.root / "courses"
    if courses.is_dir():  # a missing courses/ is reported by courses.py
        load_glossary(c, courses / "glossary.yaml")


def resolve(c: Checker) -> None:
    """Nothing refers out of the glossary (references to it are checked as texts are read)."""


def load_glossary(c: Checker, path: Path) -> None:
    file = c.rel(path)
    data, parsed = c.read_yaml(path)
    if not parsed:
        return
    node = c.mapping(data, file, 1, "the glossary")
    if node is None:
        return
    for term_id, entry in node.items():
        line = node.key_line(term_id)
        who = f'glossary term "{term_id}"'
        if not isinstance(term_id, str) or not SLUG_RE.match(term_id):
            c.add(file, line, f"{who}: term ids use only {SLUG_HINT}")
        forbidden: list[str] = []
        if isinstance(entry, YamlDict) and "forbidden" in entry:
            forbidden = c.str_list(entry, "forbidden", file, who)
            node = _without(node, term_id, "forbidden")
        text = c.text(node, term_id, file, who, "term")
        if entry is None:
            c.add(file, line, f"{who} has no zh and en texts")
        if text is None:
            continue
        c.glossary[str(term_id)] = text
        for i, variant in enumerate(forbidden):
            where = line_of(entry.get("forbidden"), i)
            if variant == text.get("zh"):
                c.add(file, where, f'{who}: "{variant}" is the term itself, not a variant')
            elif variant in c.forbidden:
                c.add(file, where, f'{who}: "{variant}" is already forbidden for another term')
            else:
                c.forbidden[variant] = (str(term_id), text.get("zh", ""))


def _without(node: YamlDict, term_id: object, key: str) -> YamlDict:
    """A copy of ``node`` whose entry ``term_id`` lacks ``key`` (so it reads as a plain text)."""
    entry = node[term_id]
    trimmed = YamlDict({k: v for k, v in entry.items() if k != key}, line=entry.line)
    trimmed._key_lines = dict(entry._key_lines)
    copy = YamlDict(node, line=node.line)
    copy._key_lines = dict(node._key_lines)
    copy[term_id] = trimmed
    return copy
