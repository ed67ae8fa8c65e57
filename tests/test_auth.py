"""Signing in and out, passwords, CSRF, rate limits and cookies."""

from __future__ import annotations

import pytest

from tests.helpers import login, login_as, post
from trainer.models import User, people


def test_sign_in_and_out(client, people):
    response = login_as(client, people["cashier"])
    assert response.location == "/"
    assert "Test cashier" in client.get("/").get_data(as_text=True)
    response = post(client, "/logout", token_from="/")
    assert response.status_code == 302
    assert client.get("/").location.startswith("/login")


@pytest.mark.parametrize(
    "username,password",
    [
        ("cashier", "wrong-password-123"),  # wrong password
        ("nobody", "whatever-password"),  # unknown user
    ],
)
def test_wrong_login_gives_the_same_message(client, people, username, password):
    """No user enumeration: the same page for an unknown user and a wrong password."""
    response = login(client, username, password)
    assert response.status_code == 200
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client, session, people):
    login_as(client, people["cashier"])
    user = session.get(User, people["cashier"].user.id)
    user.active = False
    user.session_version += 1
    session.commit()
    assert client.get("/").location.startswith("/login")
    response = login(client, "cashier", people["cashier"].password)
    assert "Wrong username or password." in response.get_data(as_text=True)


def test_username_is_case_insensitive(client, people):
    assert login(client, "CASHIER", people["cashier"].password).status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/profile", "/profile"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_stays_on_site(client, people, target, expected):
    password = people["cashier"].password
    response = post(client, "/login", {"username": "cashier", "password": password, "next": target})
    assert response.location == expected


def test_login_without_csrf_token_is_rejected(client, people):
    response = client.post(
        "/login", data={"username": "cashier", "password": people["cashier"].password}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_logout_needs_post_with_csrf(client, people):
    login_as(client, people["cashier"])
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_forced_password_change_for_admin_created_accounts(client, session, people, stores):
    from trainer.admin.service import create_user

    new = create_user(
        session,
        username="newbie",
        name="New Bie",
        role=people["cashier"].user.role,
        stores=[stores["S1"]],
    )
    session.commit()
    assert new.password and new.user.must_change_password
    response = login(client, "newbie", new.password)
    assert response.location == "/password"
    assert client.get("/").location == "/password"  # every other page sends them back
    assert client.get("/profile").location == "/password"
    too_short = post(
        client,
        "/password",
        {"current": new.password, "new": "short", "confirm": "short"},
        token_from="/password",
    )
    assert "at least 10 characters" in too_short.get_data(as_text=True)
    same = post(
        client,
        "/password",
        {"current": new.password, "new": new.password, "confirm": new.password},
        token_from="/password",
    )
    assert "different from the current one" in same.get_data(as_text=True)
    ok = post(
        client,
        "/password",
        {"current": new.password, "new": "my own secret 2026", "confirm": "my own secret 2026"},
        token_from="/password",
    )
    assert ok.location == "/"
    assert client.get("/").status_code == 200
    session.expire_all()
    assert not session.get(User, new.user.id).must_change_password


def test_password_change_ends_other_sessions(app, people):
    laptop, till = app.test_client(), app.test_client()
    login_as(laptop, people["cashier"])
    login_as(till, people["cashier"])
    post(
        laptop,
        "/password",
        {
            "current": people["cashier"].password,
            "new": "brand new pass 99",
            "confirm": "brand new pass 99",
        },
        token_from="/password",
    )
    assert laptop.get("/").status_code == 200
    assert till.get("/").location.startswith("/login")


def test_passwords_are_hashed_with_scrypt_in_production():
    assert people.PASSWORD_METHOD != "scrypt"  # the suite uses a cheap method …
    import inspect

    source = inspect.getsource(people)
    assert 'PASSWORD_METHOD = "scrypt"' in source  # … but the shipped default is scrypt


@pytest.fixture
def app_config():
    return {"LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_is_rate_limited(client, people):
    for _ in range(3):
        assert login(client, "cashier", "wrong-password-123").status_code == 200
    response = login(client, "cashier", "wrong-password-123")
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    # the right password does not get through either while limited
    assert login(client, "cashier", people["cashier"].password).status_code == 429


def test_rate_limit_per_username_across_addresses(app, people):
    def attempt(address: str):
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = address
        return login(c, "admin", "bad-guess-12345")

    for i in range(3):
        assert attempt(f"10.0.0.{i}").status_code == 200
    assert attempt("10.0.0.99").status_code == 429


def test_session_cookie_flags(client, people):
    response = login_as(client, people["cashier"])
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookies_when_served_over_https(tmp_path):
    from trainer.config import load_config

    cfg = load_config(
        tmp_path, {"TRAINER_BASE_URL": "https://training.example", "TRAINER_SECRET_KEY": "k"}
    )
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts


def test_rate_limits_are_shared_through_redis(database_url, tmp_path):
    """With Redis configured, every app server counts the same sign-in attempts."""
    import os
    import uuid

    from tests.helpers import login
    from trainer import create_app

    redis_url = os.environ.get("TRAINER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "k",
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOGIN_RATE_LIMIT": "2 per minute",
    }
    server_a, server_b = create_app(config), create_app(config)
    a, b = server_a.test_client(), server_b.test_client()
    # A fresh address and username per run: the counts in Redis outlive the test.
    run = uuid.uuid4().int
    for c in (a, b):
        c.environ_base["REMOTE_ADDR"] = f"10.{run % 250}.{run // 250 % 250}.{run // 62500 % 250}"
    username = f"someone-{run % 10**9}"
    try:
        assert login(a, username, "wrong-password-1").status_code == 200
        assert login(b, username, "wrong-password-1").status_code == 200
        assert login(a, username, "wrong-password-1").status_code == 429
    finally:
        for server in (server_a, server_b):
            server.extensions["engine"].dispose()
