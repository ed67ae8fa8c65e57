"""Scenario helpers: act as a person through the real pages."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from trainer.models import User

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Actor:
    """A user and the password they sign in with."""

    user: User
    password: str


def csrf_from(html: str) -> str:
    """The CSRF token in a page."""
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def csrf_token(client, url: str = "/login") -> str:
    """Fetch ``url`` and return its CSRF token (one token serves the whole session)."""
    return csrf_from(client.get(url, follow_redirects=True).get_data(as_text=True))


def post(client, url: str, data: dict | None = None, *, token_from: str | None = None, **kw):
    """POST a form with a valid CSRF token, as a browser would."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, token_from or "/login")
    return client.post(url, data=payload, **kw)


def login(client, username: str, password: str):
    """Sign in through the sign-in page."""
    return post(client, "/login", {"username": username, "password": password})


def login_as(client, actor: Actor):
    """Sign in as a fixture person; fails the test if sign-in does not work."""
    response = login(client, actor.user.username, actor.password)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def qr_code_of(pdf: Path, workdir: Path) -> str:
    """The text of the QR code on a PDF's first page (rendered with pdftoppm, read by zbarimg)."""
    page = workdir / "qr-page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(page)], check=True
    )
    return subprocess.run(
        ["zbarimg", "--raw", "-q", str(page.with_suffix(".png"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
