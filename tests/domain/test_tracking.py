"""decide() and next_step(): the rules every tracking page prints (no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from trainer.domain.tracking import Cell, Facts, Requirement, State, decide, next_step

TODAY = date(2026, 12, 7)


def _quiz(facts: Facts, due: date | None = None) -> Cell:
    return decide("quiz", facts, due, TODAY)


def test_a_failed_quiz_carries_attempts_left_and_when_a_retake_opens():
    ready = datetime(2026, 12, 7, 8, 53)
    cell = _quiz(Facts(attempts=1, best=60.0, max_attempts=3, wait_until=ready))
    assert cell.state is State.FAILED and cell.attempts_left == 2 and cell.wait_until == ready
    exhausted = _quiz(Facts(attempts=3, best=60.0, max_attempts=3))
    assert exhausted.state is State.FAILED and exhausted.attempts_left == 0
    assert _quiz(Facts(attempts=1, in_progress=True, max_attempts=3)).attempts_left == 1
    assert _quiz(Facts(attempts=5)).attempts_left is None  # no limit


def test_an_unassigned_item_is_never_overdue():
    assert _quiz(Facts(), None).state is State.NOT_STARTED
    assert _quiz(Facts(), TODAY - timedelta(days=1)).state is State.OVERDUE


def test_a_lapsed_certificate_is_expired_or_revoked_until_renewed():
    lapsed = Facts(lessons_read=2, lessons_total=2, acknowledged=True, passed=True)
    for state in ("expired", "revoked"):
        facts = Facts(**{**lapsed.__dict__, "lapsed": state, "lapsed_on": TODAY})
        assert decide("course", facts, None, TODAY).state is State(state)
    valid = Facts(certificate_valid=True, certificate_expires=TODAY + timedelta(days=300))
    assert decide("course", valid, None, TODAY).state is State.PASSED
    soon = Facts(certificate_valid=True, certificate_expires=TODAY + timedelta(days=10))
    assert decide("course", soon, None, TODAY, recertify_days=30).state is State.EXPIRING


def test_next_step_follows_the_course_order():
    course = Cell(State.IN_PROGRESS, None)
    failed = Requirement("quiz", "q", {}, Cell(State.FAILED, None, attempts=1))
    passed = Requirement("quiz", "q", {}, Cell(State.PASSED, None))
    drill = Requirement("drill", "d", {}, Cell(State.NOT_STARTED, None))
    assert next_step(Cell(State.READING, None), 1, 2, False, [failed]).action == "read"
    assert next_step(course, 2, 2, False, [failed]).action == "confirm"
    step = next_step(course, 2, 2, True, [failed, drill])
    assert step.action == "quiz" and step.requirement is failed
    assert next_step(course, 2, 2, True, [passed, drill]).action == "drill"
    assert next_step(course, 2, 2, True, [passed]).action == "certificate"
    assert next_step(Cell(State.PASSED, None), 2, 2, True, [passed]).action == "none"
