"""Load and validate all training content, one module per kind of content.

Each kind is a module with two functions, run in the order of ``KINDS``:

- ``load(c: Checker)`` reads the kind's files, records problems on ``c`` (with file and
  line) and keeps what it built on ``c`` (``c.courses``, ``c.banks`` …);
- ``resolve(c: Checker)`` runs once every kind is loaded and checks references to other
  kinds (a quiz's course, a course's required quizzes, a question's manual link).

Adding a kind (drills, simulator scenarios): write ``content/<kind>.py`` with ``load`` and
``resolve``, keep what it builds on the Checker (``core.Checker.__init__``) and in
``ContentSet`` (model.py), add it to ``KINDS`` after the kinds it refers to, and give it a
test module beside tests/domain/content/.  The shared typed getters (``c.text``,
``c.string``, ``c.keys`` …) and ``c.add(file, line, message)`` live in core.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer.domain.content import banks, courses, drills, glossary, quizzes, simulator, sources
from trainer.domain.content.banks import FORMATS
from trainer.domain.content.core import AssetUrlFactory, Checker
from trainer.domain.content.model import (
    Bank,
    ContentError,
    ContentSet,
    Course,
    Lesson,
    Pool,
    Quiz,
    Source,
    content_hash,
)
from trainer.domain.content.quizzes import GRADING, REVIEW
from trainer.domain.questions.panel import SCENARIO_KINDS
from trainer.domain.questions.registry import QUESTION_TYPES
from trainer.domain.yamlsource import Problem

__all__ = [
    "FORMATS",
    "GRADING",
    "KINDS",
    "QUESTION_TYPES",
    "REVIEW",
    "SCENARIO_KINDS",
    "Bank",
    "ContentError",
    "ContentReport",
    "ContentSet",
    "Course",
    "Lesson",
    "Pool",
    "Problem",
    "Quiz",
    "Source",
    "check_content",
    "content_hash",
    "content_report",
    "load_content",
]

#: The kinds of content, in the order they are read: the glossary first (every text may link
#: a term), banks before the quizzes that draw from them, courses before the drills they require;
#: simulator scenarios last (their manual links and sources are checked with everyone's).
KINDS = (glossary, sources, courses, banks, quizzes, drills, simulator)


@dataclass(frozen=True)
class ContentReport:
    """What ``trainer content check`` prints: errors (the content is invalid) and warnings
    (worth an author's look: a rule no question checks, answers always at one position)."""

    errors: list[Problem]
    warnings: list[Problem]


def content_report(root: Path) -> ContentReport:
    """Check the content tree under ``root``: its errors and its warnings."""
    checker = Checker(Path(root), None)
    errors = checker.run(KINDS)[0]
    return ContentReport(errors, checker.warnings)


def check_content(root: Path) -> list[Problem]:
    """Validate the content tree under ``root``; return every error found (empty when valid)."""
    return content_report(root).errors


def load_content(root: Path, *, asset_url: AssetUrlFactory | None = None) -> ContentSet:
    """Load the content tree under ``root``, raising ContentError listing every problem.

    ``asset_url(course_code, relative_path)`` gives the URL of a lesson image; without it the
    image src stays the relative path as written.
    """
    problems, content = Checker(Path(root), asset_url).run(KINDS)
    if problems:
        raise ContentError(problems)
    return content
