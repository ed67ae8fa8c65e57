"""Where a person stands with an assigned item: the rules behind each cell of the team matrix.

Pure Python (no Flask, no database): trainer.tracking.matrix gathers the facts, these
functions decide. The rules, in the order they are checked:

* A **course** is met by a certificate that is still valid on the due day (it expires after
  it, or never). A valid certificate that expires within the course's ``recertify_days``, or
  on or before the due day, shows as *expiring*: the holder must renew it.
* A **quiz** is met by any passed attempt (to ask for a fresh pass, assign the course: its
  certificates expire); a **drill** likewise by any passed run (its best run counts as the
  only "attempt", and a failed one says whether it had a critical error).
* Not met and past the due day: *overdue* (whatever was tried; the cell still carries the best
  score and attempts used). A course whose last certificate lapsed is *expired* or *revoked*
  until it is certified again. Otherwise *failed* when graded attempts exist and none passed
  (the cell carries when a retake opens and how many attempts are left), *in progress* when
  something is under way (an open attempt, every lesson read, the course acknowledged),
  *reading* when some lessons are read, else *not started*.

``next_step`` turns a course's requirements (read, confirm, each quiz, each drill) into the one
thing the learner should do next; the start page and the course page both print it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta


class State(enum.StrEnum):
    """A matrix cell's state, in the order a supervisor acts on them."""

    OVERDUE = "overdue"
    FAILED = "failed"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_STARTED = "not_started"
    READING = "reading"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"


#: States that count as done for "completed on time" and for reminders.
DONE = frozenset({State.PASSED, State.EXPIRING})


@dataclass(frozen=True)
class Facts:
    """What the database says about one person and one item (zeros when nothing is known)."""

    lessons_read: int = 0
    lessons_total: int = 0
    acknowledged: bool = False
    attempts: int = 0  # graded attempts
    best: float | None = None  # best graded percent
    passed: bool = False  # a graded attempt passed (for a course: every required quiz)
    in_progress: bool = False  # an attempt open or awaiting review
    max_attempts: int | None = None
    certificate_expires: date | None = None  # a valid certificate's last day, local
    certificate_valid: bool = False
    certificate_score: float | None = None
    # The latest certificate when none is valid: "expired" | "revoked", and the day it lapsed.
    lapsed: str | None = None
    lapsed_on: date | None = None
    wait_until: datetime | None = None  # a quiz's cool-down: no new attempt before this moment


@dataclass(frozen=True)
class Cell:
    """One person × one item: the state and what the cell prints beside it."""

    state: State
    due: date | None  # None: not assigned, never overdue
    score: float | None = None  # passed: the score; failed/overdue: the best so far
    attempts: int = 0
    max_attempts: int | None = None
    expires: date | None = None
    critical: bool = False  # a drill whose best run still had a critical error
    in_progress: bool = False
    wait_until: datetime | None = None
    lapsed_on: date | None = None  # an expired or revoked certificate's day

    @property
    def done(self) -> bool:
        """The assignment is met (a certificate about to expire still counts until it does)."""
        return self.state in DONE

    @property
    def attempts_left(self) -> int | None:
        """Attempts still allowed (an attempt under way counts as used); None: no limit."""
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - self.attempts - (1 if self.in_progress else 0))


def effective_due(due_on: date, assigned_on: date, joined_on: date | None) -> date:
    """The due day for one person of a store assignment.

    Someone who started after the assignment was made gets as long as the others had, so a
    cashier who joins a store later is not overdue on their first day.
    """
    if joined_on is None or joined_on <= assigned_on:
        return due_on
    return max(due_on, joined_on + (due_on - assigned_on))


def decide(
    kind: str, facts: Facts, due: date | None, today: date, recertify_days: int = 30
) -> Cell:
    """The cell for an item of ``kind`` (course | quiz | drill) given ``facts``.

    ``due`` is None for an item nobody assigned (the learner's own pages): never overdue.
    """
    tried = {
        "score": facts.best,
        "attempts": facts.attempts,
        "max_attempts": facts.max_attempts,
        "in_progress": facts.in_progress,
        "wait_until": facts.wait_until,
        "lapsed_on": facts.lapsed_on,
    }
    if kind == "course" and facts.certificate_valid:
        expires = facts.certificate_expires
        ok = expires is None or (
            (due is None or expires > due) and expires - today > timedelta(recertify_days)
        )
        return Cell(
            State.PASSED if ok else State.EXPIRING,
            due,
            score=facts.certificate_score,
            expires=expires,
        )
    if kind != "course" and facts.passed:
        return Cell(State.PASSED, due, **tried)
    if due is not None and today > due:
        return Cell(State.OVERDUE, due, **tried)
    if kind == "course" and facts.lapsed:
        return Cell(State(facts.lapsed), due, **tried)
    if facts.attempts and not facts.passed and not facts.in_progress:
        return Cell(State.FAILED, due, **tried)
    started = facts.in_progress or facts.acknowledged or facts.passed or facts.attempts
    if started or (facts.lessons_total and facts.lessons_read >= facts.lessons_total):
        return Cell(State.IN_PROGRESS, due, **tried)
    if facts.lessons_read:
        return Cell(State.READING, due, **tried)
    return Cell(State.NOT_STARTED, due, **tried)


# --- completed on time (the trends report) ----------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Days during which an item counts as met: from ``start`` to the day before ``end``.

    A passed quiz or drill stays met for good (``end`` None), as in the matrix; a certificate
    is met from the day it is issued until it expires or is revoked.
    """

    start: date
    end: date | None = None


def met_on(day: date, spans: list[Span]) -> bool:
    """Whether one of ``spans`` covers ``day``."""
    return any(s.start <= day and (s.end is None or day < s.end) for s in spans)


@dataclass
class OnTime:
    """Assignments that fell due in a month, and how many were met by their due day."""

    due: int = 0
    on_time: int = 0

    @property
    def percent(self) -> float | None:
        """Share met on time, as a percentage (None when nothing fell due)."""
        return 100.0 * self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Requirement:
    """One thing a course's certificate asks for: a quiz or a drill, and where the learner is."""

    kind: str  # quiz | drill
    ref: str
    title: dict
    cell: Cell
    pass_mark: float | None = None  # a quiz's


@dataclass(frozen=True)
class Step:
    """What the learner should do next for a course.

    ``action``: read | confirm | quiz | drill | certificate (everything is done: the
    certificate is issued at the next check) | none (certified, nothing due).
    """

    action: str
    requirement: Requirement | None = None


def next_step(
    course: Cell,
    lessons_read: int,
    lessons_total: int,
    acknowledged: bool,
    requirements: list[Requirement],
) -> Step:
    """The first requirement not met, in the order the course asks for them.

    ``requirements`` carry fresh evidence only when a certificate lapsed or is being renewed
    (an old pass does not renew it), so the same order serves a first certificate and a renewal.
    """
    if course.state is State.PASSED:
        return Step("none")
    if lessons_read < lessons_total:
        return Step("read")
    if not acknowledged:
        return Step("confirm")
    for requirement in requirements:
        if requirement.cell.state is not State.PASSED:
            return Step(requirement.kind, requirement)
    return Step("certificate")
