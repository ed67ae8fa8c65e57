"""Emergency drills: imported definitions, runs (solo practice or live store drills), people.

All state of a live drill is here, in the database: any app server can answer any request, and
the supervisor's board and the participants' pages poll it (no in-process state).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.db import Base, UTCDateTime, utcnow
from trainer.models.people import Store, User


class Drill(Base):
    """A drill definition as imported from quizzes/drills/<slug>.yaml."""

    __tablename__ = "drill"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    course_code: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[dict]
    definition: Mapped[dict]
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DrillRun(Base):
    """One drill being run: a cashier's solo practice, or a live drill a supervisor leads.

    A live run goes lobby -> running -> finished. While running, everyone is in the same
    round (the n-th step of their own path) and the round ends when all have answered or its
    deadline passes. The definition is a copy, so a re-import never changes a run under way.

    The JSON columns are deferred (read when first used): every poll and answer of a live drill
    loads its run, and parsing the definition (about 20 KB) took a third of a poll's own work.
    The parsed definition is cached per process by ``definition_hash`` (drills.service).
    """

    __tablename__ = "drill_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drill.id"), index=True)
    definition: Mapped[dict] = mapped_column(deferred=True)
    definition_hash: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(10))  # solo | live
    status: Mapped[str] = mapped_column(String(12))  # lobby | running | finished
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round: Mapped[int] = mapped_column(default=0)
    round_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    round_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff expected at a live drill (taken when it is created), to list absentees.
    roster: Mapped[list | None] = mapped_column(deferred=True)
    # The board as it stood at the end: the drill record.
    record: Mapped[dict | None] = mapped_column(deferred=True)

    drill: Mapped[Drill] = relationship()
    store: Mapped[Store | None] = relationship()
    supervisor: Mapped[User | None] = relationship()


class DrillParticipant(Base):
    """A person in a run: where they are, what they answered, and the result."""

    __tablename__ = "drill_participant"
    __table_args__ = (UniqueConstraint("run_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("drill_run.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Seed of this person's opaque option tokens and their order (see domain.drills.engine).
    nonce: Mapped[str] = mapped_column(String(32))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    step_id: Mapped[str | None] = mapped_column(String(120))  # None once finished
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # solo timing
    answered: Mapped[int] = mapped_column(default=0)  # steps answered or missed so far
    answers: Mapped[list]
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    percent: Mapped[float | None]
    passed: Mapped[bool | None]
    critical_count: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float | None]
    # Two requests for the same person (two tabs, a retry) cannot both record a step.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    run: Mapped[DrillRun] = relationship()
    user: Mapped[User] = relationship()
