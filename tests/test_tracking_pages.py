"""Tracking pages: team matrix, person page, result access, assignments, onboarding, notices."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.helpers import csrf_token, login_as, post
from tests.test_certificates import FIXTURE, _passed_attempt
from tests.test_quizzes import _post, _start, _submit
from trainer.admin.service import create_user
from trainer.courses.importer import import_tree
from trainer.models import Assignment, OnboardingRule, Role, User
from trainer.tracking import service


@pytest.fixture
def course(app, session):
    import_tree(app, FIXTURE)
    return "basics"


def assign(session, actor, key="course:basics", days=10, **targets):
    """Assign the item ``kind:ref`` as ``actor`` (None: the system), due in ``days``; commit."""
    made = service.assign(
        session,
        actor,
        service.parse_item(session, key),
        service.today() + timedelta(days=days),
        **targets,
    )
    session.commit()
    return made


def _assign(session, actors, key="course:basics", days=10, **targets):
    supervisor = session.get(User, actors["supervisor"].user.id)
    return assign(session, supervisor, key, days, **targets)


def _cashier(session, people, name="cashier"):
    return session.get(User, people[name].user.id)


def _failed_attempt(app, people) -> int:
    """The cashier starts and submits the basics quiz without answering: a failed attempt."""
    client = app.test_client()
    login_as(client, people["cashier"])
    attempt_id = _start(client, "basics-quiz")
    assert _submit(client, attempt_id).status_code == 302
    return attempt_id


def test_supervisor_lands_on_the_team_matrix(client, session, people, stores, course):
    _assign(session, people, people=[_cashier(session, people)])
    response = login_as(client, people["supervisor"])
    assert response.location == "/team"
    html = client.get("/team").get_data(as_text=True)
    assert "Test cashier" in html and "Test cashier2" not in html
    assert "Till basics" in html and "Not started" in html
    assert 'href="/team"' in client.get("/").get_data(as_text=True)  # the menu entry
    assert client.get("/team?store=S2").status_code == 404  # another store's filter


def test_compliance_sees_every_store_and_filters(client, session, people, stores, course):
    _assign(session, people, stores=[stores["S1"]])
    compliance = session.get(User, people["compliance"].user.id)
    service.assign(
        session,
        compliance,
        service.parse_item(session, "quiz:basics-quiz"),
        service.today() + timedelta(days=3),
        stores=[stores["S2"]],
    )
    session.commit()
    login_as(client, people["compliance"])
    html = client.get("/team").get_data(as_text=True)
    assert "Test cashier" in html and "Test cashier2" in html
    only_s2 = client.get("/team?store=S2").get_data(as_text=True)
    assert "Test cashier2" in only_s2 and ">Test cashier<" not in only_s2
    assert "Nobody" not in client.get("/team?status=passed").get_data(as_text=True)
    assert "Test cashier" not in client.get("/team?status=passed").get_data(as_text=True)


def test_matrix_statement_count_does_not_grow(app, client, session, people, stores, course):
    """The same number of SQL statements for 2 people and for 30 with attempts and reads."""
    _assign(session, people, stores=[stores["S1"]])
    _assign(session, people, key="quiz:basics-quiz", stores=[stores["S1"]])
    login_as(client, people["supervisor"])
    counted = {"n": 0}

    def count(*_args):
        counted["n"] += 1

    def statements(url):
        counted["n"] = 0
        event.listen(app.extensions["engine"], "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(app.extensions["engine"], "before_cursor_execute", count)
        return counted["n"]

    urls = [
        "/team",  # the changed people's kept cells decided again first (trainer.tracking.kept)
        "/team",
        f"/people/{people['cashier'].user.id}",
        "/team/export.csv",
        "/team/attempts.xlsx",
        "/assignments",
    ]
    small = [statements(url) for url in urls]
    for i in range(30):
        user = create_user(
            session, username=f"c{i}", name=f"C {i}", role=Role.CASHIER, stores=[stores["S1"]]
        ).user
        _passed_attempt(session, user, "basics-quiz", percent=40.0 + i)
    session.commit()
    large = [statements(url) for url in urls]
    assert small == large
    # user; visible stores; people marked stale; the kept cells counted per person and per
    # column; then the page's rows: people; courses; quizzes; drills; certificates; reads;
    # acknowledgements; attempts; drills passed; best drill runs; assignments; the items on
    # offer (courses, quizzes, drills) for the filter.
    assert small[1] == 20, small
    # Deciding the marked people again: the marks taken away, their cells deleted, the same
    # gathering for them as for a page, the new cells written; then their on-time outcomes
    # (trainer.tracking.ontime.keep): deleted, personal and store assignments, the passes of
    # the one kind assigned here (quizzes), written; committed.
    assert small[0] == 40, small


def test_person_page_and_result_scope(app, session, people, stores, course):
    _assign(session, people, key="quiz:basics-quiz", people=[_cashier(session, people)])
    attempt_id = _failed_attempt(app, people)
    cashier_id = people["cashier"].user.id
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    page = supervisor.get(f"/people/{cashier_id}").get_data(as_text=True)
    assert "Failed" in page and f"/attempts/{attempt_id}/result" in page
    result = supervisor.get(f"/attempts/{attempt_id}/result")
    assert result.status_code == 200
    assert "Result of Test cashier" in result.get_data(as_text=True)
    assert supervisor.get(f"/attempts/{attempt_id}").status_code == 404  # no taking it over
    # Another store's person, and their attempt: 404.
    assert supervisor.get(f"/people/{people['cashier2'].user.id}").status_code == 404
    other = app.test_client()
    login_as(other, people["cashier2"])
    assert other.get(f"/attempts/{attempt_id}/result").status_code == 404
    assert other.get(f"/people/{cashier_id}").status_code == 404
    assert other.get(f"/people/{people['cashier2'].user.id}").status_code == 200
    for role in ("compliance", "admin"):
        viewer = app.test_client()
        login_as(viewer, people[role])
        assert viewer.get(f"/attempts/{attempt_id}/result").status_code == 200
        assert viewer.get(f"/people/{cashier_id}").status_code == 200
    own = app.test_client()
    login_as(own, people["cashier"])
    mine = own.get("/progress").get_data(as_text=True)
    assert "My progress" in mine and f"/attempts/{attempt_id}/result" in mine
    assert "Your result" in own.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)


def test_assign_change_and_cancel_through_the_pages(client, session, people, stores, course):
    login_as(client, people["supervisor"])
    due = (service.today() + timedelta(days=7)).isoformat()
    cashier_id = people["cashier"].user.id
    response = post(
        client,
        "/assignments",
        {"item": "course:basics", "due_on": due, "people": [str(cashier_id)]},
        token_from="/assignments",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    made = session.scalar(select(Assignment).where(Assignment.user_id == cashier_id))
    assert made.due_on.isoformat() == due
    # Another store's cashier or store cannot be chosen.
    refused = post(
        client,
        "/assignments",
        {"item": "course:basics", "due_on": due, "people": [str(people["cashier2"].user.id)]},
        token_from="/assignments",
    )
    assert refused.status_code == 200
    past = post(
        client,
        "/assignments",
        {"item": "course:basics", "due_on": "2000-01-01", "stores": [str(stores["S1"].id)]},
        token_from="/assignments",
    )
    assert "has already passed" in past.get_data(as_text=True)
    later = (service.today() + timedelta(days=20)).isoformat()
    assert post(client, f"/assignments/{made.id}", {"due_on": later}).status_code == 302
    session.expire_all()
    assert session.get(Assignment, made.id).due_on.isoformat() == later
    # A supervisor of another store cannot see or cancel it.
    create_user(
        session,
        username="sup2",
        name="Sup Two",
        role=Role.SUPERVISOR,
        stores=[stores["S2"]],
        password="pw-sup2-long-enough",
    )
    session.commit()
    other = client.application.test_client()
    other.post(
        "/login",
        data={
            "username": "sup2",
            "password": "pw-sup2-long-enough",
            "csrf_token": csrf_token(other),
        },
    )
    assert other.get(f"/assignments/{made.id}").status_code == 404
    assert post(other, f"/assignments/{made.id}/cancel").status_code == 404
    assert post(client, f"/assignments/{made.id}/cancel").status_code == 302
    session.expire_all()
    assert session.get(Assignment, made.id).cancelled_at is not None


def test_onboarding_rules_page_and_roster_import(client, session, people, stores, course):
    login_as(client, people["admin"])
    response = post(
        client,
        "/onboarding",
        {"name": "New starters", "items": ["course:basics"], "due_days": "14", "store": "0"},
        token_from="/onboarding",
    )
    assert response.status_code == 302
    rule = session.scalar(select(OnboardingRule))
    assert (rule.items, rule.due_days, rule.store_id) == (
        [{"kind": "course", "ref": "basics"}],
        14,
        None,
    )
    roster = "employee_no,name,store,role,language\nE900,Roster Person,S1,cashier,zh\n"
    imported = post(
        client,
        "/admin/roster/import",
        {"roster": base64.b64encode(roster.encode()).decode()},
        token_from="/admin/roster",
    )
    assert imported.status_code == 200, imported.get_data(as_text=True)[:500]
    person = session.scalar(select(User).where(User.employee_no == "E900"))
    assert person is not None
    made = session.scalars(select(Assignment).where(Assignment.user_id == person.id)).all()
    assert [(a.ref, a.source, a.due_on) for a in made] == [
        ("basics", "onboarding", service.today() + timedelta(days=14))
    ]
    assert post(client, f"/onboarding/{rule.id}/toggle").status_code == 302
    session.expire_all()
    assert session.get(OnboardingRule, rule.id).active is False


def test_notices_show_on_the_start_page_and_in_the_header(client, session, people, stores, course):
    _assign(session, people, people=[_cashier(session, people)])
    login_as(client, people["cashier"])
    home = client.get("/").get_data(as_text=True)
    assert "New assignment: “Till basics”" in home
    assert "1 unread notification" in home
    assert "Your assignments" in home
    client.post("/language", data={"language": "zh", "csrf_token": csrf_token(client, "/")})
    zh = client.get("/").get_data(as_text=True)
    assert "新的任务：“收银基础”" in zh and "1 条未读通知" in zh and "您的任务" in zh
    _post(client, "/notices/read", {})
    assert "未读通知" not in client.get("/").get_data(as_text=True)
