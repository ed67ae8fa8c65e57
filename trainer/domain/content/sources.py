"""courses/sources.yaml: the citations lessons and questions list under ``sources``."""

from __future__ import annotations

from pathlib import Path

from trainer.domain.content.core import Checker
from trainer.domain.content.model import Source

SOURCE_AUTHORITIES = ("high", "medium", "low")


def load(c: Checker) -> None:
    courses = c.root / "courses"
    if courses.is_dir():  # a missing courses/ is reported by courses.py
        load_sources(c, courses / "sources.yaml")


def resolve(c: Checker) -> None:
    """Every source id listed anywhere (recorded with Checker.id_refs) is in sources.yaml."""
    for file, line, who, source_id in c.source_refs:
        if source_id not in c.sources:
            c.add(file, line, f'{who}: unknown source "{source_id}" (not in courses/sources.yaml)')


def load_sources(c: Checker, path: Path) -> None:
    file = c.rel(path)
    data, parsed = c.read_yaml(path)
    if not parsed:
        return
    node = c.mapping(data, file, 1, "the source list")
    if node is None:
        return
    for key, entry in node.items():
        source_id = str(key)
        who = f'source "{source_id}"'
        line = node.key_line(key)
        if isinstance(key, bool) or not isinstance(key, str | int):
            c.add(file, line, f"{who}: source ids must be text or numbers")
            continue
        item = c.mapping(entry, file, line, who)
        if item is None:
            continue
        c.keys(item, file, who, ("title",), ("url", "authority"))
        title = c.string(item, "title", file, who)
        url = c.string(item, "url", file, who)
        if url is not None and not url.startswith(("https://", "http://")):
            c.add(file, item.key_line("url"), f"{who}: url must start with https:// or http://")
        authority = c.string(item, "authority", file, who, choices=SOURCE_AUTHORITIES)
        c.sources[source_id] = Source(source_id, title or "", url, authority)
