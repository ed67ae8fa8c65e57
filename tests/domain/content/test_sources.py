"""courses/sources.yaml (content/sources.py)."""

from __future__ import annotations

from pathlib import Path

from tests.domain.content.tree import (
    SOURCES,
    Case,
    assert_reported,
    broken_cases,
)

# --- one broken thing at a time (see tests/domain/content/tree.py) -------------------------

CASES: list[Case] = [
    (
        "source-no-title",
        SOURCES,
        '"2": {title: "Example processor: refunds", url: "https://example.com/refund", '
        "authority: medium}",
        '"2": {url: "https://example.com/refund"}',
        ('"2":', None),
        'source "2": missing required key "title"',
    ),
    (
        "source-bad-authority",
        SOURCES,
        "authority: medium",
        "authority: great",
        ('"2":', None),
        'source "2": "authority" must be one of "high", "medium", "low" (found "great")',
    ),
]


@broken_cases(CASES)
def test_broken_content_is_reported(
    tree: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    assert_reported(tree, file, old, new, where, message)
