"""Live store drills: a supervisor's lobby and join code, rounds in step, the board, the record.

Everything is in the database, so several app servers behind a plain reverse proxy serve one
drill: the board and the participants poll, and whichever request notices that a round is over
(everyone answered, or its deadline passed) moves the drill on. Moving on is one conditional
UPDATE (``WHERE round = n``), so two servers noticing at once advance it only once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from trainer.drills import service
from trainer.drills.service import (
    GRACE,
    definition,
    finalize,
    new_participant,
    new_run,
    record,
)
from trainer.models import Drill, DrillParticipant, DrillRun, Role, Store, User, user_stores

# Unambiguous on a phone screen and when read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class JoinRefused(Exception):
    """Joining is not possible: "unknown" (no such drill open to you) or "started"."""


def new_code(session: Session) -> str:
    """A join code no other run has."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(DrillRun.id).where(DrillRun.join_code == code)) is None:
            return code


def manageable_stores(session: Session, user: User) -> list[Store]:
    """Stores the user may run live drills for: a supervisor's own, every store for an admin."""
    if user.role is Role.ADMIN:
        return list(session.scalars(select(Store).where(Store.active).order_by(Store.code)))
    return [store for store in user.stores if store.active]


def can_manage(user: User, run: DrillRun) -> bool:
    """Whether ``user`` leads or oversees this live run."""
    if run.mode != "live":
        return False
    return user.role is Role.ADMIN or run.store_id in user.store_ids


def store_staff(session: Session, store_id: int, *, leader_id: int | None) -> list[dict]:
    """Active cashiers and supervisors of a store (who is expected at a drill), by name."""
    rows = session.execute(
        select(User.id, User.name, User.employee_no)
        .join(user_stores, user_stores.c.user_id == User.id)
        .where(
            user_stores.c.store_id == store_id,
            User.active,
            User.role.in_([Role.CASHIER, Role.SUPERVISOR]),
            User.id != (leader_id or 0),
        )
        .order_by(User.name)
    ).all()
    return [{"id": i, "name": n, "employee_no": e} for i, n, e in rows]


def create_live(session: Session, leader: User, drill: Drill, store: Store) -> DrillRun:
    """Open a live drill's lobby for ``store``: a join code, and the staff expected."""
    run = new_run(
        drill,
        mode="live",
        status="lobby",
        store_id=store.id,
        supervisor_id=leader.id,
        join_code=new_code(session),
        roster=store_staff(session, store.id, leader_id=leader.id),
    )
    session.add(run)
    session.flush()
    return run


# One query, built once (a room joins at the same moment): the run with that code, only if it
# is of one of the user's stores, and the user's earlier joining if any.
_JOINABLE = (
    select(DrillRun, DrillParticipant)
    .join(
        user_stores,
        and_(
            user_stores.c.store_id == DrillRun.store_id,
            user_stores.c.user_id == bindparam("user_id"),
        ),
    )
    .outerjoin(
        DrillParticipant,
        and_(
            DrillParticipant.run_id == DrillRun.id,
            DrillParticipant.user_id == bindparam("user_id"),
        ),
    )
    .where(DrillRun.join_code == bindparam("code"), DrillRun.mode == "live")
)


def join(session: Session, user: User, code: str) -> DrillParticipant:
    """Join the live drill with ``code``; only in the user's own store, and before it starts.

    A drill of another store answers exactly like a wrong code: nothing to probe.
    """
    code = (code or "").strip().upper().replace(" ", "")
    found = session.execute(_JOINABLE, {"user_id": user.id, "code": code}).first()
    if found is None:
        raise JoinRefused("unknown")
    run, participant = found
    if participant is not None:
        return participant  # joining again (another phone, a reload) finds the same place
    if run.status != "lobby":
        raise JoinRefused("started" if run.status == "running" else "unknown")
    participant = new_participant(run, user, definition(run))
    session.add(participant)
    session.flush()
    return participant


def _overall_deadline(run: DrillRun) -> datetime:
    return run.started_at + timedelta(seconds=definition(run).time_limit_seconds)


def _round_deadline(run: DrillRun, step_ids: set[str], now: datetime) -> datetime:
    drill = definition(run)
    longest = max(drill.step(s).time_limit_seconds for s in step_ids)
    return min(now + timedelta(seconds=longest), _overall_deadline(run))


def start(session: Session, run: DrillRun) -> bool:
    """Start a lobby: round 1 begins now for everyone who joined."""
    now = service.clock()
    changed = session.execute(
        update(DrillRun)
        .where(DrillRun.id == run.id, DrillRun.status == "lobby")
        .values(status="running", started_at=now, round=1, round_started_at=now)
    ).rowcount
    if not changed:
        return False
    session.refresh(run)
    if not session.scalar(select(func.count()).where(DrillParticipant.run_id == run.id)):
        finish(session, run, now)
        return True
    run.round_deadline_at = _round_deadline(run, {definition(run).start}, now)
    return True


def due(run: DrillRun, now: datetime) -> bool:
    """Whether the current round's time is up (with the network grace)."""
    return (
        run.status == "running"
        and run.round_deadline_at is not None
        and now > run.round_deadline_at + GRACE
    )


def advance(session: Session, run: DrillRun, now: datetime | None = None) -> bool:
    """End the current round and begin the next (or finish); False if another did it first."""
    now = now or service.clock()
    current = run.round
    claimed = session.execute(
        update(DrillRun)
        .where(DrillRun.id == run.id, DrillRun.round == current, DrillRun.status == "running")
        .values(round=current + 1, round_started_at=now)
    ).rowcount
    if not claimed:
        return False
    session.refresh(run)
    drill = definition(run)
    # Whoever did not answer this round missed its step and moves along its default path.
    for participant in session.scalars(
        select(DrillParticipant).where(
            DrillParticipant.run_id == run.id,
            DrillParticipant.finished_at.is_(None),
            DrillParticipant.answered < current,
        )
    ):
        step = drill.step(participant.step_id)
        record(participant, drill, step, None, step.time_limit_seconds + GRACE.seconds, now)
    session.flush()
    active = set(
        session.scalars(
            select(DrillParticipant.step_id).where(
                DrillParticipant.run_id == run.id, DrillParticipant.finished_at.is_(None)
            )
        )
    )
    if not active or now >= _overall_deadline(run):
        finish(session, run, now)
    else:
        run.round_deadline_at = _round_deadline(run, active, now)
    return True


# Built once, like the other hot statements: every answer of the room runs it.
_SOMEONE_STILL_OWES = select(
    exists().where(
        DrillParticipant.run_id == bindparam("run_id"),
        DrillParticipant.finished_at.is_(None),
        DrillParticipant.answered < bindparam("round"),
    )
)


def advance_if_everyone_answered(session: Session, run: DrillRun) -> bool:
    """After an answer: when nobody still owes this round an answer, the next one begins.

    Called after the answer is committed, in a transaction of its own: of two last answers
    committed at the same moment, each then sees the other's (under READ COMMITTED a check
    inside the answer's own transaction could miss it, and the round would wait for its
    deadline). EXISTS, not a count: it stops at the first person still owing an answer,
    where a count reads every participant of the run, for every answer of the round.
    """
    if run.status != "running":
        return False
    waiting = session.scalar(_SOMEONE_STILL_OWES, {"run_id": run.id, "round": run.round})
    return False if waiting else advance(session, run)


def finish(session: Session, run: DrillRun, now: datetime | None = None) -> None:
    """End the drill: close everyone's result and keep the board as the drill record."""
    now = now or service.clock()
    drill = definition(run)
    for participant in session.scalars(
        select(DrillParticipant).where(
            DrillParticipant.run_id == run.id, DrillParticipant.finished_at.is_(None)
        )
    ):
        finalize(participant, drill, now)
    run.status, run.finished_at = "finished", now
    run.round_deadline_at = None
    session.flush()
    run.record = board(session, run, now).as_record()


@dataclass
class BoardRow:
    """One person on the board."""

    user_id: int
    name: str
    employee_no: str | None
    state: str  # joined | step | answered | finished
    step: int
    percent: float | None
    passed: bool | None
    seconds: float | None
    critical: int
    participant_id: int


@dataclass
class Board:
    """The supervisor's live view, and at the end the drill record."""

    run_id: int
    status: str
    round: int
    steps_seconds_left: int
    rows: list[BoardRow]
    absentees: list[dict]

    def as_record(self) -> dict:
        """JSON kept on the run when it ends."""
        return {
            "participants": [row.__dict__ for row in self.rows],
            "absentees": self.absentees,
        }


def _so_far(participant: DrillParticipant) -> tuple[float | None, int]:
    """Answer time and critical errors: the result's once finished, else the answers' so far."""
    if participant.finished_at is not None:
        return participant.seconds, participant.critical_count
    answers = participant.answers
    seconds = round(sum(a["elapsed"] for a in answers), 1) if answers else None
    return seconds, sum(1 for a in answers if a.get("critical"))


def board(session: Session, run: DrillRun, now: datetime | None = None) -> Board:
    """Everyone who joined, where they are and how they do (one query, any size)."""
    now = now or service.clock()
    rows = []
    for participant, name, employee_no in session.execute(
        select(DrillParticipant, User.name, User.employee_no)
        .join(User, User.id == DrillParticipant.user_id)
        .where(DrillParticipant.run_id == run.id)
        .order_by(User.name)
    ):
        if participant.finished_at is not None:
            state = "finished"
        elif run.status == "lobby":
            state = "joined"
        elif participant.answered >= run.round:
            state = "answered"
        else:
            state = "step"
        rows.append(
            BoardRow(
                participant.user_id,
                name,
                employee_no,
                state,
                min(participant.answered + 1, max(run.round, 1)),
                participant.percent,
                participant.passed,
                *_so_far(participant),
                participant.id,
            )
        )
    joined = {row.user_id for row in rows}
    absentees = [person for person in run.roster or [] if person["id"] not in joined]
    left = 0
    if run.status == "running" and run.round_deadline_at is not None:
        left = max(0, int((run.round_deadline_at - now).total_seconds()))
    return Board(run.id, run.status, run.round, left, rows, absentees)
