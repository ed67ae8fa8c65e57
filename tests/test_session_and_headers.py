"""Sign-out ends the session on the server, sign-in costs the same whoever is asked about,
private documents are not cached, and API links use the configured address."""

from __future__ import annotations

import pytest

from tests.helpers import login, login_as, post
from tests.test_certificate_races import course  # noqa: F401 (fixture)
from tests.test_certificates import issued  # noqa: F401 (fixture)
from trainer.api.tokens import create_client
from trainer.models import User
from trainer.models import people as people_module


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, people):
    login_as(client, people["cashier"])
    assert client.get("/profile").status_code == 200
    stolen = client.get_cookie("session").value
    post(client, "/logout", token_from="/profile")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/profile")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("case", ["unknown", "deactivated", "wrong password"])
def test_every_failed_sign_in_checks_one_password_hash(client, session, people, monkeypatch, case):
    """The same work (one hash check) whether the account exists, is deactivated or not:
    response times do not tell which usernames exist."""
    import trainer.auth.views as views

    checks = []
    real = people_module.check_password_hash

    def counting(hashed, password):
        checks.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(people_module, "check_password_hash", counting)
    monkeypatch.setattr(views, "check_password_hash", counting)
    if case == "deactivated":
        user = session.get(User, people["cashier"].user.id)
        user.active = False
        session.commit()
    username = "nobody" if case == "unknown" else "cashier"
    password = people["cashier"].password if case == "deactivated" else "wrong-password-123"
    response = login(client, username, password)
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert len(checks) == 1
    # the stand-in hash costs what a real one does: the same method
    assert checks[0].split("$")[0] == people_module.PASSWORD_METHOD


def test_certificate_pdfs_and_api_answers_are_not_cached(app, client, session, people, issued):  # noqa: F811
    admin = session.get(User, people["admin"].user.id)
    _, token = create_client(session, "HR", actor=admin)
    session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    answers = [
        client.get("/api/v1/certificates", headers=auth),
        client.get(f"/api/v1/certificates/{issued.serial}", headers=auth),
        client.get(f"/api/v1/certificates/{issued.serial}.pdf", headers=auth),
        client.get("/api/v1/certificates/TR-0000-000000", headers=auth),  # a 404 too
        client.get("/api/v1/certificates"),  # and a 401
    ]
    login_as(client, people["cashier"])
    answers.append(client.get(f"/certificates/{issued.serial}.pdf"))
    for response in answers:
        assert "no-store" in response.headers.get("Cache-Control", ""), response.request.path


def test_api_links_use_the_configured_base_url_not_the_host_header(
    app,
    client,
    session,
    people,
    course,  # noqa: F811
    issued,  # noqa: F811
):
    admin = session.get(User, people["admin"].user.id)
    _, token = create_client(session, "HR", actor=admin)
    session.commit()
    from trainer.certificates import service

    other = session.get(User, people["cashier2"].user.id)
    service.issue(session, other, course, course.current_version, score=90)
    session.commit()
    headers = {"Authorization": f"Bearer {token}", "Host": "evil.example"}
    listing = client.get("/api/v1/certificates?per_page=1&page=1", headers=headers).get_json()
    one = client.get(f"/api/v1/certificates/{issued.serial}", headers=headers).get_json()
    base = app.config["BASE_URL"]
    assert one["pdf_url"] == f"{base}/api/v1/certificates/{issued.serial}.pdf"
    assert listing["data"][0]["pdf_url"].startswith(base + "/")
    assert listing["next"] == f"{base}/api/v1/certificates?per_page=1&page=2"
    assert "evil.example" not in str(listing) + str(one)
