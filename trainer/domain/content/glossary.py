"""courses/glossary.yaml: the glossary terms lessons and questions may link with [[term]].

Read first, because every text checked after it may refer to a term.
"""

from __future__ import annotations

from pathlib import Path

from trainer.domain.content.core import SLUG_HINT, SLUG_RE, Checker


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
        text = c.text(node, term_id, file, who, "term")
        if entry is None:
            c.add(file, line, f"{who} has no zh and en texts")
        if text is not None:
            c.glossary[str(term_id)] = text
