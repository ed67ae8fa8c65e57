"""Quiz attempts and the answer to each question in them."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import cached_property

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from trainer.db import Base, UTCDateTime, utcnow


class AttemptStatus(enum.StrEnum):
    """Where an attempt is in its life."""

    IN_PROGRESS = "in_progress"
    AWAITING_REVIEW = "awaiting_review"  # an essay waits in a supervisor's grading queue
    GRADED = "graded"


class Attempt(Base):
    """One try at a quiz; question order and option order are fixed when it starts."""

    __tablename__ = "attempt"
    __table_args__ = (
        # Two tabs starting at once cannot both create attempt number N.
        UniqueConstraint("user_id", "quiz_id", "number"),
        # Reports start from first (or all) graded attempts in a period, then read their items:
        # without it the database walks every answer to find the attempts (trainer.reports).
        Index("ix_attempt_reports", "number", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    number: Mapped[int]
    status: Mapped[AttemptStatus] = mapped_column(
        Enum(
            AttemptStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AttemptStatus.IN_PROGRESS,
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    percent: Mapped[float | None]
    passed: Mapped[bool | None]
    pass_mark: Mapped[float]
    review_policy: Mapped[str] = mapped_column(String(20), default="after_submission")
    weak_topics: Mapped[list | None]

    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )


class AttemptItem(Base):
    """A question inside an attempt: its version, stored layout, saved response and grade."""

    __tablename__ = "attempt_item"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    # The question as it was when the attempt started (an immutable, content-addressed version).
    question_hash: Mapped[str] = mapped_column(ForeignKey("question_version.content_hash"))
    layout: Mapped[dict]
    response: Mapped[dict | None]
    saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None]
    max_score: Mapped[float]
    status: Mapped[str | None] = mapped_column(String(20))
    grade: Mapped[dict | None]
    # What grading found at submit (feedback parts; grading.kept_outcome), so that the result
    # page need not grade the answer again. None before the submit and for older attempts.
    outcome: Mapped[dict | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="items")

    @cached_property  # the version never changes; grading asks dozens of times per submit
    def question(self) -> dict:
        """The question's data for this attempt (shared and cached: do not change it)."""
        from trainer.models.content import question_snapshots

        return question_snapshots(object_session(self), [self.question_hash])[self.question_hash]


class ItemSum(Base):
    """Running sums behind the item analysis (trainer.reports.itemsums keeps them).

    One row per quiz, question, group of stores, first-or-later attempt, chosen option and
    item maximum: adding the rows a report covers gives exactly what one scan of every graded
    answer would (n, Σx, Σx², Σy, Σy², Σxy with x the item score and y the attempt score), so
    the report no longer grows with the number of attempts.
    """

    __tablename__ = "item_sum"
    __table_args__ = (
        # quiz and stores first: a report reads one quiz's rows of a few store keys.
        UniqueConstraint("quiz_id", "stores", "question_id", "first", "option", "max_score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    #: The learner's stores as ",3,7," ("," for none), or "*" for everyone: itemsums.store_key.
    stores: Mapped[str] = mapped_column(String(400))
    first: Mapped[bool]  # attempt number 1
    option: Mapped[str] = mapped_column(String(400))  # the chosen option(s); "" for none
    max_score: Mapped[float]
    n: Mapped[int]
    sum_x: Mapped[float]
    sum_xx: Mapped[float]
    sum_y: Mapped[float]
    sum_yy: Mapped[float]
    sum_xy: Mapped[float]


class QuizSum(Base):
    """Running count and percent total of graded attempts, per quiz, store group and first."""

    __tablename__ = "quiz_sum"
    __table_args__ = (UniqueConstraint("quiz_id", "stores", "first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id"))
    stores: Mapped[str] = mapped_column(String(400))
    first: Mapped[bool]
    n: Mapped[int]
    n_percent: Mapped[int]  # attempts with a percent (avg() leaves NULLs out)
    sum_percent: Mapped[float]


class TopicSum(Base):
    """Running first-attempt answer counts per store, local month and question (weak topics).

    Kept with the item sums (trainer.reports.itemsums). A learner in two stores counts in
    both, as the weak-topics report counts them; people in no store are not counted.
    """

    __tablename__ = "topic_sum"
    __table_args__ = (
        UniqueConstraint("store_id", "question_id", "month"),
        # The report adds up a year of months per store and question: with the sums in the
        # index, in this order, that is one walk of the index without sorting (SQLite: 120 ms
        # -> 40 ms for 108,000 rows at 200 stores).
        Index("ix_topic_sum_report", "store_id", "question_id", "month", "answered", "wrong"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    month: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM' in TRAINER_TIMEZONE
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"))
    answered: Mapped[int]  # graded answers worth marks
    wrong: Mapped[int]  # of which less than full marks


class MonthSum(Base):
    """Running graded-attempt figures per store and local month (the trends page)."""

    __tablename__ = "month_sum"
    __table_args__ = (UniqueConstraint("month", "store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("store.id"))
    month: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM' in TRAINER_TIMEZONE
    attempts: Mapped[int]
    passed: Mapped[int]
    sum_percent: Mapped[float]  # NULL percents add nothing, as sum() in SQL
