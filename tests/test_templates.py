"""Template rules that keep a strict Content-Security-Policy possible and forms protected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).parents[1] / "templates").rglob("*.html"))
PAGE_TEMPLATES = [t for t in TEMPLATES if "pdf" not in t.parts]


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda p: str(p.name))
def test_no_inline_scripts_styles_or_handlers(path):
    html = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"<style", html), "inline <style>"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


@pytest.mark.parametrize("path", PAGE_TEMPLATES, ids=lambda p: str(p.name))
def test_every_post_form_carries_a_csrf_token(path):
    html = path.read_text()
    for form in re.finditer(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S | re.I):
        body = form.group(1)
        assert "csrf_token" in body or "hidden_tag()" in body, form.group(0)[:120]


def test_every_page_has_a_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    with client.get(href) as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert b"<svg" in icon.data
