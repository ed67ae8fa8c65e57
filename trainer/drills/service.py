"""Drill runs for one person: import, solo practice, where someone is, answering, results.

Time is the server's: a step's deadline is computed here from stored start times, and an
answer that arrives after it (plus a short network grace) counts as missed. ``clock()`` is
the one place the current time comes from, so tests can move it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.domain.drills import (
    GRACE_SECONDS,
    DrillStep,
    StepOutcome,
    option_tokens,
    order_tokens,
    resolve_choice,
    resolve_order,
    score_drill,
    step_outcome,
)
from trainer.domain.drills import Drill as DrillDefinition
from trainer.models import Drill, DrillParticipant, DrillRun, User

GRACE = timedelta(seconds=GRACE_SECONDS)


def clock() -> datetime:
    """The current time (UTC); tests replace this function to let time pass."""
    return utcnow()


# --- definitions ------------------------------------------------------------------------------


def _digest(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def import_drills(session: Session, drills: Mapping[str, DrillDefinition]) -> int:
    """Create, update or withdraw drill rows to match the content tree; how many changed."""
    rows = {row.slug: row for row in session.scalars(select(Drill))}
    changed = 0
    for slug, drill in drills.items():
        data = json.loads(json.dumps(drill.to_dict(), ensure_ascii=False))
        digest = _digest(data)
        row = rows.get(slug)
        if row is None:
            session.add(
                Drill(
                    slug=slug,
                    course_code=drill.course,
                    title=drill.title,
                    definition=data,
                    content_hash=digest,
                )
            )
            changed += 1
        elif (row.content_hash, row.active) != (digest, True):
            row.title, row.definition, row.content_hash = drill.title, data, digest
            row.course_code, row.active = drill.course, True
            changed += 1
    for slug, row in rows.items():
        if slug not in drills and row.active:
            row.active = False
            changed += 1
    return changed


# Parsed definitions by content hash, per process; a hash always means the same definition.
_definitions: dict[str, DrillDefinition] = {}
_definitions_lock = threading.Lock()


def definition(run: DrillRun) -> DrillDefinition:
    """The run's drill definition (parsed once per process)."""
    found = _definitions.get(run.definition_hash)
    if found is None:
        found = DrillDefinition.from_dict(run.definition)
        with _definitions_lock:
            if len(_definitions) > 256:
                _definitions.clear()
            _definitions[run.definition_hash] = found
    return found


def active_drills(session: Session) -> list[Drill]:
    """Every drill that can be practised, by slug."""
    return list(session.scalars(select(Drill).where(Drill.active).order_by(Drill.slug)))


def drill_by_slug(session: Session, slug: str) -> Drill | None:
    """An active drill."""
    return session.scalar(select(Drill).where(Drill.slug == slug, Drill.active))


def new_run(drill: Drill, *, mode: str, status: str, **values) -> DrillRun:
    """A run with its own copy of the definition."""
    return DrillRun(
        drill_id=drill.id,
        definition=drill.definition,
        definition_hash=drill.content_hash,
        mode=mode,
        status=status,
        round=0,
        **values,
    )


def new_participant(run: DrillRun, user: User, drill: DrillDefinition) -> DrillParticipant:
    """A person entering a run, on its first step."""
    return DrillParticipant(
        run=run,
        user_id=user.id,
        nonce=secrets.token_hex(16),
        step_id=drill.start,
        answered=0,
        answers=[],
        critical_count=0,
    )


def start_solo(session: Session, user: User, drill: Drill) -> DrillParticipant:
    """Start a solo practice run now; the first step's clock starts at once."""
    now = clock()
    run = new_run(
        drill,
        mode="solo",
        status="running",
        store_id=user.stores[0].id if user.stores else None,
        started_at=now,
    )
    session.add(run)
    participant = new_participant(run, user, definition(run))
    participant.step_started_at = now
    session.add(participant)
    session.flush()
    return participant


# --- where a participant is -------------------------------------------------------------------


@dataclass
class Position:
    """What a participant sees now."""

    status: str  # lobby | step | waiting | finished
    number: int = 0  # the step's number along this person's path (1-based)
    step: DrillStep | None = None
    deadline_at: datetime | None = None

    def seconds_left(self, now: datetime) -> int:
        """Whole seconds until the step's deadline (never negative)."""
        if self.deadline_at is None:
            return 0
        return max(0, int((self.deadline_at - now).total_seconds()))


def _step_start(run: DrillRun, participant: DrillParticipant) -> datetime | None:
    if run.mode == "live":
        return run.round_started_at
    return participant.step_started_at


def position(run: DrillRun, participant: DrillParticipant) -> Position:
    """Where ``participant`` is (call catch_up first so missed deadlines are applied)."""
    drill = definition(run)
    if participant.finished_at is not None or run.status == "finished":
        return Position("finished", participant.answered)
    if run.status == "lobby":
        return Position("lobby")
    number = participant.answered + 1
    if run.mode == "live" and participant.answered >= run.round:
        return Position("waiting", participant.answered)
    step = drill.step(participant.step_id)
    start = _step_start(run, participant)
    if step is None or start is None:
        return Position("waiting", participant.answered)
    return Position("step", number, step, start + timedelta(seconds=step.time_limit_seconds))


def _outcomes(participant: DrillParticipant) -> list[StepOutcome]:
    fields = StepOutcome.__dataclass_fields__
    return [StepOutcome(**{k: v for k, v in a.items() if k in fields}) for a in participant.answers]


def finalize(participant: DrillParticipant, drill: DrillDefinition, now: datetime) -> None:
    """Close a participant's drill and store the result."""
    result = score_drill(drill, _outcomes(participant))
    participant.step_id = None
    participant.finished_at = now
    participant.percent = result.percent
    participant.passed = result.passed
    participant.critical_count = len(result.critical_errors)
    participant.seconds = result.seconds


def record(
    participant: DrillParticipant,
    drill: DrillDefinition,
    step: DrillStep,
    choice,
    elapsed: float,
    now: datetime,
) -> StepOutcome:
    """Store one answer (``choice`` None: missed) and move the participant on."""
    outcome = step_outcome(drill, step, choice, elapsed)
    entry = {**outcome.__dict__, "elapsed": round(elapsed, 2), "at": now.isoformat()}
    participant.answers = [*participant.answers, entry]
    participant.answered += 1
    participant.step_id = outcome.next
    participant.step_started_at = now
    if outcome.next is None:
        finalize(participant, drill, now)
    return outcome


def catch_up(run: DrillRun, participant: DrillParticipant, now: datetime) -> bool:
    """Apply solo deadlines that passed while nobody asked; True when anything changed."""
    if run.mode != "solo" or participant.finished_at is not None:
        return False
    drill = definition(run)
    changed = False
    overall = run.started_at + timedelta(seconds=drill.time_limit_seconds) + GRACE
    while participant.step_id is not None:
        step = drill.step(participant.step_id)
        deadline = participant.step_started_at + timedelta(seconds=step.time_limit_seconds)
        if now <= deadline + GRACE and now <= overall:
            break
        # The next step's clock starts when this one's ran out, as if the page had moved on.
        record(participant, drill, step, None, step.time_limit_seconds, min(deadline, now))
        changed = True
    if participant.finished_at is None and now > overall:
        finalize(participant, drill, now)
        changed = True
    if changed and run.status != "finished" and participant.finished_at is not None:
        run.status, run.finished_at = "finished", participant.finished_at
    return changed


class AnswerRefused(Exception):
    """An answer that cannot be recorded: "stale" (already moved on) or "invalid"."""


def submit_answer(
    run: DrillRun,
    participant: DrillParticipant,
    *,
    number: int,
    choice_token: str | None,
    order: list[str] | None,
    now: datetime,
    terminal: dict | None = None,
) -> StepOutcome:
    """Record the answer to step ``number``; after its deadline it counts as missed."""
    catch_up(run, participant, now)
    where = position(run, participant)
    if where.status != "step" or where.number != number:
        raise AnswerRefused("stale")
    drill, step = definition(run), where.step
    elapsed = (
        now - (where.deadline_at - timedelta(seconds=step.time_limit_seconds))
    ).total_seconds()
    if now > where.deadline_at + GRACE:
        outcome = record(participant, drill, step, None, elapsed, now)
    else:
        if step.kind == "ordering":
            choice = resolve_order(participant.nonce, step, order or [])
        elif step.kind == "terminal":
            choice = terminal  # the run's grade (trainer.simulator.service.drill_result)
        else:
            choice = resolve_choice(participant.nonce, step, choice_token or "")
        if choice is None:
            raise AnswerRefused("invalid")
        outcome = record(participant, drill, step, choice, max(0.0, elapsed), now)
    if run.mode == "solo" and participant.finished_at is not None:
        run.status, run.finished_at = "finished", participant.finished_at
    return outcome


def shown_options(participant: DrillParticipant, step: DrillStep) -> list[tuple[str, dict]]:
    """(opaque token, text) of the step's options or items, in this person's order."""
    if step.kind == "ordering":
        texts = {item.id: item.text for item in step.items}
        return [(token, texts[item]) for token, item in order_tokens(participant.nonce, step)]
    texts = {option.id: option.text for option in step.options}
    return [(token, texts[option]) for token, option in option_tokens(participant.nonce, step)]


# --- results ----------------------------------------------------------------------------------


@dataclass
class DebriefStep:
    """One step of the debrief, in the order it was met."""

    number: int
    step: DrillStep
    outcome: StepOutcome
    chosen: dict | None  # the option's or items' texts
    harm: dict | None  # set when the answer was a critical error


def debrief(run: DrillRun, participant: DrillParticipant) -> list[DebriefStep]:
    """The path taken with what each answer earned, and the harm of any critical error."""
    drill = definition(run)
    steps = []
    for number, outcome in enumerate(_outcomes(participant), start=1):
        step = drill.step(outcome.step_id)
        chosen = harm = None
        if isinstance(outcome.choice, str):
            option = step.option(outcome.choice)
            chosen, harm = {"option": option}, option.critical
        elif isinstance(outcome.choice, dict):  # a terminal step: its run, to replay
            chosen = {"run": outcome.choice.get("run")}
        elif isinstance(outcome.choice, list):
            texts = {item.id: item.text for item in step.items}
            chosen = {"order": [texts[i] for i in outcome.choice if i in texts]}
        steps.append(DebriefStep(number, step, outcome, chosen, harm))
    return steps


# One query for both rows, built once: every poll and answer of a live drill runs it.
_PARTICIPANT_WITH_RUN = (
    select(DrillParticipant, DrillRun)
    .join(DrillRun, DrillRun.id == DrillParticipant.run_id)
    .where(DrillParticipant.id == bindparam("participant_id"))
)


def own_participant(session: Session, participant_id: int, user: User):
    """(run, participant) when ``participant_id`` is the user's own, else None."""
    found = session.execute(_PARTICIPANT_WITH_RUN, {"participant_id": participant_id}).first()
    if found is None or found[0].user_id != user.id:
        return None
    return found[1], found[0]


def passed_drills(
    session: Session, user_id: int, slugs: Iterable[str], since: datetime | None = None
) -> set[str]:
    """Which of ``slugs`` the user has passed (finished after ``since`` when given)."""
    slugs = list(slugs)
    if not slugs:
        return set()
    query = (
        select(Drill.slug)
        .join(DrillRun, DrillRun.drill_id == Drill.id)
        .join(DrillParticipant, DrillParticipant.run_id == DrillRun.id)
        .where(
            DrillParticipant.user_id == user_id,
            DrillParticipant.passed.is_(True),
            Drill.slug.in_(slugs),
        )
    )
    if since is not None:
        query = query.where(DrillParticipant.finished_at > since)
    return set(session.scalars(query.distinct()))


@dataclass
class PersonResult:
    """A person's finished drill, for tracking pages."""

    drill_slug: str
    drill_title: dict
    mode: str
    store_id: int | None
    finished_at: datetime
    percent: float | None
    passed: bool
    critical_count: int
    seconds: float | None
    participant_id: int


def person_results(session: Session, user_id: int, limit: int | None = 50) -> list[PersonResult]:
    """A person's finished drills, newest first (one query); ``limit`` None: every one."""
    rows = session.execute(
        select(Drill.slug, Drill.title, DrillRun.mode, DrillRun.store_id, DrillParticipant)
        .join(DrillRun, DrillRun.drill_id == Drill.id)
        .join(DrillParticipant, DrillParticipant.run_id == DrillRun.id)
        .where(DrillParticipant.user_id == user_id, DrillParticipant.finished_at.is_not(None))
        .order_by(DrillParticipant.finished_at.desc())
        .limit(limit)
    ).all()
    return [
        PersonResult(
            slug,
            title,
            mode,
            store_id,
            p.finished_at,
            p.percent,
            bool(p.passed),
            p.critical_count,
            p.seconds,
            p.id,
        )
        for slug, title, mode, store_id, p in rows
    ]


def best_results(session: Session, user_ids: Iterable[int]) -> dict[int, dict[str, PersonResult]]:
    """Per person and drill slug, their best finished result (passed first, then score).

    For tracking pages: one query for any number of people.
    """
    ids = list(user_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            DrillParticipant.user_id,
            Drill.slug,
            Drill.title,
            DrillRun.mode,
            DrillRun.store_id,
            DrillParticipant,
        )
        .join(DrillRun, DrillRun.id == DrillParticipant.run_id)
        .join(Drill, Drill.id == DrillRun.drill_id)
        .where(DrillParticipant.user_id.in_(ids), DrillParticipant.finished_at.is_not(None))
    ).all()
    best: dict[int, dict[str, PersonResult]] = {}
    for user_id, slug, title, mode, store_id, p in rows:
        result = PersonResult(
            slug, title, mode, store_id, p.finished_at, p.percent, bool(p.passed),
            p.critical_count, p.seconds, p.id,
        )  # fmt: skip
        mine = best.setdefault(user_id, {})
        kept = mine.get(slug)
        rank = (result.passed, result.percent or 0.0, result.finished_at)
        if kept is None or rank > (kept.passed, kept.percent or 0.0, kept.finished_at):
            mine[slug] = result
    return best
