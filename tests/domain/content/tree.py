"""A copy of the fixture content tree to break, and how to read what the checker reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.domain.content import (
    check_content,
    content_report,
)

FIXTURE = Path(__file__).parents[2] / "fixtures" / "content"
SHIPPED = Path(__file__).parents[3]

COURSE = "courses/basics/course.yaml"
L1_ZH = "courses/basics/01-void-or-refund.zh.md"
L1_EN = "courses/basics/01-void-or-refund.en.md"
L2_ZH = "courses/basics/02-after-a-timeout.zh.md"
L2_EN = "courses/basics/02-after-a-timeout.en.md"
GLOSSARY = "courses/glossary.yaml"
SOURCES = "courses/sources.yaml"
BANK = "quizzes/banks/basics.yaml"
QUIZ = "quizzes/quizzes/basics-quiz.yaml"


def edit(root: Path, file: str, old: str, new: str) -> None:
    """Replace the single occurrence of ``old`` in ``file``."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(root: Path, file: str, needle: str, after: str | None = None) -> int:
    """1-based line of the first line containing ``needle``, after the one containing ``after``."""
    lines = (root / file).read_text(encoding="utf-8").split("\n")
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    return next(i + 1 for i in range(start, len(lines)) if needle in lines[i])


def reported(root: Path) -> list[str]:
    """The checker's problems as `file:line: message` strings."""
    return [str(problem) for problem in check_content(root)]


def warned(root: Path) -> list[str]:
    """The checker's warnings as `file:line: message` strings."""
    return [str(problem) for problem in content_report(root).warnings]


# (id, file, old, new, expected line as a line number or (needle, after needle), message)
Case = tuple[str, str, str, str, int | tuple[str, str | None], str]


def broken_cases(cases: list[Case]) -> pytest.MarkDecorator:
    """Parametrize a test over cases of one broken thing at a time (ids from the cases)."""
    return pytest.mark.parametrize(
        ("file", "old", "new", "where", "message"),
        [case[1:] for case in cases],
        ids=[case[0] for case in cases],
    )


def assert_reported(
    root: Path, file: str, old: str, new: str, where: int | tuple[str, str | None], message: str
) -> None:
    """After one edit of a fresh tree, the checker reports ``message`` at the expected line."""
    edit(root, file, old, new)
    line = where if isinstance(where, int) else line_of(root, file, *where)
    assert f"{file}:{line}: {message}" in reported(root)
