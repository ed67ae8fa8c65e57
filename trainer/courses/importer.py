"""Importing the content tree into the database: one transaction, all or nothing."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from trainer import audit
from trainer.domain.content import ContentError, ContentSet, Problem, load_content
from trainer.domain.markdown import GLOSSARY_REF_RE
from trainer.drills.service import import_drills
from trainer.models import (
    Counter,
    Course,
    CourseVersion,
    Lesson,
    Question,
    QuestionBank,
    Quiz,
    Section,
    User,
)
from trainer.models.content import CONTENT_REVISION, question_hash, store_question_versions

# Keys the loader adds for error messages; not part of a question's content.
_LOCATION_KEYS = ("file", "line", "bank")


def asset_url(course_code: str, path: str) -> str:
    """Where a lesson image is served (stable, so it can be stored in rendered HTML)."""
    return f"/courses/{course_code}/assets/{path}"


@dataclass
class ImportReport:
    """What an import changed."""

    new_versions: list[str] = field(default_factory=list)
    unchanged_courses: list[str] = field(default_factory=list)
    questions_added: int = 0
    questions_updated: int = 0
    questions_retired: int = 0
    quizzes: int = 0
    quizzes_changed: int = 0
    drills_changed: int = 0
    withdrawn: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything."""
        return bool(
            self.new_versions
            or self.questions_added
            or self.questions_updated
            or self.questions_retired
            or self.quizzes_changed
            or self.drills_changed
            or self.withdrawn
        )

    def __str__(self) -> str:
        parts = []
        if self.new_versions:
            parts.append("imported " + ", ".join(self.new_versions))
        if self.unchanged_courses:
            parts.append(f"{len(self.unchanged_courses)} course(s) unchanged")
        parts.append(
            f"questions: {self.questions_added} added, {self.questions_updated} updated, "
            f"{self.questions_retired} retired; {self.quizzes} quizzes"
        )
        if self.withdrawn:
            parts.append("withdrawn: " + ", ".join(self.withdrawn))
        return "Content: " + "; ".join(parts) + "."


_VERSION_LINE = re.compile(r"^version\s*:", re.MULTILINE)


def _version_problem(course, message: str) -> Problem:
    """A problem about a course's version, at its `version:` line (relative, as the checker)."""
    path = Path(course.path) / "course.yaml"
    line = 1
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    match = _VERSION_LINE.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
    return Problem(f"courses/{course.code}/course.yaml", line, message)


def _expand_glossary(value, glossary: dict):
    """Question texts with `[[term]]` written out as "撤销 (void)", as lessons render them.

    Question texts are rendered without the glossary on the quiz pages, so the terms are
    resolved here, once, at import.
    """
    if isinstance(value, list):
        return [_expand_glossary(item, glossary) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"zh", "en"} and all(isinstance(v, str) for v in value.values()):
        out = {}
        for lang, text in value.items():
            other = "en" if lang == "zh" else "zh"

            def term(match, lang=lang, other=other):
                entry = glossary.get(match.group(1))
                if not entry:
                    return match.group(0)
                return f"{entry[lang]} ({entry[other]})"

            out[lang] = GLOSSARY_REF_RE.sub(term, text)
        return out
    return {key: _expand_glossary(item, glossary) for key, item in value.items()}


def import_content(
    session: Session, content: ContentSet, *, actor: User | None = None
) -> ImportReport:
    """Write ``content`` into ``session``; raise ContentError (caller rolls back) on conflicts."""
    report = ImportReport()
    problems: list[Problem] = []
    for position, course in enumerate(content.courses.values()):
        _import_course(session, course, position, report, problems)
    for bank in content.banks.values():
        _import_bank(session, bank, report, problems, content.glossary)
    web_built = set(
        session.scalars(
            select(Quiz.slug).where(Quiz.origin == "web", Quiz.slug.in_(list(content.quizzes)))
        )
    )
    for quiz in content.quizzes.values():
        if quiz.id in web_built:
            problems.append(
                Problem(
                    f"quizzes/quizzes/{quiz.id}.yaml",
                    1,
                    f"quiz id {quiz.id!r} is taken by a quiz assembled on the web; rename the file",
                )
            )
            continue
        if _import_quiz(session, quiz):
            report.quizzes_changed += 1
        report.quizzes += 1
    report.drills_changed = import_drills(session, content.drills)
    _withdraw_missing(session, content, report)
    if problems:
        raise ContentError(problems)
    if not report.changed:
        return report  # re-importing unchanged content writes nothing, not even an audit event
    Counter.increment(session, CONTENT_REVISION)
    audit.record(
        session,
        "content.imported",
        actor=actor,
        details={
            "versions": report.new_versions,
            "questions_added": report.questions_added,
            "questions_updated": report.questions_updated,
        },
    )
    return report


def _withdraw_missing(session: Session, content: ContentSet, report: ImportReport) -> None:
    """Content deleted from the tree stops being offered; its history stays in the database.

    The tree is the whole catalogue, so a course, quiz or bank file that is gone is withdrawn.
    Banks imported from GIFT and quizzes assembled on the web are not part of the tree and are
    left alone.
    """
    for course in session.scalars(
        select(Course).where(Course.active, Course.code.not_in(list(content.courses)))
    ):
        course.active = False
        report.withdrawn.append(f"course {course.code}")
    for quiz in session.scalars(  # quizzes assembled on the web are not in the tree
        select(Quiz).where(
            Quiz.active, Quiz.origin == "content", Quiz.slug.not_in(list(content.quizzes))
        )
    ):
        quiz.active = False
        report.withdrawn.append(f"quiz {quiz.slug}")
    gone_banks = select(QuestionBank.id).where(
        QuestionBank.origin == "content", QuestionBank.slug.not_in(list(content.banks))
    )
    for question in session.scalars(
        select(Question).where(Question.active, Question.bank_id.in_(gone_banks))
    ):
        question.active = False
        report.questions_retired += 1


def _import_course(session, course, position, report, problems) -> None:
    row = session.scalar(select(Course).where(Course.code == course.code))
    if row is None:
        row = Course(code=course.code, position=position)
        session.add(row)
        session.flush()
    row.position = position
    row.active = True  # a course whose folder came back is offered again
    existing = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == row.id, CourseVersion.version == course.version
        )
    )
    if existing is not None:
        if existing.content_hash != course.content_hash:
            problems.append(
                _version_problem(
                    course,
                    f"course {course.code!r}: content changed but version {course.version} is "
                    "already imported; raise the version (MINOR for corrections, MAJOR when "
                    "learners must acknowledge again)",
                )
            )
        else:
            report.unchanged_courses.append(course.code)
        return
    current = session.scalar(
        select(CourseVersion).where(CourseVersion.course_id == row.id, CourseVersion.current)
    )
    if current is not None and (course.major, course.minor) < (current.major, current.minor):
        problems.append(
            _version_problem(
                course,
                f"course {course.code!r}: version {course.version} is older than the imported "
                f"version {current.version}",
            )
        )
        return
    session.execute(
        update(CourseVersion).where(CourseVersion.course_id == row.id).values(current=False)
    )
    version = CourseVersion(
        course_id=row.id,
        version=course.version,
        major=course.major,
        minor=course.minor,
        content_hash=course.content_hash,
        current=True,
        title=course.title,
        summary=course.summary,
        audience=course.audience,
        estimated_minutes=course.estimated_minutes,
        required_quizzes=course.required_quizzes,
        required_drills=course.required_drills,
        certificate_validity_months=course.certificate_validity_months,
        recertify_days=course.recertify_days,
        prerequisites=course.prerequisites,
    )
    for lesson_position, lesson in enumerate(course.lessons):
        sections = []
        zh_sections = lesson.sections.get("zh", [])
        for i, en in enumerate(lesson.sections.get("en", [])):
            zh = zh_sections[i] if i < len(zh_sections) else en
            sections.append(
                Section(
                    position=i,
                    anchor=en.anchor,
                    level=en.level,
                    title_zh=zh.title,
                    title_en=en.title,
                    text_zh=zh.text,
                    text_en=en.text,
                )
            )
        version.lessons.append(
            Lesson(
                slug=lesson.slug,
                position=lesson_position,
                title=lesson.title,
                sources=lesson.sources,
                html_zh=lesson.html["zh"],
                html_en=lesson.html["en"],
                sections=sections,
            )
        )
    session.add(version)
    session.flush()
    report.new_versions.append(f"{course.code} {course.version}")


_NUMERIC_BOUNDS = ("value", "tolerance", "min", "max")


def _without_empty_bounds(data: dict) -> dict:
    """Numeric answers without the null bounds the loader fills in.

    The loader writes every answer with value, tolerance, min and max, null where not given;
    grading reads a present "value" key as an exact answer, so a range answer ({min, max}) with
    "value": null would never match.
    """
    if data.get("type") != "numeric" or not isinstance(data.get("answers"), list):
        return data
    answers = [
        {k: v for k, v in a.items() if not (k in _NUMERIC_BOUNDS and v is None)}
        if isinstance(a, dict)
        else a
        for a in data["answers"]
    ]
    return {**data, "answers": answers}


def _import_bank(session, bank, report, problems, glossary) -> None:
    row = session.scalar(select(QuestionBank).where(QuestionBank.slug == bank.slug))
    if row is None:
        row = QuestionBank(slug=bank.slug, title=bank.title, origin="content")
        session.add(row)
        session.flush()
    row.title = bank.title
    # Shipped question ids are unique among the shipped banks (a quiz's fixed questions name
    # them); a GIFT bank may use the same ids (ids are unique within a bank).
    existing = {
        q.qid: q
        for q in session.scalars(
            select(Question)
            .join(QuestionBank, Question.bank_id == QuestionBank.id)
            .where(
                QuestionBank.origin == "content",
                Question.qid.in_([q["id"] for q in bank.questions]),
            )
        )
    }
    seen = set()
    touched = []
    for position, question in enumerate(bank.questions):
        data = {k: v for k, v in question.items() if k not in _LOCATION_KEYS}
        if data.get("format", "markdown") == "markdown":
            data = _expand_glossary(data, glossary)
        data = _without_empty_bounds(data)
        digest = question_hash(data)
        seen.add(data["id"])
        current = existing.get(data["id"])
        if current is not None and current.bank_id != row.id:
            problems.append(
                Problem(
                    question.get("file", str(bank.path)),
                    question.get("line", 1),
                    f"question {data['id']!r} already belongs to another bank",
                )
            )
            continue
        fields = dict(
            position=position,
            type=data["type"],
            tags=data.get("tags", []),
            difficulty=data.get("difficulty", 1),
            points=float(data.get("points", 1)),
            data=data,
            content_hash=digest,
            active=True,
        )
        if current is None:
            current = Question(bank_id=row.id, qid=data["id"], **fields)
            session.add(current)
            report.questions_added += 1
        elif current.content_hash != digest or not current.active:
            for key, value in fields.items():
                setattr(current, key, value)
            report.questions_updated += 1
        touched.append(current)
    store_question_versions(session, touched)
    # Questions removed from a bank's file stop being drawn; attempts keep their versions.
    for question in session.scalars(
        select(Question).where(
            Question.bank_id == row.id, Question.active, Question.qid.not_in(seen)
        )
    ):
        question.active = False
        report.questions_retired += 1


def _import_quiz(session, quiz) -> bool:
    """Create or update a quiz; True when anything changed."""
    definition = dataclasses.asdict(quiz)
    definition.pop("path", None)
    # Through JSON, so the comparison below sees what the database would hand back.
    definition = json.loads(json.dumps(definition, ensure_ascii=False))
    row = session.scalar(select(Quiz).where(Quiz.slug == quiz.id))
    if row is None:
        session.add(
            Quiz(
                slug=quiz.id,
                title=quiz.title,
                definition=definition,
                course_code=quiz.course,
                active=True,
            )
        )
        return True
    wanted = (quiz.title, definition, quiz.course, True)
    if (row.title, row.definition, row.course_code, row.active) == wanted:
        return False
    row.title, row.definition, row.course_code, row.active = wanted
    return True


def content_root(app: Flask) -> Path:
    """Where the shipped content lives (the checkout, unless TRAINER_CONTENT_ROOT says else)."""
    return Path(app.config["CONTENT_ROOT"])


def import_tree(app: Flask, root: Path, *, actor: User | None = None) -> ImportReport:
    """Load and import the tree at ``root`` in one transaction; nothing changes on error."""
    content = load_content(root, asset_url=asset_url)
    session = app.extensions["sessionmaker"]()
    try:
        report = import_content(session, content, actor=actor)
        session.commit()
        return report
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def import_shipped_content(app: Flask) -> ImportReport:
    """Import the courses and quizzes that ship with trainer."""
    return import_tree(app, content_root(app))
