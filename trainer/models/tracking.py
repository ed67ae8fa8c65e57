"""Assignments with due dates, the rules that make them, and the notices people get about them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from trainer.db import Base, UTCDateTime, utcnow


class TargetKind(enum.StrEnum):
    """What an assignment asks for; ``ref`` is the course code, quiz slug or drill slug.

    A string reference rather than a foreign key per kind, so drills (built separately) need
    no new column: the kind names which table ``ref`` points into.
    """

    COURSE = "course"
    QUIZ = "quiz"
    DRILL = "drill"


class AssignmentSource(enum.StrEnum):
    """Who made an assignment: a person, an onboarding rule, or a certificate about to expire."""

    MANUAL = "manual"
    ONBOARDING = "onboarding"
    RECERTIFICATION = "recertification"


class Assignment(Base):
    """A course, quiz or drill a person, or every cashier of a store, must finish by a day.

    A store assignment is resolved when it is read: it covers whoever works in the store then,
    including cashiers who join later (see trainer.domain.tracking.effective_due for their day).
    """

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (store_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"), index=True)
    # A calendar day in the stores' time zone: overdue from the day after.
    due_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20), default=AssignmentSource.MANUAL.value)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_rule.id"))
    # The certificate a recertification assignment renews: unique, so it is made only once.
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class OnboardingRule(Base):
    """Assign these items to every new cashier (of one store, or of all), due N days after start."""

    __tablename__ = "onboarding_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # [{"kind": "course", "ref": "payment-errors"}, ...]
    items: Mapped[list]
    due_days: Mapped[int]
    store_id: Mapped[int | None] = mapped_column(ForeignKey("store.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeKind(enum.StrEnum):
    """What a notification says."""

    ASSIGNED = "assigned"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    RECERTIFY = "recertify"


class Notification(Base):
    """A message for one person, shown on their start page and, with SMTP set up, e-mailed.

    ``key`` is unique: a reminder is recorded by inserting its key, so it goes out once even
    when two reminder runs overlap (the second insert finds the key and does nothing).
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    # What the message needs: item kind and ref, due day (ISO) …; rendered in the reader's language.
    params: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MatrixCell(Base):
    """One person × one assigned item of the team matrix, decided ahead for the page's counts
    and order (trainer.tracking.kept).

    A cell's state changes with time alone at up to three moments (a due day passing, a
    certificate coming up for renewal, then expiring): ``state`` holds from when the cell was
    decided, ``state1`` from ``at1`` and so on; a missing moment never comes.
    """

    __tablename__ = "matrix_cell"
    # Stored in primary-key order on SQLite (no rowid): the page reads everyone's cells person
    # by person, and a rowid table made each of the 50,000 reads a second lookup (41 -> 24 ms
    # for the counts per column at compliance scope). PostgreSQL ignores the option.
    __table_args__ = {"sqlite_with_rowid": False}

    user_id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(140), primary_key=True)  # "kind:ref"
    state: Mapped[str] = mapped_column(String(20))
    at1: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state1: Mapped[str | None] = mapped_column(String(20))
    at2: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state2: Mapped[str | None] = mapped_column(String(20))
    at3: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state3: Mapped[str | None] = mapped_column(String(20))


class OnTimeOutcome(Base):
    """Whether a person met an assignment by their due day (a store assignment gives a later
    joiner their own), decided ahead for the trends report (trainer.tracking.ontime).

    Kept for every open assignment of every person, due or not: the outcome depends on the
    facts alone, and a change to them marks the person (``MatrixStale``).
    """

    __tablename__ = "on_time_outcome"
    # In key order on SQLite, as matrix_cell: the report reads them all.
    __table_args__ = {"sqlite_with_rowid": False}

    assignment_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    met: Mapped[bool]


class MatrixStale(Base):
    """People whose matrix cells must be decided again; user id 0 stands for everyone.

    Written by database triggers (trainer.tracking.kept.TRIGGERS) wherever a cell's facts
    change, whichever code path writes them (bulk inserts included).
    """

    __tablename__ = "matrix_stale"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
