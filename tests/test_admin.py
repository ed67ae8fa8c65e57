"""Admin pages: accounts, stores, password reset, deactivation and the roster import."""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.helpers import Actor, csrf_token, login, login_as, post
from trainer.admin.service import create_user
from trainer.models import AuditEvent, Role, User


def _password_on(html: str) -> str:
    match = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert match, "no one-time password shown"
    return match.group(1)


def test_admin_creates_an_account_the_user_must_change(app, client, session, people, stores):
    login_as(client, people["admin"])
    response = post(
        client,
        "/admin/users/new",
        {
            "username": "li.kun",
            "name": "李堃",
            "employee_no": "E7001",
            "role": "cashier",
            "stores": [str(stores["S1"].id)],
            "language": "zh",
        },
        token_from="/admin/users/new",
    )
    assert response.status_code == 200
    password = _password_on(response.get_data(as_text=True))
    user = session.scalar(select(User).where(User.username == "li.kun"))
    assert user.role is Role.CASHIER and user.must_change_password
    assert [s.code for s in user.stores] == ["S1"]
    newcomer = app.test_client()
    assert login(newcomer, "li.kun", password).location == "/password"
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "user.created" in actions


def test_account_form_rules(client, session, people, stores):
    login_as(client, people["admin"])
    taken = post(
        client,
        "/admin/users/new",
        {"username": "CASHIER", "name": "Dup", "role": "admin", "language": ""},
        token_from="/admin/users/new",
    )
    assert "is taken" in taken.get_data(as_text=True)
    no_store = post(
        client,
        "/admin/users/new",
        {"username": "x1", "name": "X", "role": "cashier", "language": ""},
        token_from="/admin/users/new",
    )
    assert "exactly one store" in no_store.get_data(as_text=True)
    bad_name = post(
        client,
        "/admin/users/new",
        {"username": "no spaces", "name": "X", "role": "admin", "language": ""},
        token_from="/admin/users/new",
    )
    assert "Letters, digits" in bad_name.get_data(as_text=True)
    assert session.scalar(select(func.count(User.id))) == len(people)


def test_edit_role_and_stores(client, session, people, stores):
    login_as(client, people["admin"])
    uid = people["cashier"].user.id
    response = post(
        client,
        f"/admin/users/{uid}",
        {
            "username": "cashier",
            "name": "Promoted",
            "role": "supervisor",
            "stores": [str(stores["S1"].id), str(stores["S2"].id)],
            "language": "",
        },
        token_from=f"/admin/users/{uid}",
    )
    assert response.status_code == 302
    session.expire_all()
    user = session.get(User, uid)
    assert user.role is Role.SUPERVISOR and {s.code for s in user.stores} == {"S1", "S2"}


def test_reset_password_and_deactivate(app, client, session, people):
    login_as(client, people["admin"])
    uid = people["cashier"].user.id
    victim = app.test_client()
    login_as(victim, people["cashier"])
    response = post(client, f"/admin/users/{uid}/reset-password", token_from="/admin/users")
    temp = _password_on(response.get_data(as_text=True))
    assert victim.get("/").location.startswith("/login")  # the old session has ended
    assert login(victim, "cashier", people["cashier"].password).status_code == 200  # old pw gone
    assert login(victim, "cashier", temp).location == "/password"
    post(client, f"/admin/users/{uid}/active", token_from="/admin/users")
    session.expire_all()
    assert session.get(User, uid).active is False
    assert session.get(User, uid) is not None  # never deleted
    again = app.test_client()
    assert "Wrong username or password." in login(again, "cashier", temp).get_data(as_text=True)


def test_admin_cannot_deactivate_themselves(client, session, people):
    login_as(client, people["admin"])
    uid = people["admin"].user.id
    response = post(
        client, f"/admin/users/{uid}/active", token_from="/admin/users", follow_redirects=True
    )
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, uid).active


def test_stores(client, session, people):
    login_as(client, people["admin"])
    post(
        client,
        "/admin/stores",
        {"code": "S9", "name": "Harbour", "active": "y"},
        token_from="/admin/stores",
    )
    assert "Harbour" in client.get("/admin/stores").get_data(as_text=True)
    dup = post(client, "/admin/stores", {"code": "S9", "name": "Again"}, token_from="/admin/stores")
    assert "exists" in dup.get_data(as_text=True)


def _upload(client, content: bytes, name="roster.csv"):
    from io import BytesIO

    token = csrf_token(client, "/admin/roster")
    return client.post(
        "/admin/roster",
        data={"csrf_token": token, "file": (BytesIO(content), name)},
        content_type="multipart/form-data",
    )


GOOD = (
    "employee_no,name,store,role,language\n"
    "E1001,李堃,S1,cashier,zh\n"
    "E1002,Sam Taylor,S2,cashier,en\n"
    "E2001,王喆,S1;S2,supervisor,zh\n"
)


def test_roster_preview_then_import(client, session, people):
    login_as(client, people["admin"])
    preview = _upload(client, GOOD.encode())
    html = preview.get_data(as_text=True)
    assert "3 new accounts, 0 updated." in html
    assert session.scalar(select(func.count(User.id))) == len(people)  # nothing yet
    data = re.search(r'name="roster" type="hidden" value="([^"]+)"', html).group(1)
    done = post(client, "/admin/roster/import", {"roster": data}, token_from="/admin/roster")
    assert done.status_code == 200
    assert done.get_data(as_text=True).count('class="secret"') == 3
    supervisor = session.scalar(select(User).where(User.employee_no == "E2001"))
    assert supervisor.role is Role.SUPERVISOR and len(supervisor.stores) == 2
    assert supervisor.must_change_password


def _import_good_roster(client) -> str:
    preview = _upload(client, GOOD.encode()).get_data(as_text=True)
    data = re.search(r'name="roster" type="hidden" value="([^"]+)"', preview).group(1)
    done = post(client, "/admin/roster/import", {"roster": data}, token_from="/admin/roster")
    return done.get_data(as_text=True)


def test_roster_passwords_are_handed_out_once_as_csv_and_as_slips(
    app, client, session, people, tmp_path
):
    import csv
    import io
    import subprocess

    from tests.helpers import qr_code_of
    from trainer.admin import handouts

    login_as(client, people["admin"])
    done = _import_good_roster(client)
    shown = re.findall(r'<code class="secret">([^<]+)</code>', done)
    csv_url = re.search(r'href="(/admin/roster/handouts/[^"]+\.csv)"', done).group(1)
    pdf_url = re.search(r'href="(/admin/roster/handouts/[^"]+\.pdf)"', done).group(1)

    # Another admin cannot take them (the link is for the admin who imported).
    other = app.test_client()
    second = Actor(
        create_user(
            session, username="admin2", name="Second Admin", role=Role.ADMIN, stores=[],
            password="pw-admin2-long-enough",
        ).user,
        "pw-admin2-long-enough",
    )  # fmt: skip
    session.commit()
    login_as(other, second)
    assert other.get(csv_url).status_code == 302

    response = client.get(csv_url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Stores", "Username", "One-time password", "Sign in at"]
    assert sorted(r[3] for r in rows[1:]) == sorted(shown)
    li = next(r for r in rows if r[0] == "李堃")
    assert li[1] == "Store S1" and li[4] == "http://localhost/login"
    # Once only.
    again = client.get(csv_url)
    assert again.status_code == 302 and again.location.endswith("/admin/roster")

    slips = client.get(pdf_url)
    assert slips.status_code == 200 and slips.data.startswith(b"%PDF")
    path = tmp_path / "slips.pdf"
    path.write_bytes(slips.data)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "李堃" in text and all(password in text for password in shown)
    assert set(qr_code_of(path, tmp_path).split()) == {"http://localhost/login"}  # one per slip
    assert client.get(pdf_url).status_code == 302
    # Both taken: nothing with a password is left in the instance folder.
    assert not list((Path(app.instance_path) / "handouts").iterdir())

    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("roster.passwords_downloaded") == 2
    assert "roster.passwords_kept" in actions
    assert handouts.take(app.instance_path, "../secret_key", people["admin"].user.id, "csv") is None


def test_roster_password_handout_expires_after_an_hour(app, people):
    from trainer.admin import handouts

    slip = handouts.Slip(name="A", stores="S", username="a", password="x")
    token = handouts.create(app.instance_path, 7, [slip])
    assert handouts.available(app.instance_path, token, 7) == ["csv", "pdf"]
    assert handouts.available(app.instance_path, token, 8) == []
    assert handouts.purge_expired(app.instance_path) == 0
    later = time.time() + handouts.LIFETIME_SECONDS + 1
    assert handouts.purge_expired(app.instance_path, now=later) == 1
    assert handouts.take(app.instance_path, token, 7, "csv") is None


def test_roster_with_any_bad_row_imports_nothing(client, session, people):
    login_as(client, people["admin"])
    bad = (
        "employee_no,name,store,role,language\n"
        "E1001,李堃,S1,cashier,zh\n"
        "E1002,,S9,chef,fr\n"
        "E1001,Again,S1,cashier,zh\n"
        "E1004,Two Stores,S1;S2,cashier,en\n"
    )
    html = _upload(client, bad.encode()).get_data(as_text=True)
    assert "nothing will be imported" in html
    for message in [
        "row 3, column name: is empty",
        "row 3, column store: unknown store &#39;S9&#39;",
        "row 3, column role: &#39;chef&#39; is not one of",
        "row 3, column language: &#39;fr&#39; is not one of zh, en",
        "row 4, column employee_no: &#39;E1001&#39; already on row 2",
        "row 5, column store: a cashier works in one store",
    ]:
        assert message in html, message
    assert 'action="/admin/roster/import"' not in html
    # Even a forged confirmation of the bad file imports nothing.
    forged = post(
        client,
        "/admin/roster/import",
        {"roster": base64.b64encode(bad.encode()).decode()},
        token_from="/admin/roster",
    )
    assert forged.status_code == 422
    assert session.scalar(select(func.count(User.id))) == len(people)


def test_roster_header_and_encoding_problems(client, people):
    login_as(client, people["admin"])
    html = _upload(client, b"id,name\n1,x\n").get_data(as_text=True)
    assert "row 1: missing column(s): employee_no, store, role, language" in html
    assert "row 1: unknown column(s): id" in html
    gbk = GOOD.encode("gb18030")  # Excel on a Chinese Windows saves CSV like this
    assert "3 new accounts" in _upload(client, gbk).get_data(as_text=True)
    assert "Choose a .csv file." in _upload(client, b"x", name="roster.xlsx").get_data(as_text=True)


def test_roster_updates_existing_employee_numbers(client, session, people):
    login_as(client, people["admin"])
    csv = "employee_no,name,store,role,language\nE-cashier,Renamed Person,S2,cashier,en\n"
    html = _upload(client, csv.encode()).get_data(as_text=True)
    assert "0 new accounts, 1 updated." in html
    data = re.search(r'name="roster" type="hidden" value="([^"]+)"', html).group(1)
    post(client, "/admin/roster/import", {"roster": data}, token_from="/admin/roster")
    session.expire_all()
    user = session.get(User, people["cashier"].user.id)
    assert user.name == "Renamed Person" and [s.code for s in user.stores] == ["S2"]


def test_roster_problems_in_chinese(client, people):
    """Problems found in a file read in the reader's language, still naming the row."""
    login_as(client, people["admin"])
    bad = "employee_no,name,store,role,language\nE1,,S9,cashier,zh\n"
    from io import BytesIO

    token = csrf_token(client, "/admin/roster")
    html = client.post(
        "/admin/roster",
        data={"csrf_token": token, "file": (BytesIO(bad.encode()), "r.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "zh"},
    ).get_data(as_text=True)
    assert "第 2 行，name 列：为空" in html
    assert "门店 &#39;S9&#39; 不存在" in html
