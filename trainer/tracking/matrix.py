"""The team matrix: staff × assigned items, each cell decided by trainer.domain.tracking.

Built with a fixed number of statements whatever the number of people, items or attempts
(people; assignments; courses; quizzes; drills; certificates; lessons read; acknowledgements;
attempt totals; best drill runs): each is one query over everyone in scope, grouped in SQL
where rows would multiply.

Drills get a column when they are assigned, and when a course assigned to someone requires
them (its current version's ``required_drills``): those cells share the course's due day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from trainer.certificates.service import local_day
from trainer.db import utcnow
from trainer.domain.tracking import Cell, Facts, State, decide, effective_due
from trainer.drills.service import PersonResult, best_results
from trainer.models import (
    Acknowledgement,
    Assignment,
    Attempt,
    AttemptStatus,
    Certificate,
    Course,
    CourseVersion,
    Drill,
    Lesson,
    LessonRead,
    Quiz,
    Store,
    TargetKind,
    User,
    user_stores,
)
from trainer.tracking.service import Item, assignments_query, staff_query, today

SORTS = ("name", "store", "overdue")


@dataclass
class Column:
    """An assigned item, with how many people are in each state."""

    item: Item
    counts: Counter = field(default_factory=Counter)


@dataclass
class Row:
    """A person and their cells by item key (no cell: not assigned to them)."""

    id: int
    name: str
    employee_no: str | None
    store_code: str
    store_id: int
    cells: dict[str, Cell] = field(default_factory=dict)

    def count(self, state: State) -> int:
        """How many of the person's cells are in ``state``."""
        return sum(1 for cell in self.cells.values() if cell.state is state)


@dataclass
class Matrix:
    """Columns and rows, filtered and sorted; ``assignments`` per (person, item) key."""

    columns: list[Column]
    rows: list[Row]
    assignments: dict[tuple[int, str], list[Assignment]]


@dataclass
class _Course:
    id: int
    title: dict
    major: int
    required_quizzes: list
    required_drills: list
    recertify_days: int
    lessons: int


def _courses(session: Session) -> dict[str, _Course]:
    lessons = (
        select(func.count(Lesson.id))
        .where(Lesson.course_version_id == CourseVersion.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Course.code,
            Course.id,
            CourseVersion.title,
            CourseVersion.major,
            CourseVersion.required_quizzes,
            CourseVersion.required_drills,
            CourseVersion.recertify_days,
            lessons,
        ).join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
    )
    return {code: _Course(*rest) for code, *rest in rows}


def _reads(session: Session, people: Select) -> dict[tuple[int, int], int]:
    """Lessons of each course's current version read in its current major, per person."""
    first = aliased(CourseVersion)
    major_start = (
        select(func.min(first.imported_at))
        .where(first.course_id == CourseVersion.course_id, first.major == CourseVersion.major)
        .scalar_subquery()
    )
    rows = session.execute(
        select(LessonRead.user_id, LessonRead.course_id, func.count())
        .join(
            CourseVersion,
            (CourseVersion.course_id == LessonRead.course_id) & CourseVersion.current,
        )
        .join(
            Lesson,
            (Lesson.course_version_id == CourseVersion.id)
            & (Lesson.slug == LessonRead.lesson_slug),
        )
        .where(LessonRead.user_id.in_(people), LessonRead.read_at >= major_start)
        .group_by(LessonRead.user_id, LessonRead.course_id)
    )
    return {(user_id, course_id): n for user_id, course_id, n in rows}


def _acks(session: Session, people: Select) -> set[tuple[int, int]]:
    rows = session.execute(
        select(Acknowledgement.user_id, Acknowledgement.course_id)
        .join(
            CourseVersion,
            (CourseVersion.course_id == Acknowledgement.course_id)
            & CourseVersion.current
            & (CourseVersion.major == Acknowledgement.major),
        )
        .where(Acknowledgement.user_id.in_(people))
        .distinct()
    )
    return {(u, c) for u, c in rows}


@dataclass
class _Tries:
    graded: int = 0
    best: float | None = None
    passed: bool = False
    open: bool = False


def _attempts(session: Session, people: Select) -> dict[tuple[int, int], _Tries]:
    graded = Attempt.status == AttemptStatus.GRADED
    rows = session.execute(
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            func.sum(case((graded, 1), else_=0)),
            func.max(case((graded, Attempt.percent))),
            func.sum(case((graded & Attempt.passed.is_(True), 1), else_=0)),
            func.sum(case((graded, 0), else_=1)),
        )
        .where(Attempt.user_id.in_(people))
        .group_by(Attempt.user_id, Attempt.quiz_id)
    )
    return {
        (u, q): _Tries(int(n or 0), best, bool(passed), bool(open_))
        for u, q, n, best, passed, open_ in rows
    }


@dataclass(frozen=True)
class _Cert:
    expires_at: datetime | None
    score_percent: float | None


def _certificates(session: Session, people: Select) -> dict[tuple[int, int], _Cert]:
    """Each person's valid certificate per course that lasts longest.

    Two columns rather than Certificate objects: at 5,000 people, building the ORM objects
    took most of the matrix's time.
    """
    now = utcnow()
    best: dict[tuple[int, int], _Cert] = {}
    for user_id, course_id, expires_at, score in session.execute(
        select(
            Certificate.user_id,
            Certificate.course_id,
            Certificate.expires_at,
            Certificate.score_percent,
        ).where(
            Certificate.user_id.in_(people),
            Certificate.revoked_at.is_(None),
            (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now),
        )
    ):
        key = (user_id, course_id)
        held = best.get(key)
        if held is None or (
            held.expires_at is not None and (expires_at is None or expires_at > held.expires_at)
        ):
            best[key] = _Cert(expires_at, score)
    return best


def build(
    session: Session,
    viewer: User | None,
    *,
    store_id: int | None = None,
    item_key: str | None = None,
    state: str | None = None,
    sort: str = "name",
    person_id: int | None = None,
    on: date | None = None,
) -> Matrix:
    """The matrix for ``viewer``'s scope with the page's filters (or one person's row).

    Without a viewer (the daily reminder run) every store is in scope.
    """
    if person_id is not None:
        people = select(User.id).where(User.id == person_id)
        assignments = select(Assignment).where(
            Assignment.cancelled_at.is_(None),
            (Assignment.user_id == person_id)
            | Assignment.store_id.in_(
                select(user_stores.c.store_id).where(user_stores.c.user_id == person_id)
            ),
        )
    else:
        people = staff_query(viewer, store_id)
        assignments = assignments_query(viewer, store_id)
    rows: dict[int, Row] = {}
    joined: dict[int, date] = {}
    for uid, name, number, created, sid, code in session.execute(
        select(User.id, User.name, User.employee_no, User.created_at, Store.id, Store.code)
        .join(user_stores, user_stores.c.user_id == User.id, isouter=True)
        .join(Store, Store.id == user_stores.c.store_id, isouter=True)
        .where(User.id.in_(people))
        .order_by(User.name, User.id)
    ):
        if uid not in rows:
            rows[uid] = Row(uid, name, number, code or "—", sid or 0)
            joined[uid] = local_day(created)
    by_store: dict[int, list[int]] = defaultdict(list)
    for row in rows.values():
        by_store[row.store_id].append(row.id)
    courses = _courses(session)
    quizzes = {
        slug: (qid, title, definition)
        for qid, slug, title, definition in session.execute(
            select(Quiz.id, Quiz.slug, Quiz.title, Quiz.definition)
        )
    }
    drills = {slug: title for slug, title in session.execute(select(Drill.slug, Drill.title))}
    certificates = _certificates(session, people)
    reads = _reads(session, people)
    acks = _acks(session, people)
    tries = _attempts(session, people)
    runs = best_results(session, rows)

    columns: dict[str, Column] = {}
    covering: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    titles = {TargetKind.COURSE: courses, TargetKind.QUIZ: quizzes, TargetKind.DRILL: drills}
    for assignment in session.scalars(assignments.order_by(Assignment.id)):
        items = [(assignment.kind, assignment.ref)]
        if assignment.kind == TargetKind.COURSE and assignment.ref in courses:
            required = courses[assignment.ref].required_drills or []
            items += [(TargetKind.DRILL.value, slug) for slug in required]
        who = [assignment.user_id] if assignment.user_id else by_store.get(assignment.store_id, [])
        for kind, ref in items:
            key = f"{kind}:{ref}"
            if item_key and key != item_key:
                continue
            if key not in columns:
                columns[key] = Column(Item(kind, ref, _title(kind, ref, titles)))
            for uid in who:
                if uid in rows:
                    covering[(uid, key)].append(assignment)

    now_day = on or today()
    for (uid, key), found in covering.items():
        column = columns[key]
        due = min(
            effective_due(a.due_on, local_day(a.created_at), joined[uid])
            if a.store_id
            else a.due_on
            for a in found
        )
        if column.item.kind == TargetKind.DRILL:
            rows[uid].cells[key] = _drill_cell(runs.get(uid, {}).get(column.item.ref), due, now_day)
            continue
        facts, recertify = _facts(
            column.item, uid, courses, quizzes, certificates, reads, acks, tries
        )
        rows[uid].cells[key] = decide(column.item.kind, facts, due, now_day, recertify)

    chosen = [r for r in rows.values() if r.cells or person_id is not None]
    if state:
        chosen = [r for r in chosen if any(c.state == state for c in r.cells.values())]
    for row in chosen:
        for key, cell in row.cells.items():
            columns[key].counts[cell.state] += 1
    if sort == "store":
        chosen.sort(key=lambda r: (r.store_code, r.name))
    elif sort == "overdue":
        chosen.sort(key=lambda r: (-r.count(State.OVERDUE), -r.count(State.FAILED), r.name))
    ordered = sorted(columns.values(), key=lambda c: (c.item.kind != TargetKind.COURSE, c.item.ref))
    return Matrix(ordered, chosen, dict(covering))


def _title(kind: str, ref: str, titles: dict[str, dict]) -> dict:
    known = titles.get(kind, {})
    if ref not in known:
        return {"en": ref, "zh": ref}  # no longer imported
    if kind == TargetKind.COURSE:
        return known[ref].title
    if kind == TargetKind.QUIZ:
        return known[ref][1]
    return known[ref]


def _drill_cell(best: PersonResult | None, due: date, today: date) -> Cell:
    """A drill's cell from the person's best finished run (passed first, then score)."""
    facts = Facts(attempts=1 if best else 0, best=best.percent if best else None)
    facts = replace(facts, passed=bool(best and best.passed))
    cell = decide(TargetKind.DRILL.value, facts, due, today)
    # One "attempt" stands for "has run it": the cell shows the critical error, not a count.
    return replace(
        cell, attempts=0, critical=bool(best and not best.passed and best.critical_count)
    )


def _facts(item: Item, uid: int, courses, quizzes, certificates, reads, acks, tries):
    """The facts of one person and one item, and the item's recertification window."""
    if item.kind == TargetKind.COURSE and item.ref in courses:
        course = courses[item.ref]
        quiz_ids = [quizzes[s][0] for s in course.required_quizzes if s in quizzes]
        done = [tries.get((uid, q), _Tries()) for q in quiz_ids]
        cert = certificates.get((uid, course.id))
        bests = [t.best for t in done if t.best is not None]
        return (
            Facts(
                lessons_read=reads.get((uid, course.id), 0),
                lessons_total=course.lessons,
                acknowledged=(uid, course.id) in acks,
                attempts=sum(t.graded for t in done),
                best=max(bests) if bests else None,
                passed=bool(done) and all(t.passed for t in done),
                in_progress=any(t.open for t in done),
                certificate_valid=cert is not None,
                certificate_expires=local_day(cert.expires_at) if cert else None,
                certificate_score=cert.score_percent if cert else None,
            ),
            course.recertify_days,
        )
    if item.kind == TargetKind.QUIZ and item.ref in quizzes:
        qid, _, definition = quizzes[item.ref]
        t = tries.get((uid, qid), _Tries())
        return (
            Facts(
                attempts=t.graded,
                best=t.best,
                passed=t.passed,
                in_progress=t.open,
                max_attempts=definition.get("max_attempts"),
            ),
            30,
        )
    return Facts(), 30  # an item no longer imported: nothing to go on
