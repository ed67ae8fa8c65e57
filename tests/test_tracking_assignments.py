"""Assignments: scope, store assignments for later joiners, onboarding rules, cell rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.test_certificates import FIXTURE, _acknowledge, _passed_attempt
from trainer.admin.service import create_user
from trainer.courses.importer import import_tree
from trainer.domain.tracking import Facts, State, decide, effective_due
from trainer.models import Assignment, Course, Notification, OnboardingRule, Role, User
from trainer.tracking import matrix, service


@pytest.fixture
def course(app, session):
    """The fixture course 'basics' (two lessons, quiz 'basics-quiz', three attempts)."""
    import_tree(app, FIXTURE)
    return session.scalar(select(Course).where(Course.code == "basics"))


def _user(session, actor):
    return session.get(User, actor.user.id)


def _item(session, key="course:basics"):
    return service.parse_item(session, key)


def test_decide_follows_the_documented_order():
    today = date(2026, 6, 10)
    due = date(2026, 6, 20)
    assert decide("course", Facts(), due, today).state is State.NOT_STARTED
    assert (
        decide("course", Facts(lessons_read=1, lessons_total=2), due, today).state is State.READING
    )
    assert (
        decide("course", Facts(lessons_read=2, lessons_total=2), due, today).state
        is State.IN_PROGRESS
    )
    failed = decide("quiz", Facts(attempts=2, best=60.0, max_attempts=3), due, today)
    assert (failed.state, failed.score, failed.attempts, failed.max_attempts) == (
        State.FAILED,
        60.0,
        2,
        3,
    )
    late = decide("quiz", Facts(attempts=2, best=60.0), due, due + timedelta(days=1))
    assert (late.state, late.score) == (State.OVERDUE, 60.0)
    assert (
        decide("quiz", Facts(passed=True, best=90.0, attempts=1), due, today).state is State.PASSED
    )
    far = Facts(
        certificate_valid=True, certificate_expires=date(2027, 6, 1), certificate_score=95.0
    )
    assert decide("course", far, due, today).state is State.PASSED
    soon = Facts(certificate_valid=True, certificate_expires=date(2026, 7, 1))
    assert decide("course", soon, due, today, recertify_days=30).state is State.EXPIRING
    assert decide("course", soon, due, today, recertify_days=10).state is State.PASSED
    # A certificate that lapses before the due day does not meet it.
    assert decide("course", soon, date(2026, 8, 1), today, 10).state is State.EXPIRING


def test_a_later_joiner_gets_as_long_as_the_others_had():
    assigned, due = date(2026, 1, 1), date(2026, 1, 15)
    assert effective_due(due, assigned, date(2025, 6, 1)) == due
    assert effective_due(due, assigned, date(2026, 3, 1)) == date(2026, 3, 15)


def test_supervisor_assigns_only_within_their_stores(session, people, stores, course):
    supervisor = _user(session, people["supervisor"])
    own, other = _user(session, people["cashier"]), _user(session, people["cashier2"])
    assert service.check_targets(session, supervisor, [own.id], [stores["S1"].id])
    with pytest.raises(service.TrackingError):
        service.check_targets(session, supervisor, [other.id], [])
    with pytest.raises(service.TrackingError):
        service.check_targets(session, supervisor, [], [stores["S2"].id])
    compliance = _user(session, people["compliance"])
    assert service.check_targets(session, compliance, [other.id], [stores["S2"].id])


def test_store_assignment_covers_people_who_join_later(session, people, stores, course):
    supervisor = _user(session, people["supervisor"])
    due = service.today() + timedelta(days=10)
    service.assign(session, supervisor, _item(session), due, stores=[stores["S1"]])
    session.commit()
    cashier = _user(session, people["cashier"])
    assert session.scalar(select(Notification.kind).where(Notification.user_id == cashier.id)) == (
        "assigned"
    )
    assert cashier.unread_notices == 1
    newcomer = create_user(
        session, username="newbie", name="New Bie", role=Role.CASHIER, stores=[stores["S1"]]
    ).user
    session.commit()
    built = matrix.build(session, supervisor)
    names = {row.name: row for row in built.rows}
    assert set(names) == {"Test cashier", "New Bie"}
    assert names["New Bie"].cells["course:basics"].state is State.NOT_STARTED
    assert names["New Bie"].cells["course:basics"].due == due
    assert newcomer.id in {row.id for row in built.rows}
    # Another store's cashier is in nobody's matrix but compliance's.
    assert "Test cashier2" not in names


def test_cancel_and_change_due(session, people, stores, course):
    supervisor = _user(session, people["supervisor"])
    cashier = _user(session, people["cashier"])
    due = service.today() + timedelta(days=5)
    (made,) = service.assign(session, supervisor, _item(session), due, people=[cashier])
    session.commit()
    assert service.assignment_in_scope(session, _user(session, people["compliance"]), made.id)
    other_supervisor = create_user(
        session, username="sup2", name="Sup Two", role=Role.SUPERVISOR, stores=[stores["S2"]]
    ).user
    assert service.assignment_in_scope(session, other_supervisor, made.id) is None
    service.change_due(session, supervisor, made, due + timedelta(days=3))
    assert made.due_on == due + timedelta(days=3)
    with pytest.raises(service.TrackingError):
        service.change_due(session, supervisor, made, service.today() - timedelta(days=1))
    service.cancel(session, supervisor, made)
    session.commit()
    assert matrix.build(session, supervisor).rows == []


def test_onboarding_rule_assigns_new_cashiers(session, people, stores, course):
    session.add(
        OnboardingRule(
            name="Start",
            items=[{"kind": "course", "ref": "basics"}, {"kind": "quiz", "ref": "basics-quiz"}],
            due_days=14,
        )
    )
    session.add(
        OnboardingRule(
            name="S2 only",
            items=[{"kind": "course", "ref": "basics"}],
            due_days=7,
            store_id=stores["S2"].id,
        )
    )
    session.commit()
    new = create_user(
        session, username="fresh", name="Fresh", role=Role.CASHIER, stores=[stores["S1"]]
    ).user
    boss = create_user(
        session, username="boss", name="Boss", role=Role.SUPERVISOR, stores=[stores["S1"]]
    ).user
    session.commit()
    made = session.scalars(select(Assignment).where(Assignment.user_id == new.id)).all()
    assert sorted((a.kind, a.ref, a.due_on, a.source) for a in made) == [
        ("course", "basics", service.today() + timedelta(days=14), "onboarding"),
        ("quiz", "basics-quiz", service.today() + timedelta(days=14), "onboarding"),
    ]
    assert session.scalars(select(Assignment).where(Assignment.user_id == boss.id)).all() == []


def test_matrix_cells_from_real_progress(session, people, stores, course):
    supervisor = _user(session, people["supervisor"])
    cashier = _user(session, people["cashier"])
    due = service.today() + timedelta(days=10)
    service.assign(session, supervisor, _item(session), due, people=[cashier])
    service.assign(session, supervisor, _item(session, "quiz:basics-quiz"), due, people=[cashier])
    _passed_attempt(session, cashier, "basics-quiz", percent=50.0)
    session.commit()
    row = matrix.build(session, supervisor).rows[0]
    assert row.cells["quiz:basics-quiz"].state is State.FAILED
    assert row.cells["quiz:basics-quiz"].score == 50.0
    assert row.cells["course:basics"].state is State.FAILED
    _acknowledge(session, cashier, course)
    _passed_attempt(session, cashier, "basics-quiz", percent=90.0)
    from trainer.certificates.service import check_and_issue

    assert check_and_issue(session, cashier, course_code="basics") is not None
    built = matrix.build(session, supervisor)
    row = built.rows[0]
    assert row.cells["quiz:basics-quiz"].state is State.PASSED
    assert row.cells["course:basics"].state is State.PASSED
    counts = {c.item.key: dict(c.counts) for c in built.columns}
    assert counts == {"course:basics": {State.PASSED: 1}, "quiz:basics-quiz": {State.PASSED: 1}}
    assert matrix.build(session, supervisor, state="failed").rows == []


def test_course_yaml_recertify_days_is_checked_with_file_and_line(tmp_path, app, session):
    """Optional, 1–365 (default 30); a bad value is named at its line; the import keeps it."""
    import shutil

    from trainer.domain.content import check_content, load_content

    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    course_yaml = root / "courses/basics/course.yaml"
    original = course_yaml.read_text(encoding="utf-8")
    assert load_content(root).courses["basics"].recertify_days == 30
    course_yaml.write_text(original + "recertify_days: 0\n", encoding="utf-8")
    line = len(original.splitlines()) + 1
    problems = [str(p) for p in check_content(root)]
    assert f'courses/basics/course.yaml:{line}: course "basics": "recertify_days" must be' in (
        " ".join(problems)
    ), problems
    course_yaml.write_text(original + "recertify_days: 45\n", encoding="utf-8")
    assert check_content(root) == []
    import_tree(app, root)
    version = session.scalar(select(Course).where(Course.code == "basics")).current_version
    assert version.recertify_days == 45
