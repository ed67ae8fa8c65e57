"""`trainer bench-data`: a large, realistic organisation for benchmarks, built reproducibly.

Stores of about 25 cashiers, a supervisor per three stores, and a year of graded attempts at
the imported quizzes. Whether an answer is right depends on the person (ability), their
store, the question's topics (each case and skill has its own difficulty, and each store a
couple of topics it is weak in) and practice (later attempts do better), so the reports show
the patterns a real organisation would. Passing a course's quiz earns its certificate, which
expires after the course's validity; a few are revoked. Every store is assigned every active
course with a certificate (so the team matrix has a cell per cashier and course).

The same seed gives the same people, answers and scores (dates count back from the day it
runs). Rows go in with Core executemany in batches, not ORM objects: 200,000 attempts are
about 3 million answer rows.

Bench data is for measuring: answers to question types other than single, multiple and
true/false store no response (their score and status are set), and attempt limits and
cool-downs are not applied.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from trainer.certificates.service import add_months
from trainer.db import utcnow
from trainer.domain.questions import make_layout, max_points
from trainer.models import (
    Assignment,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Certificate,
    Course,
    CourseVersion,
    Quiz,
    Role,
    Store,
    User,
    user_stores,
)
from trainer.models.content import question_snapshots
from trainer.quizzes.service import draw_questions
from trainer.reports import itemsums
from trainer.tracking import kept

STAFF_PER_STORE = 25
STORES_PER_SUPERVISOR = 3
BATCH = 5000
LAYOUTS_PER_QUESTION = 4  # stored option orders to pick from (a real start shuffles each time)
PREFIX = "bench"


class BenchDataError(RuntimeError):
    """Bench data cannot be made here (no quizzes, or it exists already)."""


@dataclass
class BenchSummary:
    """What was written."""

    stores: int
    supervisors: int
    cashiers: int
    attempts: int
    items: int
    certificates: int

    def __str__(self) -> str:
        return (
            f"{self.stores} stores, {self.supervisors} supervisors, {self.cashiers} cashiers, "
            f"{self.attempts} attempts ({self.items} answers), {self.certificates} certificates"
        )


def _sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-value))


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _bump_sequences(session: Session, *models) -> None:
    """PostgreSQL: move id sequences past the ids written explicitly."""
    if session.bind.dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        )


def _answer(question: dict, right: bool, layout: dict, rng: random.Random) -> dict | None:
    """A stored response for choice questions (right or a plausible wrong one)."""
    kind = question["type"]
    if kind == "truefalse":
        return {"value": bool(question.get("answer")) == right}
    if kind not in ("single", "multiple"):
        return None
    options = [o["id"] for o in question.get("options", [])]
    correct = [o["id"] for o in question.get("options", []) if o.get("correct") is True]
    wrong = [o for o in options if o not in correct] or options
    if kind == "single":
        return {"choice": correct[0] if right and correct else rng.choice(wrong)}
    if right:
        return {"choices": sorted(correct)}
    # A typical mistake: one right option missed, or one wrong option added.
    chosen = set(correct)
    if len(chosen) > 1 and rng.random() < 0.5:
        chosen.discard(rng.choice(sorted(chosen)))
    else:
        chosen.add(rng.choice(wrong))
    return {"choices": sorted(chosen)}


def assign_courses(session: Session) -> int:
    """Assign every store each active course that leads to a certificate; how many were made.

    Store-wide, due a month after the first attempt of the year, as a compliance officer would
    at roll-out. Also run on its own to add them to bench data built before.
    """
    codes = [
        code
        for code, required in session.execute(
            select(Course.code, CourseVersion.required_quizzes)
            .join(CourseVersion, CourseVersion.course_id == Course.id)
            .where(CourseVersion.current, Course.active)
            .order_by(Course.code)
        )
        if required
    ]
    start = session.scalar(select(func.min(Attempt.started_at))) or utcnow()
    due = (start + timedelta(days=30)).date()
    rows = [
        {"kind": "course", "ref": code, "store_id": store_id, "due_on": due, "created_at": start}
        for store_id in session.scalars(select(Store.id).order_by(Store.id))
        for code in codes
    ]
    if rows:
        session.connection().execute(insert(Assignment), rows)
    return len(rows)


def build(
    session: Session,
    *,
    staff: int,
    attempts: int,
    seed: int = 1,
    quiz_slug: str | None = None,
    progress: Callable[[str], None] = lambda _message: None,
) -> BenchSummary:
    """Write the organisation and its history; commit in batches."""
    rng = random.Random(seed)  # noqa: S311 (benchmark data, not secrets)
    quizzes = list(session.scalars(select(Quiz).where(Quiz.active).order_by(Quiz.slug)))
    if not quizzes:
        raise BenchDataError("no quizzes: run `trainer db upgrade` (it loads the content) first")
    if quiz_slug is not None:  # every attempt at one quiz (to measure its item analysis)
        quizzes = [q for q in quizzes if q.slug == quiz_slug]
        if not quizzes:
            raise BenchDataError(f"no active quiz {quiz_slug!r}")
    if session.scalar(select(Store.id).where(Store.code == f"{PREFIX.upper()}-0001")):
        raise BenchDataError("bench data is already in this database: use a fresh one")
    now = utcnow().replace(microsecond=0)

    # --- stores, people ---------------------------------------------------------------------
    n_stores = max(1, math.ceil(staff / STAFF_PER_STORE))
    n_supervisors = max(1, math.ceil(n_stores / STORES_PER_SUPERVISOR))
    store_id0 = _next_id(session, Store)
    session.connection().execute(
        insert(Store),
        [
            {"id": store_id0 + i, "code": f"{PREFIX.upper()}-{i + 1:04d}", "name": f"Bench {i + 1}"}
            for i in range(n_stores)
        ],
    )
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(secrets.token_urlsafe(16))  # nobody signs in
    user_id0 = _next_id(session, User)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
    people, memberships = [], []
    cashier_store: dict[int, int] = {}
    for i in range(n_supervisors + staff):
        user_id = user_id0 + i
        supervisor = i < n_supervisors
        name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
        people.append(
            {
                "id": user_id,
                "username": f"{PREFIX}-{'s' if supervisor else 'c'}{i + 1:06d}",
                "employee_no": f"B{i + 1:07d}",
                "name": name,
                "role": Role.SUPERVISOR if supervisor else Role.CASHIER,
                "password_hash": password_hash,
                "created_at": now - timedelta(days=rng.randint(30, 900)),
            }
        )
        if supervisor:
            first = i * STORES_PER_SUPERVISOR
            for s in range(first, min(first + STORES_PER_SUPERVISOR, n_stores)):
                memberships.append({"user_id": user_id, "store_id": store_id0 + s})
        else:
            store = store_id0 + (i - n_supervisors) % n_stores
            cashier_store[user_id] = store
            memberships.append({"user_id": user_id, "store_id": store})
    session.connection().execute(insert(User), people)
    session.connection().execute(insert(user_stores), memberships)
    session.commit()
    progress(f"{n_stores} stores, {n_supervisors} supervisors, {staff} cashiers")

    # --- how hard things are ----------------------------------------------------------------
    ability = {uid: rng.gauss(0, 1) for uid in cashier_store}
    store_effect = {store_id0 + s: rng.gauss(0, 0.35) for s in range(n_stores)}
    tag_difficulty: dict[str, float] = {}
    store_weak: dict[int, set[str]] = {}

    def difficulty(tag: str) -> float:
        if tag not in tag_difficulty:
            tag_difficulty[tag] = rng.gauss(0, 0.7)
        return tag_difficulty[tag]

    # --- attempts ---------------------------------------------------------------------------
    revision = -seed - 1  # a cache key of its own: each quiz's candidates are read once
    versions_cache: dict[str, dict] = {}
    layouts: dict[str, list[dict]] = {}
    cashiers = list(cashier_store)
    per_person = attempts / max(1, len(cashiers))
    attempt_id = _next_id(session, Attempt)
    item_id = _next_id(session, AttemptItem)
    written_attempts = written_items = 0
    attempt_rows: list[dict] = []
    item_rows: list[dict] = []
    passed_at: dict[tuple[int, str], datetime] = {}  # (user, quiz slug) -> first pass
    all_tags: list[str] = []

    def flush() -> None:
        if attempt_rows:
            session.connection().execute(insert(Attempt), attempt_rows)
        if item_rows:
            session.connection().execute(insert(AttemptItem), item_rows)
        session.commit()
        attempt_rows.clear()
        item_rows.clear()

    remaining = attempts
    for index, user_id in enumerate(cashiers):
        # Spread the total evenly (the last person takes what is left).
        left_people = len(cashiers) - index
        count = (
            remaining
            if left_people == 1
            else min(remaining, round(per_person * rng.uniform(0.5, 1.5)))
        )
        remaining -= count
        store = cashier_store[user_id]
        times = sorted(
            now - timedelta(minutes=rng.randint(60, 365 * 24 * 60)) for _ in range(count)
        )
        numbers: dict[int, int] = {}
        for when in times:
            quiz = rng.choice(quizzes)
            drawn = draw_questions(session, quiz, rng, revision)
            if not drawn:
                continue
            number = numbers[quiz.id] = numbers.get(quiz.id, 0) + 1
            missing = [d for _q, d in drawn if d not in versions_cache]
            if missing:
                versions_cache.update(question_snapshots(session, missing))
            if store not in store_weak:
                if not all_tags:
                    all_tags = sorted(
                        {t for v in versions_cache.values() for t in v.get("tags", [])}
                    )
                store_weak[store] = set(rng.sample(all_tags, min(2, len(all_tags))))
            skill = ability[user_id] + store_effect[store] + 0.35 * min(number - 1, 3) + 1.4
            score = maximum = 0.0
            rows = []
            for position, (question_id, digest) in enumerate(drawn):
                question = versions_cache[digest]
                points = max_points(question)
                tags = question.get("tags") or []
                hardness = sum(difficulty(t) for t in tags) / max(1, len(tags))
                hardness += 0.25 * (question.get("difficulty", 1) - 1)
                if store_weak[store] & set(tags):
                    hardness += 1.1
                right = rng.random() < _sigmoid(skill - hardness)
                if digest not in layouts:
                    layouts[digest] = [
                        make_layout(question, rng, True) for _ in range(LAYOUTS_PER_QUESTION)
                    ]
                layout = rng.choice(layouts[digest])
                item_score = points if right else 0.0
                score += item_score
                maximum += points
                rows.append(
                    {
                        "id": item_id,
                        "attempt_id": attempt_id,
                        "position": position,
                        "question_id": question_id,
                        "question_hash": digest,
                        "layout": layout,
                        "response": _answer(question, right, layout, rng),
                        "saved_at": when,
                        "score": item_score,
                        "max_score": points,
                        "status": "correct" if right or points == 0 else "incorrect",
                        "created_at": when,
                    }
                )
                item_id += 1
            pass_mark = float(quiz.definition.get("pass_mark", 80))
            percent = round(100 * score / maximum, 1) if maximum else 100.0
            attempt_rows.append(
                {
                    "id": attempt_id,
                    "quiz_id": quiz.id,
                    "user_id": user_id,
                    "number": number,
                    "status": AttemptStatus.GRADED,
                    "started_at": when - timedelta(minutes=rng.randint(5, 25)),
                    "submitted_at": when,
                    "score": score,
                    "max_score": maximum,
                    "percent": percent,
                    "passed": percent >= pass_mark,
                    "pass_mark": pass_mark,
                    "review_policy": quiz.definition.get("review", "after_submission"),
                }
            )
            if percent >= pass_mark:
                passed_at.setdefault((user_id, quiz.slug), when)
            item_rows.extend(rows)
            attempt_id += 1
            written_attempts += 1
            written_items += len(rows)
            if len(item_rows) >= BATCH * 4:
                flush()
                progress(f"{written_attempts} attempts")
    flush()
    progress(f"{written_attempts} attempts, {written_items} answers")

    # --- certificates -----------------------------------------------------------------------
    certificate_rows = []
    versions = session.execute(
        select(Course, CourseVersion)
        .join(CourseVersion, CourseVersion.course_id == Course.id)
        .where(CourseVersion.current, Course.active)
        .order_by(Course.position, Course.code)
    ).all()
    names = {p["id"]: p["name"] for p in people}
    certificate_id = _next_id(session, Certificate)
    for course, version in versions:
        required = list(version.required_quizzes or [])
        if not required:
            continue
        for user_id in cashiers:
            moments = [passed_at.get((user_id, slug)) for slug in required]
            if any(m is None for m in moments):
                continue
            issued = max(moments)
            revoked = rng.random() < 0.01
            certificate_rows.append(
                {
                    "id": certificate_id,
                    "serial": f"BENCH-{certificate_id:08d}",
                    "verify_code": f"bench{seed}-{certificate_id}-{rng.getrandbits(64):016x}",
                    "user_id": user_id,
                    "course_id": course.id,
                    "course_version": version.version,
                    "course_major": version.major,
                    "in_force": not revoked,  # one certificate in force per person and course
                    "holder_name": names[user_id],
                    "store_id": cashier_store[user_id],
                    "score_percent": round(rng.uniform(80, 100), 1),
                    "issued_at": issued,
                    "expires_at": add_months(issued, version.certificate_validity_months),
                    "revoked_at": issued + timedelta(days=30) if revoked else None,
                    "revoked_reason": "issued_in_error" if revoked else None,
                    "updated_at": issued,
                }
            )
            certificate_id += 1
    for start in range(0, len(certificate_rows), BATCH):
        session.connection().execute(insert(Certificate), certificate_rows[start : start + BATCH])
    assign_courses(session)
    _bump_sequences(session, Store, User, Attempt, AttemptItem, Certificate)
    # The attempts went in with bulk INSERTs, past the grading code that keeps these sums.
    itemsums.rebuild(session)
    kept.rebuild(session)
    session.commit()
    if session.bind.dialect.name == "postgresql":
        # Fresh statistics, as autovacuum would gather after a while: without them the planner
        # takes the new tables for empty and joins millions of rows in nested loops.
        # A connection of its own: the command's session is bound to one (trainer.db).
        with session.bind.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return BenchSummary(
        n_stores, n_supervisors, staff, written_attempts, written_items, len(certificate_rows)
    )
