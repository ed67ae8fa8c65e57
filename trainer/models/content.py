"""Imported procedure manuals, question banks and quizzes, plus each learner's reading record."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from trainer.db import Base, UTCDateTime, utcnow


class Course(Base):
    """A procedure manual; its content lives in versions."""

    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    # The version learners read now: the one flagged current (exactly one per course).
    current_version: Mapped[CourseVersion | None] = relationship(
        primaryjoin="and_(Course.id == CourseVersion.course_id, CourseVersion.current)",
        viewonly=True,
        uselist=False,
    )


class CourseVersion(Base):
    """One imported version of a course; a new MAJOR asks learners to acknowledge again."""

    __tablename__ = "course_version"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(20))
    major: Mapped[int]
    minor: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[dict]
    summary: Mapped[dict]
    audience: Mapped[list]
    estimated_minutes: Mapped[int]
    required_quizzes: Mapped[list]
    required_drills: Mapped[list]
    certificate_validity_months: Mapped[int]
    # Days before a certificate expires that the course is assigned again (course.yaml).
    recertify_days: Mapped[int] = mapped_column(default=30, server_default="30")
    prerequisites: Mapped[list]

    course: Mapped[Course] = relationship()
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course_version", order_by="Lesson.position", cascade="all, delete-orphan"
    )


class Lesson(Base):
    """A lesson of a course version, rendered and sanitised at import time."""

    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_version.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    title: Mapped[dict]
    sources: Mapped[list]
    html_zh: Mapped[str] = mapped_column(Text)
    html_en: Mapped[str] = mapped_column(Text)

    course_version: Mapped[CourseVersion] = relationship(back_populates="lessons")
    sections: Mapped[list[Section]] = relationship(
        back_populates="lesson", order_by="Section.position", cascade="all, delete-orphan"
    )

    def html(self, lang: str) -> str:
        """The lesson's sanitised HTML in ``lang``."""
        return self.html_zh if lang == "zh" else self.html_en


class Section(Base):
    """A headed section of a lesson: the unit of search and of manual links."""

    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    anchor: Mapped[str] = mapped_column(String(120))
    level: Mapped[int]
    title_zh: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)

    lesson: Mapped[Lesson] = relationship(back_populates="sections")


class LessonRead(Base):
    """A learner marked a lesson as read (kept across minor versions of the course)."""

    __tablename__ = "lesson_read"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), primary_key=True)
    lesson_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Acknowledgement(Base):
    """'I have read and understood version N': counts while the course's major version is N."""

    __tablename__ = "acknowledgement"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    version: Mapped[str] = mapped_column(String(20))
    major: Mapped[int] = mapped_column(Integer)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionBank(Base):
    """A named set of questions (one YAML file, or one GIFT import)."""

    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[dict]
    origin: Mapped[str] = mapped_column(String(20), default="content")  # content | gift
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="bank", order_by="Question.position"
    )


class Question(Base):
    """A question as imported; attempts use its QuestionVersion rows, so edits change no history."""

    __tablename__ = "question"
    # Ids are unique within a bank, not across banks (as Moodle's question names): the same
    # GIFT file can be imported into two banks. Shipped banks keep their ids unique among
    # themselves (the content checker), so a quiz's fixed questions name one question.
    __table_args__ = (UniqueConstraint("bank_id", "qid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"), index=True)
    qid: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list]
    difficulty: Mapped[int] = mapped_column(default=1)
    points: Mapped[float] = mapped_column(default=1.0)
    data: Mapped[dict]
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)

    bank: Mapped[QuestionBank] = relationship(back_populates="questions")


def question_hash(data: dict) -> str:
    """The content address of a question: SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class QuestionVersion(Base):
    """One version of a question's content, addressed by its hash and never changed.

    Attempt items point here instead of copying the question, so an edited question never
    changes an attempt already started, and a worker may cache the parsed JSON for as long as
    it likes (see question_snapshots): the same hash always means the same content.
    """

    __tablename__ = "question_version"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    data: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def store_question_versions(session: Session, questions: Iterable[Question]) -> None:
    """Record the current content of ``questions`` as versions, once per content hash."""
    wanted = {q.content_hash: q for q in questions}
    if not wanted:
        return
    session.flush()  # new questions need their ids
    known = set(
        session.scalars(
            select(QuestionVersion.content_hash).where(QuestionVersion.content_hash.in_(wanted))
        )
    )
    session.add_all(
        QuestionVersion(content_hash=digest, question_id=q.id, data=q.data)
        for digest, q in wanted.items()
        if digest not in known
    )


#: The Counter that every content import bumps (YAML or GIFT): caches of what quizzes may draw
#: are keyed by it, so an import reaches every worker's next attempt.
CONTENT_REVISION = "content-revision"


# Parsed question versions by hash, per process. Versions never change, so entries never go
# stale; the bound keeps memory flat (a question is a few kilobytes of JSON). Reads take no lock
# (a dict lookup is atomic); the oldest entries go first when it is full.
_SNAPSHOT_LIMIT = 2048
_snapshots: dict[str, dict] = {}
_snapshots_lock = threading.Lock()


def question_snapshots(session: Session | None, hashes: Iterable[str]) -> dict[str, dict]:
    """The question data of each version hash, from this process's cache or one query.

    The dicts are shared between requests: read them, never change them. Without a session
    (an object no longer attached to one) only cached versions can be answered.
    """
    found: dict[str, dict] = {}
    missing = set()
    for digest in hashes:
        data = _snapshots.get(digest)
        if data is None:
            missing.add(digest)
        else:
            found[digest] = data
    if missing:
        if session is None:
            raise LookupError(f"question versions not loaded: {', '.join(sorted(missing))}")
        rows = session.execute(
            select(QuestionVersion.content_hash, QuestionVersion.data).where(
                QuestionVersion.content_hash.in_(missing)
            )
        ).all()
        with _snapshots_lock:
            for digest, data in rows:
                found[digest] = _snapshots[digest] = data
            for oldest in list(_snapshots)[: max(0, len(_snapshots) - _SNAPSHOT_LIMIT)]:
                del _snapshots[oldest]
    return found


class Quiz(Base):
    """A quiz definition: pools, timing, pass mark, attempts and review policy."""

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    course_code: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[dict]
    definition: Mapped[dict]
    active: Mapped[bool] = mapped_column(default=True)
    # content: quizzes/quizzes/<slug>.yaml (an import replaces it); web: assembled by an admin
    # on the web (trainer/quizzes/builder.py), left alone by content imports.
    origin: Mapped[str] = mapped_column(String(20), default="content", server_default="content")
