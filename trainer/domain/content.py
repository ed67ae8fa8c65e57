"""Load and validate all training content: courses, lessons, question banks and quizzes."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer.domain import topics
from trainer.domain.attempt_layout import QUESTION_TYPES
from trainer.domain.markdown import (
    GLOSSARY_REF_RE,
    LANGS,
    Rendered,
    Section,
    render_markdown,
)
from trainer.domain.yamlsource import Problem, YamlDict, YamlList, load_yaml, parse_yaml

__all__ = [
    "FORMATS",
    "GRADING",
    "QUESTION_TYPES",
    "REVIEW",
    "SCENARIO_KINDS",
    "Bank",
    "ContentError",
    "ContentSet",
    "Course",
    "Lesson",
    "Pool",
    "Problem",
    "Quiz",
    "Source",
    "check_content",
    "content_hash",
    "load_content",
]

LANG_NAMES = {"zh": "Chinese", "en": "English"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
MANUAL_RE = re.compile(r"^([a-z0-9-]+)/([a-z0-9-]+)(?:#([a-z0-9-]+))?$")
SLUG_HINT = "lowercase letters, digits and hyphens"

SCENARIO_KINDS = ("terminal", "receipt", "history")
FORMATS = ("markdown", "html", "plain", "moodle")
GRADING = ("highest", "latest")
REVIEW = ("after_submission", "score_only")
SOURCE_AUTHORITIES = ("high", "medium", "low")

_COURSE_REQUIRED = (
    "code",
    "version",
    "title",
    "summary",
    "audience",
    "estimated_minutes",
    "lessons",
)
_COURSE_OPTIONAL = (
    "required_quizzes",
    "required_drills",
    "certificate_validity_months",
    "prerequisites",
    "recertify_days",
)
_FRONT_REQUIRED = ("title", "order")
_FRONT_OPTIONAL = ("sources",)
_QUESTION_COMMON = (
    "tags",
    "difficulty",
    "points",
    "manual",
    "scenario",
    "explanation",
    "format",
    "general_feedback",
    "sources",
)
_TYPE_REQUIRED: dict[str, tuple[str, ...]] = {
    "single": ("options",),
    "multiple": ("options",),
    "truefalse": ("answer", "feedback_true", "feedback_false"),
    "ordering": ("steps",),
    "numeric": ("answers",),
    "matching": ("pairs",),
    "short": ("answers",),
    "essay": ("rubric",),
    "scenario": ("start", "steps"),
    "description": (),
}
_TYPE_OPTIONAL: dict[str, tuple[str, ...]] = {"numeric": ("unit",)}
_QUIZ_REQUIRED = ("id", "title", "pools", "pass_mark")
_QUIZ_OPTIONAL = (
    "description",
    "course",
    "shuffle_questions",
    "shuffle_options",
    "time_limit_minutes",
    "max_attempts",
    "cooldown_minutes",
    "grading",
    "review",
)

LocalText = dict[str, str]
AssetUrlFactory = Callable[[str, str], str]


# --- public data -----------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ContentSet:
    """All content, keyed by code / slug / id."""

    courses: dict[str, Course]
    banks: dict[str, Bank]
    quizzes: dict[str, Quiz]
    glossary: dict[str, LocalText]
    sources: dict[str, Source]
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def check_content(root: Path) -> list[Problem]:
    """Validate the content tree under ``root``; return every problem found (empty when valid)."""
    return _Checker(Path(root), None).run()[0]


def load_content(root: Path, *, asset_url: AssetUrlFactory | None = None) -> ContentSet:
    """Load the content tree under ``root``, raising ContentError listing every problem.

    ``asset_url(course_code, relative_path)`` gives the URL of a lesson image; without it the
    image src stays the relative path as written.
    """
    problems, content = _Checker(Path(root), asset_url).run()
    if problems:
        raise ContentError(problems)
    return content


# --- helpers ---------------------------------------------------------------------------------


def _describe(value: Any) -> str:
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


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _line_of(container: Any, key: Any) -> int:
    if isinstance(container, YamlDict):
        return container.key_line(key)
    if isinstance(container, YamlList) and isinstance(key, int):
        return container.item_line(key)
    return getattr(container, "line", 1) or 1


def _fmt(value: float) -> str:
    return f"{value:g}"


@dataclass
class _LessonFile:
    lang: str
    file: str
    title: str
    order: int | None
    sources: list[str]
    markdown: str
    rendered: Rendered


class _Checker:
    """Walks the content tree once, collecting problems and building the content objects."""

    def __init__(self, root: Path, asset_url: AssetUrlFactory | None) -> None:
        self.root = root
        self.asset_url = asset_url
        self.problems: list[Problem] = []
        self.glossary: dict[str, LocalText] = {}
        self.sources: dict[str, Source] = {}
        self.courses: dict[str, Course] = {}
        self.course_files: dict[str, str] = {}
        self.course_raw: dict[str, YamlDict] = {}
        self.anchors: dict[tuple[str, str], set[str]] = {}
        self.banks: dict[str, Bank] = {}
        self.questions: dict[str, dict[str, Any]] = {}
        self.quizzes: dict[str, Quiz] = {}
        self.quiz_course_refs: list[tuple[str, int, str, str]] = []
        self.source_refs: list[tuple[str, int, str, str]] = []
        self.manual_refs: list[tuple[str, int, str, str]] = []
        # Things whose file could not be read at all, e.g. "bank:x"; references to them are not
        # reported again as unknown.
        self.unreadable: set[str] = set()

    # -- plumbing ------------------------------------------------------------------------------

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, max(int(line or 1), 1), message))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def run(self) -> tuple[list[Problem], ContentSet]:
        courses_dir = self.root / "courses"
        quizzes_dir = self.root / "quizzes"
        if not courses_dir.is_dir():
            self.add("courses", 1, "content folder courses/ is missing")
        else:
            self.load_glossary(courses_dir / "glossary.yaml")
            self.load_sources(courses_dir / "sources.yaml")
            for folder in sorted(courses_dir.iterdir()):
                if folder.is_dir() and not folder.name.startswith((".", "_")):
                    self.load_course(folder)
        if not quizzes_dir.is_dir():
            self.add("quizzes", 1, "content folder quizzes/ is missing")
        else:
            for path in sorted((quizzes_dir / "banks").glob("*.yaml")):
                self.load_bank(path)
            for path in sorted((quizzes_dir / "quizzes").glob("*.yaml")):
                self.load_quiz(path)
        self.check_references()
        problems = sorted(self.problems, key=lambda problem: (problem.file, problem.line))
        content = ContentSet(
            courses=self.courses,
            banks=self.banks,
            quizzes=self.quizzes,
            glossary=self.glossary,
            sources=self.sources,
            questions=self.questions,
        )
        return problems, content

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
            if isinstance(item, str) or _is_int(item):
                self.source_refs.append((file, _line_of(values, i), who, str(item)))

    # -- typed getters (None when absent; a problem is added when present but invalid) ---------

    def mapping(self, value: Any, file: str, line: int, what: str) -> YamlDict | None:
        if isinstance(value, YamlDict):
            return value
        self.add(file, line, f"{what} must be a mapping (found {_describe(value)})")
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
                f"{who}: {label} must have both zh and en texts (found {_describe(value)})",
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
                    f"{who}: {name} {label} must be text "
                    f"(found {_describe(value[lang])}; quote it)",
                )
                result[lang] = str(value[lang])
            elif not value[lang].strip():
                self.add(file, value.key_line(lang), f"{who} has an empty {name} {label}")
                result[lang] = ""
            else:
                result[lang] = value[lang]
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
            self.add(file, line, f'{who}: "{key}" must be text (found {_describe(value)})')
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
        if not _is_int(value):
            self.add(
                file, line, f'{who}: "{key}" must be a whole number (found {_describe(value)})'
            )
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
        if not _is_number(value):
            self.add(file, line, f'{who}: "{key}" must be a number (found {_describe(value)})')
            return None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = _bounds(minimum, maximum)
            self.add(file, line, f'{who}: "{key}" must be {bounds} (found {_fmt(value)})')
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
                f'{who}: "{key}" must be true or false (found {_describe(value)})',
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
                f'{who}: "{key}" must be a list (found {_describe(value)})',
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
            if ids and _is_int(item):
                item = str(item)  # source ids such as 1, 3, 8 are written unquoted
            if not isinstance(item, str) or not item.strip():
                self.add(
                    file,
                    line,
                    f'{who}: "{key}" item {i + 1} must be text (found {_describe(item)})',
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

    # -- shared files --------------------------------------------------------------------------

    def load_glossary(self, path: Path) -> None:
        file = self.rel(path)
        data, parsed = self.read_yaml(path)
        if not parsed:
            return
        node = self.mapping(data, file, 1, "the glossary")
        if node is None:
            return
        for term_id, entry in node.items():
            line = node.key_line(term_id)
            who = f'glossary term "{term_id}"'
            if not isinstance(term_id, str) or not SLUG_RE.match(term_id):
                self.add(file, line, f"{who}: term ids use only {SLUG_HINT}")
            text = self.text(node, term_id, file, who, "term")
            if entry is None:
                self.add(file, line, f"{who} has no zh and en texts")
            if text is not None:
                self.glossary[str(term_id)] = text

    def load_sources(self, path: Path) -> None:
        file = self.rel(path)
        data, parsed = self.read_yaml(path)
        if not parsed:
            return
        node = self.mapping(data, file, 1, "the source list")
        if node is None:
            return
        for key, entry in node.items():
            source_id = str(key)
            who = f'source "{source_id}"'
            line = node.key_line(key)
            if isinstance(key, bool) or not isinstance(key, str | int):
                self.add(file, line, f"{who}: source ids must be text or numbers")
                continue
            item = self.mapping(entry, file, line, who)
            if item is None:
                continue
            self.keys(item, file, who, ("title",), ("url", "authority"))
            title = self.string(item, "title", file, who)
            url = self.string(item, "url", file, who)
            if url is not None and not url.startswith(("https://", "http://")):
                self.add(
                    file, item.key_line("url"), f"{who}: url must start with https:// or http://"
                )
            authority = self.string(item, "authority", file, who, choices=SOURCE_AUTHORITIES)
            self.sources[source_id] = Source(source_id, title or "", url, authority)

    # -- courses -------------------------------------------------------------------------------

    def load_course(self, folder: Path) -> None:
        path = folder / "course.yaml"
        file = self.rel(path)
        if not path.is_file():
            self.add(file, 1, f'course folder "{folder.name}" has no course.yaml')
            return
        data, parsed = self.read_yaml(path)
        node = self.mapping(data, file, 1, "course.yaml") if parsed else None
        if node is None:
            self.unreadable.add(f"course:{folder.name}")
            return
        code = node.get("code") if isinstance(node.get("code"), str) else folder.name
        who = f'course "{code}"'
        self.keys(node, file, who, _COURSE_REQUIRED, _COURSE_OPTIONAL)
        if self.string(node, "code", file, who, slug=True) is not None and code != folder.name:
            self.add(
                file,
                node.key_line("code"),
                f'course code "{code}" does not match its folder "{folder.name}"',
            )
        version, major, minor = self.version(node, file, who)
        title = self.text(node, "title", file, who)
        summary = self.text(node, "summary", file, who)
        audience = self.str_list(node, "audience", file, who)
        if "audience" in node and isinstance(node["audience"], list) and not node["audience"]:
            self.add(file, node.key_line("audience"), f"{who}: audience lists no roles")
        minutes = self.integer(node, "estimated_minutes", file, who, minimum=1)
        validity = self.integer(node, "certificate_validity_months", file, who, minimum=1)
        recertify = self.integer(node, "recertify_days", file, who, minimum=1, maximum=365)
        required_quizzes = self.str_list(node, "required_quizzes", file, who, slug=True)
        required_drills = self.str_list(node, "required_drills", file, who, slug=True)
        prerequisites = self.str_list(node, "prerequisites", file, who, slug=True)
        slugs = self.str_list(node, "lessons", file, who, slug=True)
        if "lessons" in node and isinstance(node["lessons"], list) and not node["lessons"]:
            self.add(file, node.key_line("lessons"), f"{who}: lessons lists no lessons")
        lessons = self.load_lessons(folder, code, node, slugs)
        self.course_files[code] = file
        self.course_raw[code] = node
        if code in self.courses:
            return
        self.courses[code] = Course(
            code=code,
            version=version,
            major=major,
            minor=minor,
            title=title or {},
            summary=summary or {},
            audience=audience,
            estimated_minutes=minutes or 0,
            required_quizzes=required_quizzes,
            required_drills=required_drills,
            certificate_validity_months=validity or 12,
            prerequisites=prerequisites,
            lessons=lessons,
            content_hash=content_hash(folder),
            path=folder,
            recertify_days=recertify or 30,
        )

    def version(self, node: YamlDict, file: str, who: str) -> tuple[str, int, int]:
        value = node.get("version")
        if value is None:
            return "", 0, 0
        line = node.key_line("version")
        if not isinstance(value, str):
            self.add(
                file,
                line,
                f'{who}: version must be quoted text "MAJOR.MINOR" such as "1.0" '
                f"(found {_describe(value)})",
            )
            return str(value), 0, 0
        match = VERSION_RE.match(value)
        if match is None:
            self.add(file, line, f'{who}: version "{value}" must be MAJOR.MINOR, e.g. "1.0"')
            return value, 0, 0
        return value, int(match.group(1)), int(match.group(2))

    def load_lessons(
        self, folder: Path, code: str, node: YamlDict, slugs: list[str]
    ) -> list[Lesson]:
        file = self.rel(folder / "course.yaml")
        listed = set(slugs)
        for md_path in sorted(folder.glob("*.md")):
            parts = md_path.name.rsplit(".", 2)
            if len(parts) == 3 and parts[1] in LANGS:
                if parts[0] not in listed:
                    self.add(
                        self.rel(md_path),
                        1,
                        f'lesson file is not listed in course.yaml lessons (add "{parts[0]}")',
                    )
            else:
                self.add(
                    self.rel(md_path),
                    1,
                    "unexpected Markdown file (lessons are named <slug>.zh.md and <slug>.en.md)",
                )
        lessons: list[Lesson] = []
        raw_list = node.get("lessons")
        for position, slug in enumerate(slugs, start=1):
            index = raw_list.index(slug) if isinstance(raw_list, YamlList) else 0
            list_line = _line_of(raw_list, index) if raw_list is not None else node.line
            files: dict[str, _LessonFile] = {}
            for lang in LANGS:
                path = folder / f"{slug}.{lang}.md"
                if not path.is_file():
                    self.add(
                        file,
                        list_line,
                        f'lesson "{slug}" has no {LANG_NAMES[lang]} file {path.name}',
                    )
                    continue
                lesson_file = self.load_lesson_file(path, code, lang, position)
                if lesson_file is None:
                    self.unreadable.add(f"lesson:{code}/{slug}")
                else:
                    files[lang] = lesson_file
            if len(files) == len(LANGS):
                self.compare_languages(slug, files["zh"], files["en"])
            anchors: set[str] = set()
            for lesson_file in files.values():
                anchors.update(lesson_file.rendered.anchors)
            self.anchors[(code, slug)] = anchors
            lessons.append(self.make_lesson(slug, position, files))
        return lessons

    def load_lesson_file(
        self, path: Path, code: str, lang: str, position: int
    ) -> _LessonFile | None:
        file = self.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.add(file, 1, "file is not valid UTF-8")
            return None
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if not lines or lines[0].strip() != "---":
            self.add(file, 1, "lesson has no front matter (start the file with a --- line)")
            return None
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            self.add(file, 1, "front matter is never closed with a --- line")
            return None
        data, problems = parse_yaml("\n".join(lines[1:end]), file, line_offset=1)
        self.problems.extend(problems)
        if problems:
            return None
        front = self.mapping(data, file, 1, "front matter")
        if front is None:
            return None
        who = "front matter"
        self.keys(front, file, who, _FRONT_REQUIRED, _FRONT_OPTIONAL)
        title = self.string(front, "title", file, who) or ""
        order = self.integer(front, "order", file, who, minimum=1)
        if order is not None and order != position:
            self.add(
                file,
                front.key_line("order"),
                f"front matter order is {order} but the lesson is number {position} "
                "in course.yaml lessons",
            )
        sources = self.str_list(front, "sources", file, who, ids=True)
        self.id_refs(front, "sources", file, who)
        body = "\n".join(lines[end + 1 :])
        course_asset_url = self.asset_url

        def asset_url(relative: str) -> str:
            return course_asset_url(code, relative) if course_asset_url else relative

        rendered = render_markdown(
            body, lang=lang, glossary=self.glossary, asset_url=asset_url, line_offset=end + 1
        )
        for problem in rendered.problems:
            self.add(file, problem.line, problem.message)
        folder = path.parent.resolve()
        for image in rendered.images:
            target = (path.parent / image.path).resolve()
            if not target.is_relative_to(folder):
                self.add(file, image.line, f'image "{image.path}" is outside the course folder')
            elif not target.is_file():
                self.add(file, image.line, f'image "{image.path}" not found')
        return _LessonFile(lang, file, title, order, sources, body, rendered)

    def compare_languages(self, slug: str, zh: _LessonFile, en: _LessonFile) -> None:
        zh_anchors, en_anchors = zh.rendered.anchors, en.rendered.anchors
        if zh_anchors == en_anchors:
            return
        zh_lines = {s.anchor: s.line for s in zh.rendered.sections}
        en_lines = {s.anchor: s.line for s in en.rendered.sections}
        en_name = Path(en.file).name
        zh_name = Path(zh.file).name
        only_zh = [a for a in zh_anchors if a not in en_lines]
        only_en = [a for a in en_anchors if a not in zh_lines]
        for anchor in only_zh:
            self.add(zh.file, zh_lines[anchor], f'anchor "{anchor}" is missing from {en_name}')
        for anchor in only_en:
            self.add(en.file, en_lines[anchor], f'anchor "{anchor}" is missing from {zh_name}')
        common_zh = [a for a in zh_anchors if a in en_lines]
        common_en = [a for a in en_anchors if a in zh_lines]
        if not only_zh and not only_en and common_zh != common_en:
            first = next(
                i for i, (a, b) in enumerate(zip(common_zh, common_en, strict=True)) if a != b
            )
            self.add(
                en.file,
                en_lines[common_en[first]],
                f"anchors are in a different order from {zh_name}: "
                f"zh has {', '.join(common_zh)}; en has {', '.join(common_en)}",
            )

    def make_lesson(self, slug: str, position: int, files: dict[str, _LessonFile]) -> Lesson:
        sources: list[str] = []
        assets: list[str] = []
        for lesson_file in files.values():
            sources.extend(s for s in lesson_file.sources if s not in sources)
            assets.extend(i.path for i in lesson_file.rendered.images if i.path not in assets)
        orders = [f.order for f in files.values() if f.order is not None]
        return Lesson(
            slug=slug,
            order=orders[0] if orders else position,
            title={lang: f.title for lang, f in files.items()},
            sources=sources,
            markdown={lang: f.markdown for lang, f in files.items()},
            html={lang: f.rendered.html for lang, f in files.items()},
            sections={lang: list(f.rendered.sections) for lang, f in files.items()},
            assets=sorted(assets),
        )

    # -- banks and questions -------------------------------------------------------------------

    def load_bank(self, path: Path) -> None:
        file = self.rel(path)
        data, parsed = self.read_yaml(path)
        node = self.mapping(data, file, 1, "a question bank") if parsed else None
        if node is None:
            self.unreadable.add(f"bank:{path.stem}")
            return
        slug = node.get("bank") if isinstance(node.get("bank"), str) else path.stem
        who = f'bank "{slug}"'
        self.keys(node, file, who, ("bank", "title", "questions"), ("description",))
        if self.string(node, "bank", file, who, slug=True) is not None and slug != path.stem:
            self.add(
                file,
                node.key_line("bank"),
                f'bank "{slug}" does not match its file name "{path.name}"',
            )
        title = self.text(node, "title", file, who)
        description = self.text(node, "description", file, who)
        questions: list[dict[str, Any]] = []
        items = self.seq(node, "questions", file, who)
        if items is not None and not items:
            self.add(file, node.key_line("questions"), f"{who} has no questions")
        for i, raw in enumerate(items or []):
            question = self.question(raw, file, items.item_line(i), slug) if items else None
            if question is None:
                continue
            earlier = self.questions.get(question["id"])
            if earlier is not None:
                self.add(
                    file,
                    question["line"],
                    f'question id "{question["id"]}" is already used at '
                    f"{earlier['file']}:{earlier['line']}",
                )
                continue
            self.questions[question["id"]] = question
            questions.append(question)
        if slug not in self.banks:
            self.banks[slug] = Bank(slug, title or {}, questions, path, description)

    def question(self, raw: Any, file: str, line: int, bank: str) -> dict[str, Any] | None:
        node = self.mapping(raw, file, line, "each question")
        if node is None:
            return None
        qid = node.get("id")
        who = f'question "{qid}"' if isinstance(qid, str) else f"question at line {line}"
        qtype = node.get("type")
        type_keys: tuple[str, ...] = ()
        optional: tuple[str, ...] = _QUESTION_COMMON
        if isinstance(qtype, str) and qtype in _TYPE_REQUIRED:
            type_keys = _TYPE_REQUIRED[qtype]
            optional = optional + _TYPE_OPTIONAL.get(qtype, ())
        required = ("id", "type") + (("stem",) if qtype != "scenario" else ()) + type_keys
        self.keys(node, file, who, required, (*optional, "stem"))
        self.string(node, "id", file, who, slug=True)
        if not isinstance(qid, str) or not qid:
            return None
        qtype = self.string(node, "type", file, who, choices=QUESTION_TYPES)
        fmt = self.string(node, "format", file, who, choices=FORMATS) or "markdown"
        md = fmt == "markdown"
        question: dict[str, Any] = {
            "id": qid,
            "type": qtype,
            "bank": bank,
            "file": file,
            "line": line,
            "format": fmt,
            "tags": self.str_list(
                node, "tags", file, who, known=topics.is_known, known_hint=topics.KNOWN
            ),
            "difficulty": self.integer(node, "difficulty", file, who, minimum=1, maximum=3) or 1,
            "points": self.number(node, "points", file, who, minimum=0),
            "manual": None,
            "sources": self.str_list(node, "sources", file, who, ids=True),
            "scenario": self.panel(node, "scenario", file, who),
            "stem": self.text(node, "stem", file, who, markdown=md),
            "explanation": self.text(node, "explanation", file, who, markdown=md),
            "general_feedback": self.text(node, "general_feedback", file, who, markdown=md),
        }
        if question["points"] is None:
            question["points"] = 1
        self.id_refs(node, "sources", file, who)
        manual = self.string(node, "manual", file, who)
        if manual is not None:
            if MANUAL_RE.match(manual):
                question["manual"] = manual
                self.manual_refs.append((file, node.key_line("manual"), who, manual))
            else:
                self.add(
                    file,
                    node.key_line("manual"),
                    f'{who}: manual link "{manual}" must look like course/lesson#anchor',
                )
        if qtype in ("single", "multiple"):
            question["options"] = self.choice_options(node, file, who, qtype, md)
        elif qtype == "truefalse":
            question["answer"] = self.boolean(node, "answer", file, who)
            question["feedback_true"] = self.text(
                node, "feedback_true", file, who, "feedback for true", markdown=md
            )
            question["feedback_false"] = self.text(
                node, "feedback_false", file, who, "feedback for false", markdown=md
            )
        elif qtype == "ordering":
            question["steps"] = self.ordering_steps(node, file, who, md)
        elif qtype == "numeric":
            question["answers"] = self.numeric_answers(node, file, who, md)
            question["unit"] = self.text(node, "unit", file, who)
        elif qtype == "matching":
            question["pairs"] = self.matching_pairs(node, file, who, md)
        elif qtype == "short":
            question["answers"] = self.short_answers(node, file, who, md)
        elif qtype == "essay":
            question["rubric"] = self.text(node, "rubric", file, who, markdown=md)
        elif qtype == "scenario":
            self.scenario_steps(node, file, who, md, question)
        elif qtype == "description":
            question["points"] = 0
        return question

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
                    f"{who}: {noun} {i + 1} id must be text (found {_describe(item_id)}; quote it)",
                )
                item_id = None
            label = f'{noun} "{item_id}"' if item_id else f"{noun} {i + 1}"
            if item_id in seen:
                self.add(file, item.key_line("id"), f'{who}: {noun} id "{item_id}" is used twice')
            elif item_id:
                seen.add(item_id)
            found.append((item, label, line))
        return found

    def choice_options(
        self, node: YamlDict, file: str, who: str, qtype: str, md: bool
    ) -> list[dict[str, Any]]:
        options: list[dict[str, Any]] = []
        for item, label, _line in self.items(node, "options", file, who, "option"):
            owner = f"{who}: {label}"
            self.keys(item, file, owner, ("id", "text", "feedback"), ("correct", "fraction"))
            correct = self.boolean(item, "correct", file, owner)
            fraction = self.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
            if correct and fraction is not None and fraction <= 0:
                self.add(
                    file,
                    item.key_line("fraction"),
                    f"{owner} is marked correct but has fraction {_fmt(fraction)}",
                )
            if correct is None:
                correct = fraction is not None and (
                    fraction == 1.0 if qtype == "single" else fraction > 0
                )
            options.append(
                {
                    "id": item.get("id") if isinstance(item.get("id"), str) else "",
                    "text": self.text(item, "text", file, owner, markdown=md),
                    "correct": bool(correct),
                    "fraction": fraction,
                    "feedback": self.text(item, "feedback", file, owner, markdown=md),
                }
            )
        if "options" in node and isinstance(node["options"], list):
            line = node.key_line("options")
            n_correct = sum(1 for option in options if option["correct"])
            if len(options) < 2:
                self.add(file, line, f"{who} needs at least 2 options (found {len(options)})")
            if qtype == "single" and n_correct != 1:
                self.add(
                    file,
                    line,
                    f"{who}: a single-choice question needs exactly one correct option "
                    f"(found {n_correct})",
                )
            if qtype == "multiple" and n_correct < 2:
                self.add(
                    file,
                    line,
                    f"{who}: a multiple-choice question needs at least 2 correct options "
                    f"(found {n_correct})",
                )
            share = 1.0 / n_correct if n_correct else 0.0
            for option in options:
                if option["fraction"] is None:
                    if qtype == "single":
                        option["fraction"] = 1.0 if option["correct"] else 0.0
                    else:
                        option["fraction"] = share if option["correct"] else -share
        return options

    def ordering_steps(self, node: YamlDict, file: str, who: str, md: bool) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for item, label, _line in self.items(node, "steps", file, who, "step"):
            owner = f"{who}: {label}"
            self.keys(item, file, owner, ("id", "text"))
            steps.append(
                {
                    "id": item.get("id") if isinstance(item.get("id"), str) else "",
                    "text": self.text(item, "text", file, owner, markdown=md),
                }
            )
        if isinstance(node.get("steps"), list) and len(steps) < 3:
            self.add(
                file,
                node.key_line("steps"),
                f"{who}: an ordering question needs at least 3 steps (found {len(steps)})",
            )
        return steps

    def numeric_answers(
        self, node: YamlDict, file: str, who: str, md: bool
    ) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        seq = self.seq(node, "answers", file, who)
        for i, raw in enumerate(seq or []):
            assert seq is not None
            owner = f"{who}: answer {i + 1}"
            item = self.mapping(raw, file, seq.item_line(i), owner)
            if item is None:
                continue
            self.keys(
                item, file, owner, (), ("value", "tolerance", "min", "max", "fraction", "feedback")
            )
            fraction = self.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
            answer: dict[str, Any] = {
                "value": None,
                "tolerance": None,
                "min": None,
                "max": None,
                "fraction": 1.0 if fraction is None else fraction,
                "feedback": self.text(item, "feedback", file, owner, markdown=md),
            }
            if "value" in item:
                if "min" in item or "max" in item:
                    self.add(
                        file,
                        item.line,
                        f"{owner}: give either value (with tolerance) or min and max, not both",
                    )
                value = self.number(item, "value", file, owner)
                tolerance = item.get("tolerance", 0.0)
                if not _is_number(tolerance) or tolerance < 0:
                    self.add(
                        file,
                        item.key_line("tolerance"),
                        f"{owner}: tolerance must be a number of at least 0 "
                        f"(found {_describe(tolerance)})",
                    )
                    tolerance = 0.0
                if value is not None:
                    answer.update(
                        value=value,
                        tolerance=tolerance,
                        min=value - tolerance,
                        max=value + tolerance,
                    )
            elif "min" in item or "max" in item:
                if "tolerance" in item:
                    self.add(
                        file,
                        item.key_line("tolerance"),
                        f"{owner}: tolerance goes with value, not with min and max",
                    )
                low = self.number(item, "min", file, owner)
                high = self.number(item, "max", file, owner)
                if "min" not in item or "max" not in item:
                    self.add(file, item.line, f"{owner}: a range needs both min and max")
                elif low is not None and high is not None:
                    if low > high:
                        self.add(
                            file,
                            item.key_line("min"),
                            f"{owner}: min {_fmt(low)} is greater than max {_fmt(high)}",
                        )
                    answer.update(min=low, max=high)
            else:
                self.add(
                    file,
                    item.line,
                    f"{owner}: needs value (with optional tolerance) or min and max",
                )
            answers.append(answer)
        self.need_full_credit(node, file, who, answers, seq)
        return answers

    def need_full_credit(
        self,
        node: YamlDict,
        file: str,
        who: str,
        answers: list[dict[str, Any]],
        seq: YamlList | None,
    ) -> None:
        if seq is None:
            return
        if not answers:
            self.add(file, node.key_line("answers"), f"{who} has no answers")
        elif not any(answer["fraction"] == 1.0 for answer in answers):
            self.add(
                file, node.key_line("answers"), f"{who}: no answer gives full credit (fraction 1.0)"
            )

    def matching_pairs(self, node: YamlDict, file: str, who: str, md: bool) -> list[dict[str, Any]]:
        pairs: list[dict[str, Any]] = []
        seq = self.seq(node, "pairs", file, who)
        for i, raw in enumerate(seq or []):
            assert seq is not None
            owner = f"{who}: pair {i + 1}"
            item = self.mapping(raw, file, seq.item_line(i), owner)
            if item is None:
                continue
            self.keys(item, file, owner, ("left", "right"))
            pairs.append(
                {
                    "left": self.text(item, "left", file, owner, markdown=md),
                    "right": self.text(item, "right", file, owner, markdown=md),
                }
            )
        if seq is not None and len(pairs) < 3:
            self.add(
                file,
                node.key_line("pairs"),
                f"{who}: a matching question needs at least 3 pairs (found {len(pairs)})",
            )
        return pairs

    def short_answers(self, node: YamlDict, file: str, who: str, md: bool) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        seq = self.seq(node, "answers", file, who)
        for i, raw in enumerate(seq or []):
            assert seq is not None
            owner = f"{who}: answer {i + 1}"
            item = self.mapping(raw, file, seq.item_line(i), owner)
            if item is None:
                continue
            self.keys(item, file, owner, ("text",), ("fraction", "feedback"))
            text = item.get("text")
            if _is_number(text):
                text = str(text)  # e.g. an accepted answer of 35
            elif text is not None and (not isinstance(text, str) or not text.strip()):
                self.add(file, item.key_line("text"), f"{owner}: text must be non-empty text")
                text = None
            fraction = self.number(item, "fraction", file, owner, minimum=-1.0, maximum=1.0)
            answers.append(
                {
                    "text": text or "",
                    "fraction": 1.0 if fraction is None else fraction,
                    "feedback": self.text(item, "feedback", file, owner, markdown=md),
                }
            )
        self.need_full_credit(node, file, who, answers, seq)
        return answers

    def scenario_steps(
        self, node: YamlDict, file: str, who: str, md: bool, question: dict[str, Any]
    ) -> None:
        start = self.string(node, "start", file, who)
        steps: list[dict[str, Any]] = []
        step_lines: dict[str, int] = {}
        next_refs: list[tuple[str, str, str, int]] = []
        for item, label, line in self.items(node, "steps", file, who, "step"):
            owner = f"{who}: {label}"
            self.keys(item, file, owner, ("id", "stem", "options"), ("scenario",))
            step_id = item.get("id") if isinstance(item.get("id"), str) else ""
            step_lines.setdefault(step_id, line)
            options: list[dict[str, Any]] = []
            for option, option_label, _oline in self.items(item, "options", file, owner, "option"):
                option_owner = f"{owner} {option_label}"
                self.keys(
                    option,
                    file,
                    option_owner,
                    ("id", "text", "consequence"),
                    ("points", "next", "critical"),
                )
                points = self.number(option, "points", file, option_owner, minimum=0)
                next_step = self.string(option, "next", file, option_owner)
                if next_step is not None:
                    next_refs.append((option_owner, step_id, next_step, option.key_line("next")))
                options.append(
                    {
                        "id": option.get("id") if isinstance(option.get("id"), str) else "",
                        "text": self.text(option, "text", file, option_owner, markdown=md),
                        "consequence": self.text(
                            option, "consequence", file, option_owner, markdown=md
                        ),
                        "points": points or 0,
                        "next": next_step,
                        "critical": bool(self.boolean(option, "critical", file, option_owner)),
                    }
                )
            if isinstance(item.get("options"), list) and not options:
                self.add(file, item.key_line("options"), f"{owner} has no options")
            steps.append(
                {
                    "id": step_id,
                    "stem": self.text(item, "stem", file, owner, markdown=md),
                    "scenario": self.panel(item, "scenario", file, owner),
                    "options": options,
                }
            )
        question["start"] = start
        question["steps"] = steps
        question["max_points"] = 0
        if not isinstance(node.get("steps"), list):
            return
        if not steps:
            self.add(file, node.key_line("steps"), f"{who} has no steps")
            return
        ok = True
        for owner, _step, target, line in next_refs:
            if target not in step_lines:
                self.add(file, line, f'{owner}: next step "{target}" does not exist')
                ok = False
        if start is not None and start not in step_lines:
            self.add(file, node.key_line("start"), f'{who}: start step "{start}" does not exist')
            return
        if start is None or not ok:
            return
        graph = {
            step["id"]: [option["next"] for option in step["options"] if option["next"]]
            for step in steps
        }
        cycle = _find_cycle(graph, start)
        if cycle is not None:
            self.add(
                file,
                step_lines[cycle[-2]],
                f"{who}: steps loop back: {' → '.join(cycle)}",
            )
            return
        reachable = _reachable(graph, start)
        for step in steps:
            if step["id"] not in reachable:
                self.add(
                    file,
                    step_lines[step["id"]],
                    f'{who}: step "{step["id"]}" cannot be reached from start step "{start}"',
                )
        by_id = {step["id"]: step for step in steps}
        best: dict[str, float] = {}

        def best_from(step_id: str) -> float:
            if step_id not in best:
                best[step_id] = max(
                    (
                        o["points"] + (best_from(o["next"]) if o["next"] else 0)
                        for o in by_id[step_id]["options"]
                    ),
                    default=0,
                )
            return best[step_id]

        question["max_points"] = best_from(start)
        if question["max_points"] <= 0:
            self.add(file, node.key_line("steps"), f"{who}: no path through the steps earns points")

    def panel(self, node: YamlDict, key: str, file: str, who: str) -> dict[str, Any] | None:
        raw = node.get(key)
        if raw is None:
            return None
        owner = f"{who}: scenario panel"
        item = self.mapping(raw, file, node.key_line(key), owner)
        if item is None:
            return None
        kind = item.get("kind")
        rows_keys = ("columns", "rows") if kind == "history" else ("lines",)
        self.keys(item, file, owner, ("kind", *rows_keys), ("title",))
        kind = self.string(item, "kind", file, owner, choices=SCENARIO_KINDS)
        panel: dict[str, Any] = {"kind": kind, "title": self.text(item, "title", file, owner)}
        if kind == "history":
            columns = self.seq(item, "columns", file, owner) or YamlList()
            panel["columns"] = [
                self.list_text(columns, i, file, f"{owner}: column {i + 1}")
                for i in range(len(columns))
            ]
            rows_seq = self.seq(item, "rows", file, owner) or YamlList()
            rows: list[list[str]] = []
            for r, row in enumerate(rows_seq):
                line = rows_seq.item_line(r)
                if not isinstance(row, list):
                    self.add(file, line, f"{owner}: row {r + 1} must be a list of cells")
                    continue
                if len(row) != len(columns):
                    self.add(
                        file,
                        line,
                        f"{owner}: row {r + 1} has {len(row)} cells for {len(columns)} columns",
                    )
                cells: list[str] = []
                for c, cell in enumerate(row):
                    if not isinstance(cell, str):
                        self.add(
                            file,
                            line,
                            f"{owner}: row {r + 1} cell {c + 1} must be quoted text "
                            f"(YAML read {_describe(cell)})",
                        )
                    cells.append(str(cell))
                rows.append(cells)
            panel["rows"] = rows
        elif kind is not None:
            lines_seq = self.seq(item, "lines", file, owner) or YamlList()
            panel["lines"] = [
                self.list_text(lines_seq, i, file, f"{owner}: line {i + 1}")
                for i in range(len(lines_seq))
            ]
        return panel

    def list_text(self, seq: YamlList, index: int, file: str, who: str) -> LocalText | None:
        wrapper = YamlDict({"text": seq[index]}, line=seq.item_line(index))
        wrapper._key_lines["text"] = seq.item_line(index)
        return self.text(wrapper, "text", file, who, "text")

    # -- quizzes -------------------------------------------------------------------------------

    def load_quiz(self, path: Path) -> None:
        file = self.rel(path)
        data, parsed = self.read_yaml(path)
        node = self.mapping(data, file, 1, "a quiz") if parsed else None
        if node is None:
            self.unreadable.add(f"quiz:{path.stem}")
            return
        quiz_id = node.get("id") if isinstance(node.get("id"), str) else path.stem
        who = f'quiz "{quiz_id}"'
        self.keys(node, file, who, _QUIZ_REQUIRED, _QUIZ_OPTIONAL)
        if self.string(node, "id", file, who, slug=True) is not None and quiz_id != path.stem:
            self.add(
                file,
                node.key_line("id"),
                f'quiz id "{quiz_id}" does not match its file name "{path.name}"',
            )
        title = self.text(node, "title", file, who)
        description = self.text(node, "description", file, who)
        course = self.string(node, "course", file, who)
        if course is not None:
            self.quiz_course_refs.append((file, node.key_line("course"), who, course))
        pools: list[Pool] = []
        seq = self.seq(node, "pools", file, who)
        if seq is not None and not seq:
            self.add(file, node.key_line("pools"), f"{who} has no pools")
        for i, raw in enumerate(seq or []):
            assert seq is not None
            pool = self.pool(raw, file, seq.item_line(i), f"{who}: pool {i + 1}")
            if pool is not None:
                pools.append(pool)
        pass_mark = node.get("pass_mark")
        if pass_mark is not None and (not _is_number(pass_mark) or not 0 <= pass_mark <= 100):
            self.add(
                file,
                node.key_line("pass_mark"),
                f"{who}: pass_mark must be a percentage from 0 to 100 "
                f"(found {_describe(pass_mark)})",
            )
            pass_mark = None
        grading = node.get("grading", "highest")
        if grading not in GRADING:
            self.add(
                file,
                node.key_line("grading"),
                f'{who}: grading must be "highest" or "latest" (found {_describe(grading)})',
            )
        review = node.get("review", "after_submission")
        if review not in REVIEW:
            self.add(
                file,
                node.key_line("review"),
                f'{who}: review must be "after_submission" or "score_only" '
                f"(found {_describe(review)})",
            )
        shuffle_questions = self.boolean(node, "shuffle_questions", file, who)
        shuffle_options = self.boolean(node, "shuffle_options", file, who)
        if quiz_id in self.quizzes:
            return
        self.quizzes[quiz_id] = Quiz(
            id=quiz_id,
            title=title or {},
            description=description,
            course=course,
            pools=pools,
            shuffle_questions=True if shuffle_questions is None else shuffle_questions,
            shuffle_options=True if shuffle_options is None else shuffle_options,
            time_limit_minutes=self.integer(node, "time_limit_minutes", file, who, minimum=1),
            pass_mark=pass_mark if pass_mark is not None else 0,
            max_attempts=self.integer(node, "max_attempts", file, who, minimum=1),
            cooldown_minutes=self.integer(node, "cooldown_minutes", file, who, minimum=0) or 0,
            grading=grading if grading in GRADING else "highest",
            review=review if review in REVIEW else "after_submission",
            path=path,
        )

    def pool(self, raw: Any, file: str, line: int, who: str) -> Pool | None:
        item = self.mapping(raw, file, line, who)
        if item is None:
            return None
        self.keys(
            item, file, who, (), ("bank", "tags", "types", "difficulty", "count", "questions")
        )
        bank = self.string(item, "bank", file, who)
        fixed = self.str_list(item, "questions", file, who)
        tags = self.str_list(item, "tags", file, who)
        types = self.str_list(item, "types", file, who)
        for i, qtype in enumerate(types):
            if qtype not in QUESTION_TYPES:
                self.add(
                    file, _line_of(item.get("types"), i), f'{who}: unknown question type "{qtype}"'
                )
        difficulty: list[int] = []
        raw_difficulty = item.get("difficulty")
        if _is_int(raw_difficulty):
            raw_difficulty = [raw_difficulty]
        if raw_difficulty is not None:
            if not isinstance(raw_difficulty, list):
                self.add(
                    file,
                    item.key_line("difficulty"),
                    f"{who}: difficulty must be a list of 1, 2 or 3",
                )
            else:
                for value in raw_difficulty:
                    if _is_int(value) and 1 <= value <= 3:
                        difficulty.append(value)
                    else:
                        self.add(
                            file,
                            item.key_line("difficulty"),
                            f"{who}: difficulty {_describe(value)} must be 1, 2 or 3",
                        )
        count = self.integer(item, "count", file, who, minimum=1)
        if "bank" in item and "questions" in item:
            self.add(file, item.line, f"{who}: a pool takes either bank or questions, not both")
        elif "bank" not in item and "questions" not in item:
            self.add(
                file, item.line, f"{who}: a pool needs a bank to draw from or a list of questions"
            )
        elif "bank" in item and "count" not in item:
            self.add(file, item.line, f'{who}: missing required key "count" (how many to draw)')
        elif "questions" in item:
            for key in ("tags", "types", "difficulty", "count"):
                if key in item:
                    self.add(file, item.key_line(key), f'{who}: "{key}" only applies to bank pools')
        if bank is not None:
            if bank not in self.banks:
                if f"bank:{bank}" not in self.unreadable:
                    self.add(file, item.key_line("bank"), f'{who}: unknown bank "{bank}"')
            elif count is not None:
                matching = [
                    q
                    for q in self.banks[bank].questions
                    if (not tags or set(tags) & set(q["tags"]))
                    and (q["type"] in types if types else q["type"] != "description")
                    and (not difficulty or q["difficulty"] in difficulty)
                ]
                if count > len(matching):
                    self.add(
                        file,
                        item.key_line("count"),
                        f'{who} asks for {count} questions but bank "{bank}" has only '
                        f"{len(matching)} matching",
                    )
        fixed_list = item.get("questions")
        some_bank_unreadable = any(name.startswith("bank:") for name in self.unreadable)
        for i, qid in enumerate(fixed):
            if qid not in self.questions and not some_bank_unreadable:
                self.add(file, _line_of(fixed_list, i), f'{who}: unknown question "{qid}"')
        return Pool(bank, tags, types, difficulty, count or len(fixed), fixed)

    # -- cross references ----------------------------------------------------------------------

    def check_references(self) -> None:
        for file, line, who, source_id in self.source_refs:
            if source_id not in self.sources:
                self.add(
                    file, line, f'{who}: unknown source "{source_id}" (not in courses/sources.yaml)'
                )
        for file, line, who, course in self.quiz_course_refs:
            if course not in self.courses and f"course:{course}" not in self.unreadable:
                self.add(file, line, f'{who}: unknown course "{course}"')
        for file, line, who, link in self.manual_refs:
            self.check_manual(file, line, who, link)
        graph: dict[str, list[str]] = {}
        for code, course in self.courses.items():
            node = self.course_raw[code]
            file = self.course_files[code]
            who = f'course "{code}"'
            graph[code] = [p for p in course.prerequisites if p in self.courses]
            for key, known, noun, kind in (
                ("prerequisites", self.courses, "prerequisite", "course"),
                ("required_quizzes", self.quizzes, "required quiz", "quiz"),
            ):
                values = node.get(key)
                for i, value in enumerate(values if isinstance(values, list) else []):
                    if (
                        isinstance(value, str)
                        and value not in known
                        and f"{kind}:{value}" not in self.unreadable
                    ):
                        self.add(file, _line_of(values, i), f'{who}: unknown {noun} "{value}"')
        reported: set[frozenset[str]] = set()
        for code in sorted(graph):
            cycle = _find_cycle(graph, code)
            if cycle is None or frozenset(cycle) in reported:
                continue
            reported.add(frozenset(cycle))
            first = cycle[0]
            node = self.course_raw[first]
            values = node["prerequisites"]
            self.add(
                self.course_files[first],
                _line_of(values, values.index(cycle[1])),
                f'course "{first}": prerequisites form a cycle: {" → ".join(cycle)}',
            )

    def check_manual(self, file: str, line: int, who: str, link: str) -> None:
        match = MANUAL_RE.match(link)
        assert match is not None
        code, slug, anchor = match.groups()
        if f"course:{code}" in self.unreadable or f"lesson:{code}/{slug}" in self.unreadable:
            return
        if code not in self.courses:
            self.add(file, line, f'{who}: manual link "{link}": unknown course "{code}"')
        elif (code, slug) not in self.anchors:
            self.add(
                file, line, f'{who}: manual link "{link}": course "{code}" has no lesson "{slug}"'
            )
        elif anchor and anchor not in self.anchors[(code, slug)]:
            self.add(
                file,
                line,
                f'{who}: manual link "{link}": lesson "{code}/{slug}" has no anchor "{anchor}"',
            )


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"from {_fmt(minimum)} to {_fmt(maximum)}"
    if minimum is not None:
        return f"at least {_fmt(minimum)}"
    return f"at most {_fmt(maximum or 0)}"


def _find_cycle(graph: Mapping[str, list[str]], start: str) -> list[str] | None:
    """A cycle reachable from ``start`` as [a, b, ..., a], or None."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in graph.get(node, []):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    return visit(start)


def _reachable(graph: Mapping[str, list[str]], start: str) -> set[str]:
    seen = {start}
    stack = [start]
    while stack:
        for target in graph.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen
