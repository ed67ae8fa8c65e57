"""Compliance and admin read the audit log on the web (filters, CSV), and every event the
issue names is in it: sign-ins (failed too), role and store changes, password resets,
imports, manual grades, certificate issue/revoke/reissue/download/export, API token use."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from tests.helpers import login, login_as, post
from tests.test_certificate_races import course  # noqa: F401 (fixture)
from trainer import audit
from trainer.api.tokens import create_client
from trainer.certificates import service
from trainer.db import utcnow
from trainer.models import AuditEvent, User


def _actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_sign_ins_failed_and_successful_are_recorded(client, session, people):
    login(client, "cashier", "wrong-password-123")
    login(client, "nobody-here", "wrong-password-123")
    login_as(client, people["cashier"])
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith("user.login"))
    ).all()
    assert [(e.action, e.details.get("username")) for e in events] == [
        ("user.login_failed", "cashier"),
        ("user.login_failed", "nobody-here"),
        ("user.login", None),
    ]
    assert events[0].target_id == str(people["cashier"].user.id) and events[1].target_id is None
    assert all("password" not in str(e.details) for e in events)


def test_api_token_use_is_recorded(client, session, people):
    admin = session.get(User, people["admin"].user.id)
    _, token = create_client(session, "HR", actor=admin)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/certificates?status=valid", headers=auth)
    client.get("/api/v1/certificates?page=2", headers=auth)
    used = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_client.used")).all()
    assert [e.details["query"] for e in used] == ["status=valid", "page=2"]
    assert used[0].details["path"] == "/api/v1/certificates"


def test_role_and_store_changes_by_roster_record_before_and_after(client, session, people):
    from tests.test_admin import _upload

    login_as(client, people["admin"])
    csv_text = "employee_no,name,store,role,language\nE-cashier,Test cashier,S2;S1,supervisor,en\n"
    html = _upload(client, csv_text.encode()).get_data(as_text=True)
    data = re.search(r'name="roster" type="hidden" value="([^"]+)"', html).group(1)
    post(client, "/admin/roster/import", {"roster": data}, token_from="/admin/roster")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.updated"))
    assert event.details["before"] == {"role": "cashier", "stores": ["S1"]}
    assert (event.details["role"], event.details["stores"]) == ("supervisor", ["S1", "S2"])
    assert "roster.imported" in _actions(session)


def _events(session, people, course):  # noqa: F811
    """A small history: a certificate issued, downloaded, revoked; a password reset."""
    cashier = session.get(User, people["cashier"].user.id)
    compliance = session.get(User, people["compliance"].user.id)
    certificate = service.issue(session, cashier, course, course.current_version, score=90)
    session.commit()
    audit.record(session, "certificate.downloaded", actor=cashier, target=certificate)
    service.revoke(
        session,
        certificate,
        reason=service.RevocationReason.OTHER,
        note="test",
        actor=compliance,
    )
    session.commit()
    return certificate


def test_compliance_filters_the_log(client, session, people, course):  # noqa: F811
    certificate = _events(session, people, course)
    login_as(client, people["compliance"])

    def shown(**args):
        page = client.get("/audit/", query_string=args)
        assert page.status_code == 200, page.get_data(as_text=True)[:300]
        return page.get_data(as_text=True)

    def codes(html: str) -> set[str]:
        return set(re.findall(r"<code>([^<]+)</code>", html))

    assert {"certificate.issued", "certificate.revoked"} <= codes(shown())
    assert codes(shown(action="certificate.revoked")) == {"certificate.revoked"}
    assert codes(shown(action="certificate.")) == {
        "certificate.issued",
        "certificate.downloaded",
        "certificate.revoked",
    }
    # the person's own events, and events about them (their account created, signed in)
    assert codes(shown(person="compliance")) == {
        "certificate.revoked",
        "user.created",
        "user.login",
    }
    assert codes(shown(target=f"certificate:{certificate.serial}")) == {
        "certificate.issued",
        "certificate.downloaded",
        "certificate.revoked",
    }
    today = utcnow().date()
    assert "certificate.issued" in codes(shown(**{"from": str(today), "to": str(today)}))
    assert codes(shown(to=str(today - timedelta(days=2)))) == set()
    bad = client.get("/audit/", query_string={"from": "9999-99-99"})
    assert bad.status_code == 400 and "Not a date" in bad.get_data(as_text=True)


def test_the_log_exports_as_csv_and_the_export_is_recorded(client, session, people, course):  # noqa: F811
    certificate = _events(session, people, course)
    # a value a spreadsheet would run as a formula
    audit.record(session, "=HYPERLINK(1)")
    session.commit()
    login_as(client, people["admin"])
    response = client.get("/audit/export.csv", query_string={"target": "certificate"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "at_utc", "actor_username"]
    assert {r[4] for r in rows[1:]} == {
        "certificate.issued",
        "certificate.downloaded",
        "certificate.revoked",
    }
    assert all(r[6] == certificate.serial for r in rows[1:])
    everything = client.get("/audit/export.csv").get_data(as_text=True)
    assert "\n'=HYPERLINK(1)" in everything.replace(",", "\n")  # quoted, not a formula
    assert "audit.exported" in _actions(session)


def test_cashiers_and_supervisors_cannot_read_the_log(client, people):
    for who in ("cashier", "supervisor"):
        login_as(client, people[who])
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        post(client, "/logout", token_from="/")
