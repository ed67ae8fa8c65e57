"""The facts behind every tracking state, gathered for many people at once, and a learner's
standing in every course and quiz.

One way to know where someone stands: the team matrix, the person page, the start page, the
course page and the quiz list all gather facts here and let ``trainer.domain.tracking.decide``
turn them into states. Gathering takes a fixed number of statements whatever the number of
people, items or attempts (courses; quizzes; drills; certificates; lessons read;
acknowledgements; attempt totals; drills passed), each one query over everyone in ``people``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, aliased

from trainer.certificates.service import local_day, local_zone, status_of
from trainer.db import utcnow
from trainer.domain.tracking import (
    Cell,
    Facts,
    Requirement,
    State,
    Step,
    decide,
    next_step,
)
from trainer.models import (
    Acknowledgement,
    Attempt,
    AttemptStatus,
    Certificate,
    Course,
    CourseVersion,
    Drill,
    DrillParticipant,
    DrillRun,
    Lesson,
    LessonRead,
    Quiz,
    TargetKind,
    User,
)


@dataclass
class CourseInfo:
    """A course's current version, as tracking needs it."""

    id: int
    title: dict
    major: int
    required_quizzes: list
    required_drills: list
    recertify_days: int
    lessons: int
    active: bool


@dataclass
class QuizInfo:
    """A quiz, as tracking needs it."""

    id: int
    title: dict
    definition: dict
    active: bool


@dataclass
class Tries:
    """One person's attempts at one quiz, summed up."""

    graded: int = 0
    best: float | None = None
    open: bool = False
    last_submitted: datetime | None = None  # any attempt handed in (cool-downs run from it)
    last_graded: datetime | None = None
    last_passed: datetime | None = None

    def passed_since(self, since: datetime | None, grading: str) -> bool:
        """Whether the quiz counts as passed under its grading policy, by evidence after
        ``since``: any passed attempt (highest), or the latest graded one passed (latest)."""
        if self.last_passed is None or (since is not None and self.last_passed <= since):
            return False
        return grading != "latest" or self.last_passed >= self.last_graded


#: No attempts at all (shared: it is only read).
_NO_TRIES = Tries()


@dataclass(frozen=True)
class HeldCertificate:
    """What tracking reads of a certificate (status_of takes it like a Certificate).

    Columns rather than Certificate objects: at 5,000 staff, building 14,000 ORM objects took
    most of the team matrix's time.
    """

    expires_at: datetime | None
    revoked_at: datetime | None
    score_percent: float | None


@dataclass
class Held:
    """One person's certificates for one course: the valid one lasting longest, the latest."""

    valid: HeldCertificate | None = None
    latest: HeldCertificate | None = None


def _courses(session: Session) -> dict[str, CourseInfo]:
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
            Course.active,
        )
        .join(CourseVersion, (CourseVersion.course_id == Course.id) & CourseVersion.current)
        .order_by(Course.position, Course.code)
    )
    return {code: CourseInfo(*rest) for code, *rest in rows}


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


def _attempts(session: Session, people: Select) -> dict[tuple[int, int], Tries]:
    graded = Attempt.status == AttemptStatus.GRADED
    passed = graded & Attempt.passed.is_(True)
    rows = session.execute(
        select(
            Attempt.user_id,
            Attempt.quiz_id,
            func.sum(case((graded, 1), else_=0)),
            func.max(case((graded, Attempt.percent))),
            func.sum(case((graded, 0), else_=1)),
            func.max(Attempt.submitted_at),
            func.max(case((graded, Attempt.submitted_at))),
            func.max(case((passed, Attempt.submitted_at))),
        )
        .where(Attempt.user_id.in_(people))
        .group_by(Attempt.user_id, Attempt.quiz_id)
    )
    return {
        (u, q): Tries(int(n or 0), best, bool(open_), *moments)
        for u, q, n, best, open_, *moments in rows
    }


def _certificates(session: Session, people: Select) -> dict[tuple[int, int], list[HeldCertificate]]:
    """Per person and course: their certificates, oldest first (which is valid depends on when:
    ``Gathered.held`` decides at its ``now``)."""
    held: dict[tuple[int, int], list[HeldCertificate]] = {}
    for user_id, course_id, *columns in session.execute(
        select(
            Certificate.user_id,
            Certificate.course_id,
            Certificate.expires_at,
            Certificate.revoked_at,
            Certificate.score_percent,
        )
        .where(Certificate.user_id.in_(people))
        .order_by(Certificate.issued_at, Certificate.id)
    ):
        held.setdefault((user_id, course_id), []).append(HeldCertificate(*columns))
    return held


def held_at(certificates: list[HeldCertificate], now: datetime) -> Held:
    """The valid certificate that lasts longest at ``now``, and the latest one."""
    held = Held(latest=certificates[-1] if certificates else None)
    for cert in certificates:
        if status_of(cert, now) != "valid":
            continue
        best = held.valid
        if best is None or (
            best.expires_at is not None
            and (cert.expires_at is None or cert.expires_at > best.expires_at)
        ):
            held.valid = cert
    return held


def _drills(session: Session, people: Select) -> dict[tuple[int, str], datetime]:
    """Per person and drill slug: when they last passed it."""
    rows = session.execute(
        select(DrillParticipant.user_id, Drill.slug, func.max(DrillParticipant.finished_at))
        .join(DrillRun, DrillRun.id == DrillParticipant.run_id)
        .join(Drill, Drill.id == DrillRun.drill_id)
        .where(DrillParticipant.user_id.in_(people), DrillParticipant.passed.is_(True))
        .group_by(DrillParticipant.user_id, Drill.slug)
    )
    return {(uid, slug): at for uid, slug, at in rows}


def _is_after(moment: datetime | None, since: datetime | None) -> bool:
    return moment is not None and (since is None or moment > since)


@dataclass
class Gathered:
    """Everything tracking knows about the people in scope, from a fixed number of queries."""

    courses: dict[str, CourseInfo]
    quizzes: dict[str, QuizInfo]
    drills: dict[str, dict]  # slug -> title
    certificates: dict[tuple[int, int], list[HeldCertificate]]
    reads: dict[tuple[int, int], int]
    acks: set[tuple[int, int]]
    tries: dict[tuple[int, int], Tries]
    drills_passed: dict[tuple[int, str], datetime]
    now: datetime
    zone: tzinfo  # the stores' time zone, resolved once for every certificate's day
    _required_quizzes: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    def at(self, moment: datetime) -> Gathered:
        """The same facts judged at another moment (which certificates are still valid)."""
        return replace(self, now=moment)

    def held(self, uid: int, course_id: int) -> Held:
        """``uid``'s valid and latest certificate for a course, at ``now``."""
        return held_at(self.certificates.get((uid, course_id), []), self.now)

    def title(self, kind: str, ref: str) -> dict:
        """An item's title (its reference when it is no longer imported)."""
        if kind == TargetKind.COURSE and ref in self.courses:
            return self.courses[ref].title
        if kind == TargetKind.QUIZ and ref in self.quizzes:
            return self.quizzes[ref].title
        if kind == TargetKind.DRILL and ref in self.drills:
            return self.drills[ref]
        return {"en": ref, "zh": ref}

    def facts(self, kind: str, ref: str, uid: int, since: datetime | None = None) -> Facts:
        """The facts of one person and one item; passes count only after ``since`` if given."""
        if kind == TargetKind.COURSE and ref in self.courses:
            return self._course_facts(self.courses[ref], uid)
        if kind == TargetKind.QUIZ and ref in self.quizzes:
            quiz = self.quizzes[ref]
            tries = self.tries.get((uid, quiz.id), Tries())
            cooldown = quiz.definition.get("cooldown_minutes") or 0
            ready = (
                tries.last_submitted + timedelta(minutes=cooldown)
                if cooldown and tries.last_submitted
                else None
            )
            grading = quiz.definition.get("grading", "highest")
            return Facts(
                attempts=tries.graded,
                # Under "latest" the best score is not the one that counts: none is shown.
                best=tries.best if grading != "latest" else None,
                passed=tries.passed_since(since, grading),
                in_progress=tries.open,
                max_attempts=quiz.definition.get("max_attempts"),
                wait_until=ready if ready and ready > self.now else None,
            )
        if kind == TargetKind.DRILL:
            return Facts(passed=_is_after(self.drills_passed.get((uid, ref)), since))
        return Facts()  # an item no longer imported: nothing to go on

    def _required(self, course: CourseInfo) -> list[tuple[int, str]]:
        """A course's required quizzes still imported, as (id, grading policy); looked up once
        per course, not once per person (the team matrix asks for thousands of people)."""
        if course.id not in self._required_quizzes:
            self._required_quizzes[course.id] = [
                (q.id, q.definition.get("grading", "highest"))
                for q in (self.quizzes[s] for s in course.required_quizzes if s in self.quizzes)
            ]
        return self._required_quizzes[course.id]

    def _course_facts(self, course: CourseInfo, uid: int) -> Facts:
        required = self._required(course)
        done = [self.tries.get((uid, qid)) or _NO_TRIES for qid, _grading in required]
        held = self.held(uid, course.id)
        cert, latest = held.valid, held.latest
        bests = [t.best for t in done if t.best is not None]
        lapsed = status_of(latest, self.now) if latest is not None and cert is None else None
        return Facts(
            lessons_read=self.reads.get((uid, course.id), 0),
            lessons_total=course.lessons,
            acknowledged=(uid, course.id) in self.acks,
            attempts=sum(t.graded for t in done),
            best=max(bests) if bests else None,
            passed=bool(done)
            and all(
                t.passed_since(None, grading)
                for t, (_qid, grading) in zip(done, required, strict=True)
            ),
            in_progress=any(t.open for t in done),
            certificate_valid=cert is not None,
            certificate_expires=local_day(cert.expires_at, self.zone) if cert else None,
            certificate_score=cert.score_percent if cert else None,
            lapsed=lapsed,
            lapsed_on=local_day(
                latest.revoked_at if lapsed == "revoked" else latest.expires_at, self.zone
            )
            if lapsed
            else None,
        )

    def recertify_days(self, kind: str, ref: str) -> int:
        """Days before expiry that a course's certificate shows as expiring (30 otherwise)."""
        if kind == TargetKind.COURSE and ref in self.courses:
            return self.courses[ref].recertify_days
        return 30


def gather(session: Session, people: Select) -> Gathered:
    """The facts for everyone whose id ``people`` selects (eight statements)."""
    quizzes = {
        slug: QuizInfo(qid, title, definition, active)
        for qid, slug, title, definition, active in session.execute(
            select(Quiz.id, Quiz.slug, Quiz.title, Quiz.definition, Quiz.active)
        )
    }
    drills = {slug: title for slug, title in session.execute(select(Drill.slug, Drill.title))}
    return Gathered(
        courses=_courses(session),
        quizzes=quizzes,
        drills=drills,
        certificates=_certificates(session, people),
        reads=_reads(session, people),
        acks=_acks(session, people),
        tries=_attempts(session, people),
        drills_passed=_drills(session, people),
        now=utcnow(),
        zone=local_zone(),
    )


# --- one learner's standing -------------------------------------------------------------------


@dataclass
class CourseStanding:
    """Where a learner stands with one course, what its certificate asks for, what is next."""

    code: str
    id: int
    title: dict
    cell: Cell
    lessons_read: int
    lessons_total: int
    acknowledged: bool
    requirements: list[Requirement]
    step: Step

    @property
    def all_read(self) -> bool:
        """Every lesson of the current version is read."""
        return self.lessons_read >= self.lessons_total


@dataclass
class Standing:
    """A learner's state in every active course and quiz."""

    courses: dict[str, CourseStanding]
    quizzes: dict[str, Cell]


def _renewal_since(held: Held, course: CourseInfo, now: datetime) -> datetime | None:
    """From when evidence counts towards the next certificate (as check_and_issue decides)."""
    latest = held.latest
    if latest is None:
        return None
    state = status_of(latest, now)
    if state == "revoked":
        return latest.revoked_at
    if state == "expired":
        return latest.expires_at
    if latest.expires_at is None:
        return None
    return latest.expires_at - timedelta(days=course.recertify_days)


def learner(session: Session, user: User) -> Standing:
    """``user``'s standing in every active course and quiz (a fixed number of statements)."""
    found = gather(session, select(User.id).where(User.id == user.id))
    today = local_day(found.now)
    quizzes = {
        slug: decide(TargetKind.QUIZ, found.facts(TargetKind.QUIZ, slug, user.id), None, today)
        for slug, quiz in found.quizzes.items()
        if quiz.active
    }
    courses = {}
    for code, course in found.courses.items():
        if not course.active:
            continue
        facts = found.facts(TargetKind.COURSE, code, user.id)
        cell = decide(TargetKind.COURSE, facts, None, today, course.recertify_days)
        # A lapsed or expiring certificate is renewed only by evidence after it: an old pass
        # no longer counts towards the next one.
        since = None
        if cell.state in (State.EXPIRED, State.REVOKED, State.EXPIRING):
            since = _renewal_since(found.held(user.id, course.id), course, found.now)
        requirements = [
            Requirement(
                kind,
                ref,
                found.title(kind, ref),
                decide(kind, found.facts(kind, ref, user.id, since), None, today),
                found.quizzes[ref].definition.get("pass_mark", 80)
                if kind == TargetKind.QUIZ and ref in found.quizzes
                else None,
            )
            for kind, refs in (
                (TargetKind.QUIZ, course.required_quizzes),
                (TargetKind.DRILL, course.required_drills),
            )
            for ref in refs
        ]
        courses[code] = CourseStanding(
            code=code,
            id=course.id,
            title=course.title,
            cell=cell,
            lessons_read=facts.lessons_read,
            lessons_total=facts.lessons_total,
            acknowledged=facts.acknowledged,
            requirements=requirements,
            step=next_step(
                cell, facts.lessons_read, facts.lessons_total, facts.acknowledged, requirements
            ),
        )
    return Standing(courses, quizzes)
