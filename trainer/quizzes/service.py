"""The attempt engine: start, save as you go, submit once, grade on the server.

Starting, viewing, saving and submitting are the requests every learner makes many times, so
the engine reads and writes attempts with SQL statements built once (SQLAlchemy Core) into
plain dataclasses, ``AttemptState`` and ``ItemState``, and addresses an item by its attempt
and position. Loading the ORM objects and flushing them cost more than everything else in
these requests together (benchmarks/QUIZ_LOAD.md). Everything else (lists, the grading queue,
certificates, exports) uses the ORM models, which map the same tables.

A submitted item stores its score and status, and in ``grade`` only what cannot be derived:
a reviewer's comment, a note, whether the answer came too late. In ``outcome`` it keeps what
grading found (the feedback parts), so that the result page need not grade every answer again
on every view; the texts around them come from the item's question version (immutable).
Attempts submitted before outcomes were kept have none: their answers are graded again.
"""

from __future__ import annotations

import dataclasses
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import and_, bindparam, case, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from trainer import audit
from trainer.db import utcnow
from trainer.domain import questions
from trainer.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Counter,
    Quiz,
    User,
)
from trainer.models.content import CONTENT_REVISION, question_snapshots
from trainer.quizzes.drawing import draw_questions
from trainer.reports import itemsums

# Answers that arrive this long after the deadline were sent in time but delayed on the way.
NETWORK_GRACE = timedelta(seconds=5)
MAX_RESPONSE_CHARS = 20_000


class QuizError(ValueError):
    """An attempt action that is not allowed now, with the reason for the learner."""


@dataclass(slots=True, eq=False)
class ItemState:
    """One question of an attempt (a row of ``attempt_item``), as the engine reads it."""

    position: int
    question_id: int
    question_hash: str
    layout: dict
    response: dict | None
    saved_at: datetime | None
    score: float | None
    max_score: float
    status: str | None
    grade: dict | None
    outcome: dict | None
    # The version's data, from the per-process version cache: shared, never change it.
    question: dict


@dataclass(slots=True, eq=False)
class AttemptState:
    """One attempt (a row of ``attempt``), its quiz's title and its items in order."""

    AUDIT_TYPE: ClassVar[str] = "attempt"  # the audit log names attempts as the ORM does

    id: int
    quiz_id: int
    user_id: int
    number: int
    status: AttemptStatus
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    score: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    pass_mark: float
    review_policy: str
    weak_topics: list | None
    quiz_slug: str
    quiz_title: dict
    quiz_course_code: str | None
    items: list[ItemState] = field(default_factory=list)
    # The quiz's questions_per_page (None: all on one page), read with the attempt.
    questions_per_page: int | None = None


@dataclass
class StartCheck:
    """Whether a learner may start an attempt now, and if not, why."""

    allowed: bool
    reason: str | None = None
    wait_until: datetime | None = None
    in_progress: AttemptState | None = None
    attempts_used: int = 0
    # Attempts whose time ran out while the learner was away, graded by this check.
    closed: list[AttemptState] = field(default_factory=list)
    content_revision: int = 0  # see drawable()


# --- the engine's statements, built once -----------------------------------------------------

_A = Attempt.__table__
_I = AttemptItem.__table__
_Q = Quiz.__table__
_ATTEMPT_COLUMNS = (
    *(_A.c[name] for name in (f.name for f in dataclasses.fields(AttemptState)) if name in _A.c),
    _Q.c.slug.label("quiz_slug"),
    _Q.c.title.label("quiz_title"),
    _Q.c.course_code.label("quiz_course_code"),
    _Q.c.definition["questions_per_page"].as_integer().label("questions_per_page"),
)
_ITEM_NAMES = [f.name for f in dataclasses.fields(ItemState) if f.name != "question"]
_ITEM_COLUMNS = [_I.c[name] for name in _ITEM_NAMES]
_WITH_QUIZ = _A.join(_Q, _Q.c.id == _A.c.quiz_id)
_THIS_ATTEMPT = _A.c.id == bindparam("attempt_id")

_LOAD_ATTEMPT = select(*_ATTEMPT_COLUMNS).select_from(_WITH_QUIZ).where(_THIS_ATTEMPT)
_LOAD_ITEMS = (
    select(*_ITEM_COLUMNS).where(_I.c.attempt_id == bindparam("attempt_id")).order_by(_I.c.position)
)
# The attempt and one item in one query (the autosave of one question needs no other).
_LOAD_ATTEMPT_AND_ITEM = (
    select(*_ATTEMPT_COLUMNS, *(column.label(f"item_{column.name}") for column in _ITEM_COLUMNS))
    .select_from(
        _WITH_QUIZ.outerjoin(
            _I, and_(_I.c.attempt_id == _A.c.id, _I.c.position == bindparam("position"))
        )
    )
    .where(_THIS_ATTEMPT)
)
_IN_PROGRESS = and_(_A.c.status == AttemptStatus.IN_PROGRESS, _A.c.submitted_at.is_(None))
_UNDER_WAY = and_(_THIS_ATTEMPT, _IN_PROGRESS)
# (Bind names in an UPDATE's WHERE must differ from the columns of the table it updates.)
_THIS_ITEM = and_(
    _I.c.attempt_id == bindparam("item_attempt"), _I.c.position == bindparam("item_position")
)
# An answer is written only while its attempt is under way, and the attempt's row is held
# until the commit: FOR SHARE on PostgreSQL (SQLite, which ignores it, has one writer at a
# time). So a submit running at the same time either waits for the answer and grades it, or
# has graded already, and then nothing is written (see _write_responses).
_STILL_UNDER_WAY = (
    select(_A.c.id)
    .where(_A.c.id == bindparam("item_attempt"), _IN_PROGRESS)
    .with_for_update(read=True)
    .exists()
)
_SAVE_RESPONSE = (
    update(_I)
    .where(_THIS_ITEM, _STILL_UNDER_WAY)
    .values(
        response=bindparam("new_response", type_=_I.c.response.type),
        saved_at=bindparam("new_saved_at", type_=_I.c.saved_at.type),
    )
)
_SAVED_AT = select(_I.c.position, _I.c.saved_at).where(_I.c.attempt_id == bindparam("attempt_id"))
_RESULT_NAMES = ("score", "max_score", "percent", "passed", "weak_topics", "status")
# Claims the attempt and writes its result at once: only one request can change it.
_CLAIM_WITH_RESULT = (
    update(_A)
    .where(_UNDER_WAY)
    .values(
        submitted_at=bindparam("new_submitted_at", type_=_A.c.submitted_at.type),
        **{name: bindparam(f"new_{name}", type_=_A.c[name].type) for name in _RESULT_NAMES},
    )
)
_STORE_RESULT = (
    update(_A)
    .where(_THIS_ATTEMPT)
    .values(**{name: bindparam(f"new_{name}", type_=_A.c[name].type) for name in _RESULT_NAMES})
)
_GRADE_NAMES = ("response", "saved_at", "score", "max_score", "status", "grade", "outcome")
_STORE_GRADE = (
    update(_I)
    .where(_THIS_ITEM)
    .values(**{name: bindparam(f"new_{name}", type_=_I.c[name].type) for name in _GRADE_NAMES})
)
_INSERT_ATTEMPT = insert(_A).returning(_A.c.id)
# A new item has only these; the others (response, score …) start NULL. Fewer columns in the
# executemany: 15 items bind 7 values each, not 12 (about 0.2 ms less per start).
_NEW_ITEM_NAMES = ("position", "question_id", "question_hash", "layout", "max_score")
_INSERT_ITEMS = insert(_I)
# The statements run on session.connection(): inside the session's transaction, one commit.


def _attempt_state(row: RowMapping, items: list[ItemState]) -> AttemptState:
    return AttemptState(**{c.name: row[c.name] for c in _ATTEMPT_COLUMNS}, items=items)


def _item_states(session: Session, rows: list[dict[str, Any]]) -> list[ItemState]:
    """Items from their rows, each with its question version's data (one query for misses)."""
    versions = question_snapshots(session, [row["question_hash"] for row in rows])
    return [ItemState(**row, question=versions[row["question_hash"]]) for row in rows]


def load_attempt(
    session: Session, attempt_id: int, *, position: int | None = None
) -> AttemptState | None:
    """An attempt with its items in order (two queries).

    With ``position``, ``items`` holds just that item (one query for both): the autosave of
    one question needs no other. Use it only for writes to that item.
    """
    conn = session.connection()
    if position is not None:
        row = (
            conn.execute(_LOAD_ATTEMPT_AND_ITEM, {"attempt_id": attempt_id, "position": position})
            .mappings()
            .first()
        )
        if row is None:
            return None
        rows = [] if row["item_position"] is None else [{n: row[f"item_{n}"] for n in _ITEM_NAMES}]
        return _attempt_state(row, _item_states(session, rows))
    row = conn.execute(_LOAD_ATTEMPT, {"attempt_id": attempt_id}).mappings().first()
    if row is None:
        return None
    rows = conn.execute(_LOAD_ITEMS, {"attempt_id": attempt_id}).mappings().all()
    return _attempt_state(row, _item_states(session, [dict(r) for r in rows]))


def user_attempts(session: Session, user: User, quiz: Quiz) -> list[Attempt]:
    """The user's attempts at ``quiz``, newest first."""
    return list(
        session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
            .options(defer(Attempt.weak_topics))
            .order_by(Attempt.number.desc())
        )
    )


_MINE = and_(_A.c.user_id == bindparam("user_id"), _A.c.quiz_id == bindparam("quiz_id"))
_COUNTER = Counter.__table__
_START_FIGURES = select(
    func.count(),
    func.max(_A.c.submitted_at),
    func.coalesce(func.sum(case((_A.c.status == AttemptStatus.IN_PROGRESS, 1), else_=0)), 0),
    # The content revision, for drawable()'s cache (asked here: no statement of its own).
    select(_COUNTER.c.value).where(_COUNTER.c.name == CONTENT_REVISION).scalar_subquery(),
).where(_MINE)
_IDS_UNDER_WAY = (
    select(_A.c.id)
    .where(_MINE, _A.c.status == AttemptStatus.IN_PROGRESS)
    .order_by(_A.c.number.desc())
)


def check_start(
    session: Session, user: User, quiz: Quiz, now: datetime | None = None
) -> StartCheck:
    """Attempt limit, cool-down and an attempt already under way.

    One aggregate query, not every attempt: the cost stays the same however many times the
    learner has taken the quiz. Attempts under way are loaded only when there are some.
    """
    now = now or utcnow()
    conn = session.connection()
    mine = {"user_id": user.id, "quiz_id": quiz.id}
    used, last_submitted, in_progress, revision = conn.execute(_START_FIGURES, mine).one()
    closed = []
    if in_progress:
        for attempt_id in conn.execute(_IDS_UNDER_WAY, mine).scalars().all():
            attempt = load_attempt(session, attempt_id)
            if is_open(attempt, now):
                return StartCheck(
                    False, "in_progress", in_progress=attempt, attempts_used=used, closed=closed
                )
            # Time ran out while away: grade what was saved.
            if submit(session, attempt, now=now, actor=user):
                closed.append(attempt)
                last_submitted = now
    definition = quiz.definition
    limit = definition.get("max_attempts")
    if limit and used >= limit:
        return StartCheck(False, "limit", attempts_used=used, closed=closed)
    cooldown = definition.get("cooldown_minutes") or 0
    if cooldown and last_submitted:
        ready = last_submitted + timedelta(minutes=cooldown)
        if ready > now:
            return StartCheck(
                False, "cooldown", wait_until=ready, attempts_used=used, closed=closed
            )
    return StartCheck(True, attempts_used=used, closed=closed, content_revision=revision or 0)


def start_attempt(
    session: Session, user: User, quiz: Quiz, now: datetime | None = None
) -> AttemptState:
    """Start (or resume) an attempt; its question and option order are stored with it."""
    now = now or utcnow()
    check = check_start(session, user, quiz, now)
    if check.in_progress is not None:
        return check.in_progress
    if not check.allowed:
        raise QuizError(check.reason or "not allowed")
    rng = random.Random(secrets.randbits(64))  # noqa: S311 (shuffling, seeded from secrets)
    drawn = draw_questions(session, quiz, rng, check.content_revision)
    if not drawn:
        raise QuizError("empty")
    versions = question_snapshots(session, [digest for _id, digest in drawn])
    definition = quiz.definition
    limit = definition.get("time_limit_minutes")
    attempt = AttemptState(
        id=0,  # given by the INSERT below
        quiz_id=quiz.id,
        user_id=user.id,
        number=check.attempts_used + 1,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        submitted_at=None,
        score=None,
        max_score=None,
        percent=None,
        passed=None,
        pass_mark=float(definition.get("pass_mark", 80)),
        review_policy=definition.get("review", "after_submission"),
        weak_topics=None,
        quiz_slug=quiz.slug,
        quiz_title=quiz.title,
        quiz_course_code=quiz.course_code,
        questions_per_page=definition.get("questions_per_page"),
    )
    conn = session.connection()
    columns = {c.name: getattr(attempt, c.name) for c in _A.c if c.name != "id"}
    try:
        attempt.id = conn.execute(_INSERT_ATTEMPT, columns).scalar_one()
    except IntegrityError:
        # Another tab started attempt N at the same moment: use that one.
        session.rollback()
        existing = (
            session.connection()
            .execute(_IDS_UNDER_WAY, {"user_id": user.id, "quiz_id": quiz.id})
            .scalar()
        )
        if existing is None:
            raise
        return load_attempt(session, existing)
    shuffle = definition.get("shuffle_options", True)
    attempt.items = [
        ItemState(
            position=position,
            question_id=question_id,
            question_hash=digest,
            layout=questions.make_layout(versions[digest], rng, shuffle),
            response=None,
            saved_at=None,
            score=None,
            max_score=questions.max_points(versions[digest]),
            status=None,
            grade=None,
            outcome=None,
            question=versions[digest],
        )
        for position, (question_id, digest) in enumerate(drawn)
    ]
    conn.execute(  # one statement for all the items (executemany)
        _INSERT_ITEMS,
        [
            {
                "attempt_id": attempt.id,
                "created_at": now,
                **{name: getattr(item, name) for name in _NEW_ITEM_NAMES},
            }
            for item in attempt.items
        ],
    )
    audit.record(
        session,
        "attempt.started",
        actor=user,
        target=attempt,
        details={"quiz": quiz.slug, "number": attempt.number},
    )
    return attempt


def is_open(attempt: AttemptState, now: datetime | None = None) -> bool:
    """Answers may still be saved: in progress and (with the network grace) before the deadline."""
    now = now or utcnow()
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        return False
    return attempt.deadline_at is None or now <= attempt.deadline_at + NETWORK_GRACE


def check_responses(responses: dict[int, dict | None]) -> None:
    """Refuse (QuizError "too_long") answers too long to store, before anything is written."""
    for response in responses.values():
        if response is not None and len(repr(response)) > MAX_RESPONSE_CHARS:
            raise QuizError("too_long")


def _refuse_closed(attempt: AttemptState, now: datetime) -> None:
    """Refuse a write to an attempt that was closed when this request read it.

    One closed by another request since then is caught by the write itself (_write_responses).
    """
    if not is_open(attempt, now):
        raise QuizError("closed")


def _apply_responses(
    attempt: AttemptState, responses: dict[int, dict | None], now: datetime
) -> list[ItemState]:
    """Put the changed answers on their items; returns the items that changed."""
    items = {item.position: item for item in attempt.items}
    changed = []
    for position, response in responses.items():
        item = items.get(position)
        if item is None or item.question.get("type") == "scenario":
            continue  # scenario steps are recorded one choice at a time (advance_scenario)
        if item.response == response:
            continue  # unchanged: keep the time it was really saved
        item.response, item.saved_at = response, now
        changed.append(item)
    return changed


def _write_responses(session: Session, attempt: AttemptState, items: list[ItemState]) -> None:
    """Store the items' answers, or refuse them all when a submit closed the attempt just now.

    Each row's write checks the attempt (_STILL_UNDER_WAY) in the same statement: one check,
    no separate write to hold the attempt's row, on the commonest request of all. The caller
    rolls back on QuizError, so a refusal leaves none of the answers behind.
    """
    if not items:
        return
    rows = [
        {
            "item_attempt": attempt.id,
            "item_position": item.position,
            "new_response": item.response,
            "new_saved_at": item.saved_at,
        }
        for item in items
    ]
    # (Both drivers report an executemany's rowcount as the sum over its rows.)
    if session.connection().execute(_SAVE_RESPONSE, rows).rowcount != len(rows):
        raise QuizError("closed")


def save_responses(
    session: Session,
    attempt: AttemptState,
    responses: dict[int, dict | None],
    now: datetime | None = None,
) -> datetime:
    """Store answers by item position; refused once submitted or past the deadline."""
    now = now or utcnow()
    check_responses(responses)
    _refuse_closed(attempt, now)
    _write_responses(session, attempt, _apply_responses(attempt, responses, now))
    return now


def advance_scenario(
    session: Session,
    attempt: AttemptState,
    position: int,
    step_id: str,
    option_id: str,
    now: datetime | None = None,
) -> ItemState:
    """Record one choice in a multi-step scenario; its consequence is then shown."""
    now = now or utcnow()
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None or item.question.get("type") != "scenario":
        raise QuizError("not_scenario")
    _refuse_closed(attempt, now)
    path = (item.response or {}).get("path", [])
    try:
        new_path = questions.scenario_advance(item.question, path, step_id, option_id)
    except ValueError as exc:
        raise QuizError(str(exc)) from exc
    item.response, item.saved_at = {"path": new_path}, now
    _write_responses(session, attempt, [item])
    return item


def save_terminal(
    session: Session,
    attempt: AttemptState,
    position: int,
    actions: list[dict],
    now: datetime | None = None,
) -> ItemState:
    """Store a terminal question's action log (written by the simulator at each key press)."""
    now = now or utcnow()
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None or item.question.get("type") != "terminal":
        raise QuizError("not_terminal")
    _refuse_closed(attempt, now)
    item.response, item.saved_at = {"actions": actions}, now
    _write_responses(session, attempt, [item])
    return item


def submit(
    session: Session,
    attempt: AttemptState,
    now: datetime | None = None,
    responses: dict[int, dict | None] | None = None,
    *,
    actor: User | None = None,
) -> bool:
    """Grade the attempt once. Returns False when it had already been submitted.

    The claim is a compare-and-set UPDATE, so two tabs (or a double click) grade once;
    ``responses`` posted with the submit are stored only by the request that wins it, and only
    when they arrive before the deadline. ``actor`` (for the audit log) defaults to the
    attempt's learner.
    """
    now = now or utcnow()
    if responses:
        check_responses(responses)
    in_time = is_open(attempt, now)
    posted = responses if in_time else None
    # Grade first, claim after: SQLite holds its one write lock from the first UPDATE to the
    # commit, so only the writes should happen under it.
    seen = {item.position: item.saved_at for item in attempt.items}
    result, late = _grade(attempt, posted)
    conn = session.connection()
    claimed = conn.execute(
        _CLAIM_WITH_RESULT,
        {"attempt_id": attempt.id, "new_submitted_at": now, **_result_params(result)},
    ).rowcount
    if claimed != 1:
        return False
    attempt.submitted_at = now
    saved_now = dict(conn.execute(_SAVED_AT, {"attempt_id": attempt.id}).all())
    if saved_now != seen:  # another tab saved between our read and our claim: grade that
        fresh = {item.position: item for item in load_attempt(session, attempt.id).items}
        for item in attempt.items:
            item.response = fresh[item.position].response
            item.saved_at = fresh[item.position].saved_at
        result, late = _grade(attempt, posted)
        conn.execute(_STORE_RESULT, {"attempt_id": attempt.id, **_result_params(result)})
    if posted:
        _apply_responses(attempt, posted, now)
    params = []
    for item, grade in zip(attempt.items, result.grades, strict=True):
        item.score, item.max_score, item.status = grade.score, grade.max_score, grade.status
        item.grade = stored_grade(grade, late=item.position in late)
        item.outcome = questions.kept_outcome(grade)
        params.append(
            {
                "item_attempt": attempt.id,
                "item_position": item.position,
                **{f"new_{name}": getattr(item, name) for name in _GRADE_NAMES},
            }
        )
    conn.execute(_STORE_GRADE, params)
    for name, value in _result_params(result).items():
        setattr(attempt, name.removeprefix("new_"), value)
    if attempt.status is AttemptStatus.GRADED:
        itemsums.add_attempt(session, attempt.id)
    audit.record(
        session,
        "attempt.submitted",
        actor=actor or session.get(User, attempt.user_id),
        target=attempt,
        details={
            "percent": attempt.percent,
            "passed": attempt.passed,
            "status": attempt.status.value,
        },
    )
    return True


def _grade(
    attempt: AttemptState, responses: dict[int, dict | None] | None
) -> tuple[questions.AttemptResult, set[int]]:
    """Grade the saved answers (plus those posted with the submit); late saves count as none.

    Returns the result and the positions of the items whose answer came too late.
    """
    deadline = attempt.deadline_at + NETWORK_GRACE if attempt.deadline_at else None
    graded, late = [], set()
    for item in attempt.items:
        response = item.response
        if responses and item.position in responses and item.question.get("type") != "scenario":
            response = responses[item.position]
        if deadline is not None and item.saved_at is not None and item.saved_at > deadline:
            late.add(item.position)
            response = None
        graded.append((item.question, response, item.layout))
    # The question's texts (explanation, correct answer …) are not stored: the result page
    # reads them from the question version.
    return questions.grade_attempt(graded, attempt.pass_mark, texts=False), late


def _result_params(result: questions.AttemptResult) -> dict[str, Any]:
    status = AttemptStatus.AWAITING_REVIEW if result.needs_review else AttemptStatus.GRADED
    return {
        "new_score": result.score,
        "new_max_score": result.max_score,
        "new_percent": result.percent,
        "new_passed": result.passed,
        "new_weak_topics": result.weak_topics,
        "new_status": status,
    }


def stored_grade(grade: questions.Grade, *, late: bool = False) -> dict | None:
    """What a grade adds to its item's row beyond score and status (see the module docstring)."""
    stored: dict[str, Any] = {}
    if late:
        stored["late"] = True
    if grade.note:
        stored["note"] = grade.note
    if grade.graded_manually:
        stored["graded_manually"] = True
        if grade.reviewer_comment:
            stored["reviewer_comment"] = grade.reviewer_comment
    return stored or None


def item_grade(item: ItemState | AttemptItem, *, texts: bool = True) -> questions.Grade:
    """A submitted item's grade with all its feedback, from what is stored.

    The score and status are the ones recorded when it was graded (or by a reviewer), so a
    result never changes afterwards; the feedback is the outcome kept at submit, or for an
    attempt submitted before outcomes were kept, derived again from the version, layout and
    response. ``texts`` as for questions.grade().
    """
    stored = item.grade or {}
    if item.outcome is not None and item.score is not None and item.status is not None:
        derived = questions.regraded(
            item.question, item.outcome, score=item.score, status=item.status, texts=texts
        )
    else:
        response = None if stored.get("late") else item.response
        derived = questions.grade(item.question, response, item.layout, texts=texts)
    return dataclasses.replace(
        derived,
        score=derived.score if item.score is None else item.score,
        status=item.status or derived.status,
        note=stored.get("note", derived.note),
        graded_manually=stored.get("graded_manually", False),
        reviewer_comment=stored.get("reviewer_comment"),
    )


def counted_results(session: Session, user: User, quizzes: list[Quiz]) -> dict[int, float]:
    """Per quiz id, the result that counts under the quiz's grading policy (highest / latest)."""
    from trainer.certificates.service import counted_percent

    by_quiz: dict[int, list[Attempt]] = {}
    for attempt in session.scalars(
        select(Attempt).where(
            Attempt.user_id == user.id,
            Attempt.status == AttemptStatus.GRADED,
            Attempt.quiz_id.in_([q.id for q in quizzes]),
        )
    ):
        by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    out = {}
    for quiz in quizzes:
        percent = counted_percent(
            by_quiz.get(quiz.id, []), quiz.definition.get("grading", "highest")
        )
        if percent is not None:
            out[quiz.id] = percent
    return out
