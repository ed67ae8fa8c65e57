"""Both languages: the browser's default, the switcher, the profile setting and formatting."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.helpers import login_as, post
from trainer.models import User


def test_language_follows_the_browser_when_nothing_is_chosen(client):
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert 'lang="zh-Hans"' in zh.get_data(as_text=True)
    assert "登录" in zh.get_data(as_text=True)
    en = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert 'lang="en"' in en.get_data(as_text=True)
    assert "Sign in" in en.get_data(as_text=True)


def test_switcher_keeps_the_choice_for_anonymous_visitors(client):
    post(client, "/language", {"language": "zh", "next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in page


def test_switcher_saves_the_profile_language(client, session, people):
    login_as(client, people["cashier"])
    response = post(client, "/language", {"language": "zh", "next": "/profile"}, token_from="/")
    assert response.location == "/profile"
    session.expire_all()
    assert session.get(User, people["cashier"].user.id).language == "zh"
    other = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in other


def test_switcher_refuses_foreign_redirects(client):
    response = post(client, "/language", {"language": "en", "next": "https://evil.example/"})
    assert response.location == "/"


@pytest.mark.parametrize("lang,text", [("zh", "页面不存在"), ("en", "Page not found")])
def test_error_pages_in_both_languages(client, lang, text):
    response = client.get("/no-such-page", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize("lang,text", [("zh", "无权访问"), ("en", "You do not have access")])
def test_forbidden_page_in_both_languages(client, people, lang, text):
    login_as(client, people["cashier"])
    response = client.get("/admin/users", headers={"Accept-Language": lang})
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


def test_server_error_page_has_no_traceback(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom():
        raise RuntimeError("secret internals")

    from trainer.security import public

    app.add_url_rule("/boom", "boom", public(boom))
    response = client.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "secret internals" not in body
    assert "Traceback" not in body


def test_formatting_for_each_language(app):
    from trainer.i18n import date_filter, money, percent

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        assert money(1152) == "¥1,152.00"
        assert date_filter(date(2026, 12, 1)) == "2026年12月1日"
        assert percent(85.5) == "85.5%"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert money(1152.5) == "¥1,152.50"
        assert date_filter(date(2026, 12, 1)) == "Dec 1, 2026"


def test_every_message_is_translated():
    """The shipped Chinese catalogue has no empty or fuzzy translations."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).parents[1] / "trainer/translations/zh/LC_MESSAGES/messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    missing = [
        m.id
        for m in catalog
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert missing == []


def test_profile_language_select(client, session, people):
    login_as(client, people["cashier2"])
    post(client, "/profile", {"language": "en"}, token_from="/profile")
    session.expire_all()
    user = session.scalar(select(User).where(User.username == "cashier2"))
    assert user.language == "en"
