"""What the content checker builds: courses, lessons, banks, quizzes, and the error it raises."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer.domain.drills.model import Drill
from trainer.domain.markdown import Section
from trainer.domain.terminal.model import Scenario
from trainer.domain.yamlsource import Problem

LocalText = dict[str, str]


class ContentError(Exception):
    """Raised by load_content when the content has problems; ``problems`` lists them all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Source:
    """A citation from courses/sources.yaml."""

    id: str
    title: str
    url: str | None
    authority: str | None = None


@dataclass(frozen=True)
class Lesson:
    """One lesson of a course, in both languages."""

    slug: str
    order: int
    title: LocalText
    sources: list[str]
    markdown: LocalText
    html: LocalText
    sections: dict[str, list[Section]]
    assets: list[str]


@dataclass(frozen=True)
class Course:
    """A course folder: its course.yaml and its lessons."""

    code: str
    version: str
    major: int
    minor: int
    title: LocalText
    summary: LocalText
    audience: list[str]
    estimated_minutes: int
    required_quizzes: list[str]
    required_drills: list[str]
    certificate_validity_months: int
    prerequisites: list[str]
    lessons: list[Lesson]
    content_hash: str
    path: Path
    # Days before a certificate expires that the course is assigned again.
    recertify_days: int = 30

    def lesson(self, slug: str) -> Lesson | None:
        """The lesson with ``slug``, if any."""
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)


@dataclass(frozen=True)
class Bank:
    """A question bank; questions are plain dicts normalised per docs/content-format.md."""

    slug: str
    title: LocalText
    questions: list[dict[str, Any]]
    path: Path
    description: LocalText | None = None


@dataclass(frozen=True)
class Pool:
    """Where a quiz draws questions from: a filtered random draw from a bank, or fixed ids."""

    bank: str | None
    tags: list[str]
    types: list[str]
    difficulty: list[int]
    count: int
    questions: list[str]


@dataclass(frozen=True)
class Quiz:
    """A quiz definition with every optional field filled with its default."""

    id: str
    title: LocalText
    description: LocalText | None
    course: str | None
    pools: list[Pool]
    shuffle_questions: bool
    shuffle_options: bool
    time_limit_minutes: int | None
    pass_mark: float
    max_attempts: int | None
    cooldown_minutes: int
    grading: str
    review: str
    path: Path
    # None: every question on one page; n: the attempt shows n questions a page.
    questions_per_page: int | None = None


@dataclass(frozen=True)
class ContentSet:
    """All content, keyed by code / slug / id."""

    courses: dict[str, Course]
    banks: dict[str, Bank]
    quizzes: dict[str, Quiz]
    glossary: dict[str, LocalText]
    sources: dict[str, Source]
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)
    drills: dict[str, Drill] = field(default_factory=dict)
    simulator: dict[str, Scenario] = field(default_factory=dict)


def content_hash(folder: Path) -> str:
    """sha256 over a folder's files (sorted relative paths and bytes), ignoring hidden files."""
    digest = hashlib.sha256()
    files = sorted(
        (path for path in folder.rglob("*") if path.is_file()),
        key=lambda path: path.relative_to(folder).as_posix(),
    )
    for path in files:
        relative = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in relative.split("/")):
            continue
        data = path.read_bytes()
        digest.update(relative.encode("utf-8") + b"\0")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()
