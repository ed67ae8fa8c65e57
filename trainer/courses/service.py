"""Reading progress, acknowledgements and manual search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session, selectinload

from trainer import audit
from trainer.db import utcnow
from trainer.models import (
    Acknowledgement,
    Counter,
    Course,
    CourseVersion,
    Lesson,
    LessonRead,
    Section,
    User,
)
from trainer.models.content import CONTENT_REVISION


class CourseError(ValueError):
    """A reading action that cannot be done now, with the reason."""


@dataclass
class CourseStatus:
    """Where one learner stands with one course."""

    course: Course
    version: CourseVersion
    lessons_total: int
    lessons_read: int
    acknowledged: bool  # for the current major version
    acknowledged_version: str | None  # the latest version ever acknowledged
    acknowledged_at: object | None

    @property
    def all_read(self) -> bool:
        """Every lesson of the current version has been marked as read."""
        return self.lessons_read >= self.lessons_total

    @property
    def needs_reacknowledgement(self) -> bool:
        """Acknowledged once, but a new major version asks again."""
        return not self.acknowledged and self.acknowledged_version is not None

    @property
    def percent(self) -> int:
        """Reading progress, 0–100."""
        return round(100 * self.lessons_read / self.lessons_total) if self.lessons_total else 100

    @property
    def state(self) -> str:
        """not_started | reading | to_acknowledge | reacknowledge | acknowledged."""
        if self.acknowledged:
            return "acknowledged"
        if self.needs_reacknowledgement:
            # A new major version: asked again whether or not the lessons were read again yet.
            return "reacknowledge"
        if self.all_read:
            return "to_acknowledge"
        return "reading" if self.lessons_read else "not_started"


def current_courses(session: Session) -> list[tuple[Course, CourseVersion]]:
    """Active courses with their current version, lessons loaded, in catalogue order."""
    rows = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
        .where(Course.active)
        .options(
            selectinload(CourseVersion.lessons).load_only(
                Lesson.slug, Lesson.position, Lesson.title
            )
        )
        .order_by(Course.position, Course.code)
    ).all()
    return [(c, v) for c, v in rows]


def course_by_code(session: Session, code: str) -> tuple[Course, CourseVersion] | None:
    """An active course and its current version, or None."""
    row = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
        .where(Course.code == code, Course.active)
        .options(
            selectinload(CourseVersion.lessons).load_only(
                Lesson.slug, Lesson.position, Lesson.title
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


def _major_starts(session: Session, ids: list[int]) -> dict[tuple[int, int], datetime]:
    """(course id, major) -> when the first version of that major was imported."""
    rows = session.execute(
        select(CourseVersion.course_id, CourseVersion.major, func.min(CourseVersion.imported_at))
        .where(CourseVersion.course_id.in_(ids))
        .group_by(CourseVersion.course_id, CourseVersion.major)
    )
    return {(course_id, major): at for course_id, major, at in rows}


def _counts(read_at: datetime | None, since: datetime | None) -> bool:
    # Reading counts across minor versions; a new major version asks to read again.
    return since is None or read_at is None or read_at >= since


def statuses(
    session: Session, user: User, courses: list[tuple[Course, CourseVersion]]
) -> list[CourseStatus]:
    """The user's status in each course, with three queries whatever the number of courses."""
    ids = [c.id for c, _ in courses]
    majors = {c.id: v.major for c, v in courses}
    starts = _major_starts(session, ids)
    read: dict[int, set[str]] = {}
    for course_id, slug, read_at in session.execute(
        select(LessonRead.course_id, LessonRead.lesson_slug, LessonRead.read_at).where(
            LessonRead.user_id == user.id, LessonRead.course_id.in_(ids)
        )
    ):
        if _counts(read_at, starts.get((course_id, majors[course_id]))):
            read.setdefault(course_id, set()).add(slug)
    acks: dict[int, list[Acknowledgement]] = {}
    for ack in session.scalars(
        select(Acknowledgement)
        .where(Acknowledgement.user_id == user.id, Acknowledgement.course_id.in_(ids))
        .order_by(Acknowledgement.acknowledged_at)
    ):
        acks.setdefault(ack.course_id, []).append(ack)
    out = []
    for course, version in courses:
        slugs = {lesson.slug for lesson in version.lessons}
        mine = acks.get(course.id, [])
        current = [a for a in mine if a.major == version.major]
        out.append(
            CourseStatus(
                course=course,
                version=version,
                lessons_total=len(slugs),
                lessons_read=len(slugs & read.get(course.id, set())),
                acknowledged=bool(current),
                acknowledged_version=mine[-1].version if mine else None,
                acknowledged_at=current[-1].acknowledged_at if current else None,
            )
        )
    return out


def read_slugs(session: Session, user: User, course: Course, version: CourseVersion) -> set[str]:
    """Slugs of the lessons the user has marked as read in this major version of the course."""
    since = _major_starts(session, [course.id]).get((course.id, version.major))
    return {
        slug
        for slug, read_at in session.execute(
            select(LessonRead.lesson_slug, LessonRead.read_at).where(
                LessonRead.user_id == user.id, LessonRead.course_id == course.id
            )
        )
        if _counts(read_at, since)
    }


def mark_read(
    session: Session, user: User, course: Course, version: CourseVersion, slug: str
) -> None:
    """Record that ``user`` read the lesson (idempotent within a major version)."""
    row = session.get(LessonRead, (user.id, course.id, slug))
    if row is None:
        session.add(LessonRead(user_id=user.id, course_id=course.id, lesson_slug=slug))
        return
    since = _major_starts(session, [course.id]).get((course.id, version.major))
    if not _counts(row.read_at, since):
        row.read_at = utcnow()  # read again for the new major version


def acknowledge(session: Session, user: User, course: Course, version: CourseVersion) -> None:
    """'I have read and understood version N' — only once every lesson is read."""
    status = statuses(session, user, [(course, version)])[0]
    if not status.all_read:
        raise CourseError("read every lesson before you acknowledge the course")
    if status.acknowledged and status.acknowledged_version == version.version:
        return
    exists = session.scalar(
        select(Acknowledgement.id).where(
            Acknowledgement.user_id == user.id,
            Acknowledgement.course_id == course.id,
            Acknowledgement.version == version.version,
        )
    )
    if exists is None:
        session.add(
            Acknowledgement(
                user_id=user.id, course_id=course.id, version=version.version, major=version.major
            )
        )
        audit.record(
            session,
            "course.acknowledged",
            actor=user,
            target=course,
            details={"version": version.version},
        )


#: A piece of a search snippet and whether it is a searched word (shown marked).
SnippetPart = tuple[str, bool]


@dataclass
class SearchHit:
    """A manual section matching a search."""

    course_code: str
    course_title: dict
    lesson_slug: str
    lesson_title: dict
    anchor: str
    title: str
    snippet: list[SnippetPart]


def _is_word_char(char: str) -> bool:
    """A character that belongs to a Latin-script word (letters, digits), which we never cut."""
    return char.isalnum() and not _is_cjk(char)


def _is_cjk(char: str) -> bool:
    # Chinese has no spaces between words: any character boundary is a place to cut.
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or char >= "\U00020000"


def _boundary(text: str, at: int) -> bool:
    """Whether cutting ``text`` at ``at`` keeps every Latin-script word whole."""
    if at <= 0 or at >= len(text):
        return True
    return not (_is_word_char(text[at - 1]) and _is_word_char(text[at]))


def _snippet(text: str, words: list[str], width: int = 80) -> list[SnippetPart]:
    """About ``2 * width`` characters of ``text`` around the first searched word, cut between
    words (English) or characters (Chinese), with every searched word marked."""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    at, length = (first.start(), len(first.group())) if first else (0, 0)
    start = max(0, at - width) if first else 0
    end = min(len(text), at + length + width) if first else min(len(text), 2 * width)
    while not _boundary(text, start) and start < at:
        start += 1
    while not _boundary(text, end) and end > at + length:
        end -= 1
    if end <= at + length and not first:  # one long word: cut it rather than show nothing
        end = min(len(text), 2 * width)
    piece = text[start:end].strip()
    parts: list[SnippetPart] = [("…", False)] if start > 0 else []
    position = 0
    for match in pattern.finditer(piece):
        if match.start() > position:
            parts.append((piece[position : match.start()], False))
        parts.append((match.group(), True))
        position = match.end()
    if position < len(piece):
        parts.append((piece[position:], False))
    if end < len(text):
        parts.append(("…", False))
    return parts


def search(session: Session, query: str, lang: str, limit: int = 30) -> list[SearchHit]:
    """Sections of current course versions whose title or text contains every word of ``query``.

    Substring matching works for Chinese (no word breaks) and English alike; queries in either
    language find sections in both, and the hit (title and snippet) is shown in the reader's
    language: an English word that finds a Chinese section shows that section's Chinese text.
    """
    words = [w for w in query.split() if w][:5]
    if not words:
        return []
    conditions = []
    for word in words:
        # % and _ typed by the reader are searched for, not used as wildcards.
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        conditions.append(
            or_(
                *(
                    func.lower(column).like(like, escape="\\")
                    for column in (
                        Section.title_en,
                        Section.text_en,
                        Section.title_zh,
                        Section.text_zh,
                    )
                )
            )
        )
    rows = session.execute(
        select(Section, Lesson, Course, CourseVersion)
        .join(Lesson, Section.lesson_id == Lesson.id)
        .join(CourseVersion, Lesson.course_version_id == CourseVersion.id)
        .join(Course, CourseVersion.course_id == Course.id)
        .where(CourseVersion.current, Course.active, *conditions)
        .order_by(Course.position, Lesson.position, Section.position)
        .limit(limit)
    ).all()
    hits = []
    for section, lesson, course, version in rows:
        title = section.title_zh if lang == "zh" else section.title_en
        text = section.text_zh if lang == "zh" else section.text_en
        hits.append(
            SearchHit(
                course.code,
                version.title,
                lesson.slug,
                lesson.title,
                section.anchor,
                title,
                _snippet(text, words),
            )
        )
    return hits


@dataclass(frozen=True)
class ManualLink:
    """A ``course/lesson#anchor`` link of a question, with what the reader will find there."""

    code: str
    slug: str
    anchor: str | None
    title: str | None  # the section's (or lesson's) title; None when it no longer exists


# Built once (expanding IN parameters): every result page asks, with different links.
_MANUAL_TITLES = (
    select(
        Course.code,
        Lesson.slug,
        Lesson.title,
        Section.anchor,
        Section.title_zh,
        Section.title_en,
    )
    .join(CourseVersion, CourseVersion.course_id == Course.id)
    .join(Lesson, Lesson.course_version_id == CourseVersion.id)
    .outerjoin(Section, Section.lesson_id == Lesson.id)
    .where(
        CourseVersion.current,
        Course.code.in_(bindparam("codes", expanding=True)),
        Lesson.slug.in_(bindparam("slugs", expanding=True)),
    )
)


_REVISION = select(Counter.value).where(Counter.name == CONTENT_REVISION)
#: How many (content revision, language) entries the app's link cache keeps.
_LINKS_LIMIT = 8


def manual_links(session: Session, links: list[str], lang: str) -> dict[str, ManualLink]:
    """Each ``course/lesson#anchor`` link with its title in ``lang``.

    A result page names where each link goes: a row of identical "read the manual" links says
    nothing, and screen readers list links by their text. Titles come from the courses'
    current versions. A link whose section is gone gets its lesson's title; one whose lesson is
    gone keeps ``title`` None (the page then shows a generic text).

    Looked-up links are kept in the app by content revision and language: titles change only
    with an import, which bumps the revision (as for drawing.drawable). The result page of a
    quiz names 15-20 links, and looking them up (a join of four tables) took a sixth of its
    time; now one small query asks for the revision, and a second only for links not yet seen.
    Without an app context (scripts, tests) nothing is kept.
    """
    known: dict[str, ManualLink | None] = {}
    if has_app_context():
        cache = current_app.extensions.setdefault("trainer.manual_links", {})
        key = (session.scalar(_REVISION) or 0, lang)
        if key not in cache and len(cache) >= _LINKS_LIMIT:
            cache.clear()
        known = cache.setdefault(key, {})
    missing = [link for link in dict.fromkeys(links) if link not in known]
    if missing:
        known.update(dict.fromkeys(missing))  # None: not a link (no course or lesson)
        known.update(_look_up(session, missing, lang))
    return {link: known[link] for link in links if known[link] is not None}


def _look_up(session: Session, links: list[str], lang: str) -> dict[str, ManualLink]:
    parsed = {}
    for link in links:
        path, _, anchor = link.partition("#")
        code, _, slug = path.partition("/")
        if code and slug:
            parsed[link] = (code, slug, anchor or None)
    if not parsed:
        return {}
    rows = (
        session.connection()
        .execute(
            _MANUAL_TITLES,
            {
                "codes": sorted({code for code, _slug, _anchor in parsed.values()}),
                "slugs": sorted({slug for _code, slug, _anchor in parsed.values()}),
            },
        )
        .all()
    )
    lessons: dict[tuple[str, str], str] = {}
    sections: dict[tuple[str, str, str], str] = {}
    for code, slug, lesson_title, anchor, title_zh, title_en in rows:
        lessons[(code, slug)] = (lesson_title or {}).get(lang) or (lesson_title or {}).get("en")
        if anchor is not None:
            sections[(code, slug, anchor)] = title_zh if lang == "zh" else title_en
    return {
        link: ManualLink(
            code,
            slug,
            anchor,
            # A section renamed away still leaves its lesson worth opening.
            (anchor and sections.get((code, slug, anchor))) or lessons.get((code, slug)),
        )
        for link, (code, slug, anchor) in parsed.items()
    }
