"""A roster import cannot leave the site without an administrator (as the edit form cannot)."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from tests.helpers import login_as, post
from tests.test_admin import _upload
from trainer.admin.service import create_user
from trainer.models import Role, User

HEADER = "employee_no,name,store,role,language\n"


def _import(client, csv: str):
    """Preview the roster, then post its confirmation (forged when the preview offers none)."""
    preview = _upload(client, csv.encode()).get_data(as_text=True)
    done = post(
        client,
        "/admin/roster/import",
        {"roster": base64.b64encode(csv.encode()).decode()},
        token_from="/admin/roster",
    )
    return preview, done


def _role(session, username: str) -> Role:
    session.expire_all()
    return session.scalar(select(User.role).where(User.username == username))


@pytest.fixture
def admin2(session, people):
    """A second administrator."""
    new = create_user(
        session,
        username="admin2",
        name="Second Admin",
        role=Role.ADMIN,
        stores=[],
        password="another long secret",
        employee_no="E-admin2",
    )
    session.commit()
    return new.user


def test_roster_cannot_demote_the_last_admin(client, session, people):
    login_as(client, people["admin"])
    preview, done = _import(client, HEADER + "E-admin,Test admin,S1,cashier,en\n")
    assert "row 2, column role: the site needs at least one active administrator" in preview
    assert 'action="/admin/roster/import"' not in preview
    assert done.status_code == 422
    assert _role(session, "admin") is Role.ADMIN


def test_roster_cannot_remove_the_importers_own_admin_role(client, session, people, admin2):
    login_as(client, people["admin"])
    preview, done = _import(client, HEADER + "E-admin,Test admin,,compliance,en\n")
    assert "you cannot remove your own administrator role" in preview
    assert done.status_code == 422
    assert _role(session, "admin") is Role.ADMIN


def test_roster_may_demote_another_admin_when_one_remains(client, session, people, admin2):
    login_as(client, people["admin"])
    _, done = _import(client, HEADER + "E-admin2,Second Admin,,compliance,en\n")
    assert done.status_code == 200
    assert _role(session, "admin2") is Role.COMPLIANCE
