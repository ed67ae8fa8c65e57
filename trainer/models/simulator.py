"""Runs on the POS terminal simulator: who, which scenario, every key pressed, the grade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trainer.db import Base, UTCDateTime, utcnow
from trainer.models.people import User


class SimRun(Base):
    """One run of a scenario: free practice, a terminal question of a quiz attempt, or a drill step.

    The action log is the evidence: the server appends every key with the seconds since the
    run started (its own clock), and any screen, receipt or grade is the log replayed by the
    engine. The scenario is a copy, so editing its YAML never changes a run already made.
    """

    __tablename__ = "sim_run"
    __table_args__ = (
        # A question of an attempt (or a step of a drill run) has at most one run per person.
        Index("ix_sim_run_attempt", "attempt_id", "question_key"),
        Index("ix_sim_run_drill", "drill_participant_id", "drill_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The owner's store when the run started: supervisors of that store may replay it.
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(120))
    scenario: Mapped[dict]
    actions: Mapped[list]  # [{"key": str, "t": float}, …]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grade: Mapped[dict | None]
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    # Where the run belongs: "practice", "quiz" (attempt + question), "drill" (participant + step).
    context: Mapped[str] = mapped_column(String(10), default="practice")
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_key: Mapped[str | None] = mapped_column(String(200))
    drill_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("drill_participant.id", ondelete="CASCADE")
    )
    drill_step: Mapped[str | None] = mapped_column(String(120))
    # Two presses at once (two tabs, a double tap) cannot both append to the same old log.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship()
