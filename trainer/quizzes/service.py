"""The attempt engine: start, save as you go, submit once, grade on the server."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, insert, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from trainer import audit
from trainer.db import utcnow
from trainer.domain import grading
from trainer.models import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    Question,
    QuestionBank,
    Quiz,
    User,
)
from trainer.models.content import question_snapshots

# Answers that arrive this long after the deadline were sent in time but delayed on the way.
NETWORK_GRACE = timedelta(seconds=5)
MAX_RESPONSE_CHARS = 20_000


class QuizError(ValueError):
    """An attempt action that is not allowed now, with the reason for the learner."""


@dataclass
class StartCheck:
    """Whether a learner may start an attempt now, and if not, why."""

    allowed: bool
    reason: str | None = None
    wait_until: datetime | None = None
    in_progress: Attempt | None = None
    attempts_used: int = 0
    # Attempts whose time ran out while the learner was away, graded by this check.
    closed: list[Attempt] = field(default_factory=list)


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


def check_start(
    session: Session, user: User, quiz: Quiz, now: datetime | None = None
) -> StartCheck:
    """Attempt limit, cool-down and an attempt already under way.

    One aggregate query, not every attempt: the cost stays the same however many times the
    learner has taken the quiz. Attempts under way are loaded only when there are some.
    """
    now = now or utcnow()
    mine = (Attempt.user_id == user.id, Attempt.quiz_id == quiz.id)
    under_way = Attempt.status == AttemptStatus.IN_PROGRESS
    used, last_submitted, in_progress = session.execute(
        select(
            func.count(),
            func.max(Attempt.submitted_at),
            func.coalesce(func.sum(case((under_way, 1), else_=0)), 0),
        ).where(*mine)
    ).one()
    closed = []
    if in_progress:
        for attempt in session.scalars(
            select(Attempt)
            .where(*mine, under_way)
            .options(defer(Attempt.weak_topics))
            .order_by(Attempt.number.desc())
        ):
            if is_open(attempt, now):
                return StartCheck(
                    False, "in_progress", in_progress=attempt, attempts_used=used, closed=closed
                )
            # Time ran out while away: grade what was saved.
            if submit(session, attempt, now=now):
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
    return StartCheck(True, attempts_used=used, closed=closed)


def draw_questions(session: Session, quiz: Quiz, rng: random.Random) -> list[tuple[int, str]]:
    """(question id, version hash) for a new attempt: fixed questions, then draws from each pool.

    One query reads every candidate's id, tags and hash (no question JSON); the chosen
    questions' data then comes from the version cache.
    """
    pools = quiz.definition.get("pools", [])
    fixed_qids = {qid for pool in pools for qid in pool.get("questions") or []}
    banks = {pool["bank"] for pool in pools if pool.get("bank") and pool.get("count")}
    if not fixed_qids and not banks:
        return []
    # Tags are JSON: decode them only when a pool filters by them.
    needs_tags = any(pool.get("tags") for pool in pools)
    rows = session.execute(
        select(
            Question.id,
            Question.qid,
            QuestionBank.slug,
            Question.type,
            Question.difficulty,
            Question.tags if needs_tags else null().label("tags"),
            Question.content_hash,
        )
        .join(QuestionBank)
        .where(
            Question.active,
            or_(
                *([QuestionBank.slug.in_(banks)] if banks else []),
                *([Question.qid.in_(fixed_qids)] if fixed_qids else []),
            ),
        )
        .order_by(QuestionBank.slug, Question.position)
    ).all()
    by_qid = {row.qid: row for row in rows}
    by_bank: dict[str, list] = {}
    for row in rows:
        by_bank.setdefault(row.slug, []).append(row)
    chosen: dict[int, str] = {}  # insertion-ordered: the draw order
    for pool in pools:
        for qid in pool.get("questions") or []:
            if qid in by_qid:
                chosen.setdefault(by_qid[qid].id, by_qid[qid].content_hash)
        if pool.get("bank") and pool.get("count"):
            types, levels = pool.get("types"), pool.get("difficulty")
            wanted = set(pool.get("tags") or [])
            candidates = [
                row
                for row in by_bank.get(pool["bank"], ())
                if row.id not in chosen
                and (not types or row.type in types)
                and (not levels or row.difficulty in levels)
                and (not wanted or wanted & set(row.tags or []))
            ]
            for row in rng.sample(candidates, min(pool["count"], len(candidates))):
                chosen[row.id] = row.content_hash
    drawn = list(chosen.items())
    if quiz.definition.get("shuffle_questions", True):
        rng.shuffle(drawn)
    return drawn


def start_attempt(session: Session, user: User, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Start (or resume) an attempt; its question and option order are stored with it."""
    now = now or utcnow()
    check = check_start(session, user, quiz, now)
    if check.in_progress is not None:
        return check.in_progress
    if not check.allowed:
        raise QuizError(check.reason or "not allowed")
    rng = random.Random(secrets.randbits(64))  # noqa: S311 (shuffling, seeded from secrets)
    drawn = draw_questions(session, quiz, rng)
    if not drawn:
        raise QuizError("empty")
    snapshots = question_snapshots(session, [digest for _id, digest in drawn])
    definition = quiz.definition
    limit = definition.get("time_limit_minutes")
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=check.attempts_used + 1,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        pass_mark=float(definition.get("pass_mark", 80)),
        review_policy=definition.get("review", "after_submission"),
        status=AttemptStatus.IN_PROGRESS,
    )
    session.add(attempt)
    try:
        session.flush()
    except IntegrityError:
        # Another tab started attempt N at the same moment: use that one.
        session.rollback()
        existing = session.scalar(
            select(Attempt).where(
                Attempt.user_id == user.id,
                Attempt.quiz_id == quiz.id,
                Attempt.status == AttemptStatus.IN_PROGRESS,
            )
        )
        if existing is None:
            raise
        return existing
    shuffle = definition.get("shuffle_options", True)
    # One multi-row INSERT for the items, instead of the unit of work's row-by-row flush.
    session.execute(
        insert(AttemptItem),
        [
            {
                "attempt_id": attempt.id,
                "position": position,
                "question_id": question_id,
                "question_hash": digest,
                "layout": grading.make_layout(snapshots[digest], rng, shuffle),
                "max_score": grading.max_points(snapshots[digest]),
                "created_at": now,
            }
            for position, (question_id, digest) in enumerate(drawn)
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


def load_attempt(
    session: Session,
    attempt_id: int,
    *,
    with_grades: bool = False,
    position: int | None = None,
) -> Attempt | None:
    """An attempt with its items; their grades (large JSON) only when asked for.

    With ``position``, ``attempt.items`` holds just that item (one query for both): the
    autosave of one question needs no other. Use it only for writes to that item.
    """
    deferred = [] if with_grades else [defer(AttemptItem.grade)]
    if position is not None:
        row = session.execute(
            select(Attempt, AttemptItem)
            .outerjoin(
                AttemptItem,
                (AttemptItem.attempt_id == Attempt.id) & (AttemptItem.position == position),
            )
            .where(Attempt.id == attempt_id)
            .options(defer(Attempt.weak_topics), *deferred)
        ).first()
        if row is None:
            return None
        attempt, item = row
        items = [] if item is None else [item]
    else:
        attempt = session.get(Attempt, attempt_id, options=[defer(Attempt.weak_topics)])
        if attempt is None:
            return None
        items = list(
            session.scalars(
                select(AttemptItem)
                .where(AttemptItem.attempt_id == attempt.id)
                .options(*deferred)
                .order_by(AttemptItem.position)
            )
        )
    # Loaded by hand (no relationship loader): mark the collection as loaded.
    set_committed_value(attempt, "items", items)
    question_snapshots(session, [item.question_hash for item in items])
    return attempt


def is_open(attempt: Attempt, now: datetime | None = None) -> bool:
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


def _hold_open(session: Session, attempt: Attempt, now: datetime) -> None:
    """Refuse writes to a closed attempt, also when another request closed it just now.

    The no-op UPDATE holds the attempt's row until this transaction ends, so a submit running
    at the same time either waits for these answers or has already graded (and we refuse).
    """
    if not is_open(attempt, now):
        raise QuizError("closed")
    held = session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.submitted_at.is_(None),
        )
        .values(status=AttemptStatus.IN_PROGRESS)
        .execution_options(synchronize_session=False)
    ).rowcount
    if held != 1:
        session.refresh(attempt)
        raise QuizError("closed")


def _apply_responses(attempt: Attempt, responses: dict[int, dict | None], now: datetime) -> None:
    items = {item.position: item for item in attempt.items}
    for position, response in responses.items():
        item = items.get(position)
        if item is None or item.question.get("type") == "scenario":
            continue  # scenario steps are recorded one choice at a time (advance_scenario)
        if item.response == response:
            continue  # unchanged: keep the time it was really saved
        item.response = response
        item.saved_at = now


def save_responses(
    session: Session,
    attempt: Attempt,
    responses: dict[int, dict | None],
    now: datetime | None = None,
) -> datetime:
    """Store answers by item position; refused once submitted or past the deadline."""
    now = now or utcnow()
    check_responses(responses)
    _hold_open(session, attempt, now)
    _apply_responses(attempt, responses, now)
    return now


def advance_scenario(
    session: Session,
    attempt: Attempt,
    position: int,
    step_id: str,
    option_id: str,
    now: datetime | None = None,
) -> AttemptItem:
    """Record one choice in a multi-step scenario; its consequence is then shown."""
    now = now or utcnow()
    item = next((i for i in attempt.items if i.position == position), None)
    if item is None or item.question.get("type") != "scenario":
        raise QuizError("not_scenario")
    _hold_open(session, attempt, now)
    path = (item.response or {}).get("path", [])
    try:
        new_path = grading.scenario_advance(item.question, path, step_id, option_id)
    except ValueError as exc:
        raise QuizError(str(exc)) from exc
    item.response = {"path": new_path}
    item.saved_at = now
    return item


def submit(
    session: Session,
    attempt: Attempt,
    now: datetime | None = None,
    responses: dict[int, dict | None] | None = None,
) -> bool:
    """Grade the attempt once. Returns False when it had already been submitted.

    The status change is a compare-and-set UPDATE, so two tabs (or a double click) grade once;
    ``responses`` posted with the submit are stored only by the request that wins it, and only
    when they arrive before the deadline.
    """
    now = now or utcnow()
    if responses:
        check_responses(responses)
    in_time = is_open(attempt, now)
    # Grade first, claim after: SQLite holds its one write lock from the first UPDATE to the
    # commit, so only the writes should happen under it.
    result = _grade(attempt, responses if in_time else None)
    seen = {item.position: item.saved_at for item in attempt.items}
    claimed = session.execute(
        update(Attempt)
        .where(
            Attempt.id == attempt.id,
            Attempt.status == AttemptStatus.IN_PROGRESS,
            Attempt.submitted_at.is_(None),
        )
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(attempt)
        return False
    set_committed_value(attempt, "submitted_at", now)  # written by the claim above
    saved_now = dict(
        session.execute(
            select(AttemptItem.position, AttemptItem.saved_at).where(
                AttemptItem.attempt_id == attempt.id
            )
        ).all()
    )
    if saved_now != seen:  # another tab saved between our read and our claim: grade that
        for item in attempt.items:
            session.refresh(item, ["response", "saved_at"])
        result = _grade(attempt, responses if in_time else None)
    if responses and in_time:
        _apply_responses(attempt, responses, now)
    for item, grade in zip(attempt.items, result.grades, strict=True):
        item.score, item.max_score, item.status = grade.score, grade.max_score, grade.status
        item.grade = grade.to_dict()
    _store_result(attempt, result)
    user = session.get(User, attempt.user_id)
    audit.record(
        session,
        "attempt.submitted",
        actor=user,
        target=attempt,
        details={
            "percent": attempt.percent,
            "passed": attempt.passed,
            "status": attempt.status.value,
        },
    )
    return True


def _grade(attempt: Attempt, responses: dict[int, dict | None] | None) -> grading.AttemptResult:
    """Grade the saved answers (plus those posted with the submit); late saves count as none."""
    deadline = attempt.deadline_at + NETWORK_GRACE if attempt.deadline_at else None
    graded = []
    for item in attempt.items:
        response = item.response
        if responses and item.position in responses and item.question.get("type") != "scenario":
            response = responses[item.position]
        late = deadline is not None and item.saved_at is not None and item.saved_at > deadline
        graded.append((item.question, None if late else response, item.layout))
    return grading.grade_attempt(graded, attempt.pass_mark)


def _store_result(attempt: Attempt, result: grading.AttemptResult) -> None:
    attempt.score, attempt.max_score, attempt.percent = (
        result.score,
        result.max_score,
        result.percent,
    )
    attempt.passed = result.passed
    attempt.weak_topics = result.weak_topics
    attempt.status = AttemptStatus.AWAITING_REVIEW if result.needs_review else AttemptStatus.GRADED


def regrade_attempt(attempt: Attempt) -> None:
    """Total an attempt again after a supervisor graded an essay."""
    grades = [grading.Grade.from_dict(item.grade) for item in attempt.items]
    maximum = sum(g.max_score for g in grades)
    score = sum(g.score for g in grades)
    needs_review = any(g.status == grading.NEEDS_REVIEW for g in grades)
    percent = round(score * 100 / maximum, 1) if maximum else 100.0
    attempt.score, attempt.max_score, attempt.percent = round(score, 2), maximum, percent
    attempt.passed = None if needs_review else percent >= attempt.pass_mark
    attempt.status = AttemptStatus.AWAITING_REVIEW if needs_review else AttemptStatus.GRADED
    # Points lost on a graded essay belong in "what to review" too.
    attempt.weak_topics = grading.weak_topics(grades)


def review_queue(session: Session, reviewer: User) -> list[AttemptItem]:
    """Essay answers waiting for a grade from this reviewer (their stores, or all)."""
    from trainer.models import user_stores

    query = (
        select(AttemptItem)
        .join(Attempt)
        .where(
            Attempt.status == AttemptStatus.AWAITING_REVIEW,
            AttemptItem.status == grading.NEEDS_REVIEW,
        )
        .order_by(Attempt.submitted_at, AttemptItem.position)
    )
    if not reviewer.sees_all_stores():
        query = query.where(
            Attempt.user_id.in_(
                select(user_stores.c.user_id).where(user_stores.c.store_id.in_(reviewer.store_ids))
            )
        )
    items = list(session.scalars(query.options(selectinload(AttemptItem.attempt))))
    question_snapshots(session, [item.question_hash for item in items])
    return items


def can_review(session: Session, reviewer: User, attempt: Attempt) -> bool:
    """A supervisor reviews only their stores' staff; admins everyone; nobody their own work."""
    if attempt.user_id == reviewer.id:
        return False
    if reviewer.sees_all_stores():
        return True
    learner = session.get(User, attempt.user_id)
    return bool(learner.store_ids & reviewer.store_ids)


def grade_essay(
    session: Session, item: AttemptItem, score: float, comment: str | None, reviewer: User
) -> None:
    """A supervisor's grade for one essay answer; the attempt is totalled again."""
    grade = grading.Grade.from_dict(item.grade)
    try:
        graded = grading.manual_grade(grade, score, comment)
    except ValueError as exc:
        raise QuizError(str(exc)) from exc
    item.grade, item.score, item.status = graded.to_dict(), graded.score, graded.status
    item.reviewed_by_id, item.reviewed_at = reviewer.id, utcnow()
    regrade_attempt(item.attempt)
    audit.record(
        session,
        "attempt.essay_graded",
        actor=reviewer,
        target=item.attempt,
        details={"item": item.position, "score": graded.score},
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
