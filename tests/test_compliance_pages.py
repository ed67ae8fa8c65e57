"""Compliance pages name things in the reader's language (issue #16, supervisor and compliance):
the certificate list's filters, a certificate's history, the export pickers and the menu."""

from __future__ import annotations

import re

import pytest

from tests.helpers import login_as, post
from tests.test_certificates import course  # noqa: F401 (fixture)
from tests.test_export import (
    _wait,
    app_config,  # noqa: F401 (fixture: exports in the test's folder)
)
from trainer.certificates.service import issue
from trainer.models import User

WORDS = {
    "en": {"course": "Till basics", "issued": "Certificate issued", "all_stores": "All stores"},
    "zh": {"course": "收银基础", "issued": "证书已签发", "all_stores": "全部门店"},
}


@pytest.fixture(params=["en", "zh"])
def lang(request):
    return request.param


@pytest.fixture
def officer(app, session, people, course, lang):  # noqa: F811
    """A compliance officer reading in ``lang``, and a certificate of the S1 cashier."""
    cashier = session.get(User, people["cashier"].user.id)
    certificate = issue(session, cashier, course, course.current_version, score=90.0)
    session.get(User, people["compliance"].user.id).language = lang
    session.commit()
    client = app.test_client()
    login_as(client, people["compliance"])
    client.serial = certificate.serial
    return client


def test_certificate_list_filters_show_titles_and_store_names(officer, lang):
    html = officer.get("/certificates/manage").get_data(as_text=True)
    course_options = re.search(r'<select id="course".*?</select>', html, re.S).group(0)
    assert f'value="basics">{WORDS[lang]["course"]}</option>' in course_options
    store_options = re.search(r'<select id="store".*?</select>', html, re.S).group(0)
    assert 'value="S1">Store S1</option>' in store_options and ">S1 " not in store_options
    # A card per certificate on a phone: the holder heads the row, each cell is labelled.
    assert 'class="data stack certificates"' in html
    assert '<th scope="row">Test cashier</th>' in html and 'data-label="' in html


def test_certificate_history_uses_labels_not_event_keys(officer, lang):
    html = officer.get(f"/certificates/manage/{officer.serial}").get_data(as_text=True)
    history = re.search(r'<ol class="history">.*?</ol>', html, re.S).group(0)
    assert WORDS[lang]["issued"] in history and "certificate.issued" not in history


def test_export_pickers_are_checkbox_groups_with_all(officer, lang):
    html = officer.get("/certificates/export").get_data(as_text=True)
    assert "<select multiple" not in html and "Ctrl" not in html
    assert re.search(
        r'<input[^>]*checked[^>]*name="all_stores"|<input[^>]*name="all_stores"[^>]*checked', html
    )
    assert re.search(r'<input[^>]*type="checkbox"[^>]*value="S1"', html)
    assert f"{WORDS[lang]['all_stores']}</label>" in html
    assert f"> {WORDS[lang]['course']}</label>" in html  # courses by title
    # "All" and some stores at once is refused with a clear message; nothing is exported.
    both = post(
        officer,
        "/certificates/export",
        {"all_stores": "y", "stores": ["S1"], "status": "all", "language": lang},
        token_from="/certificates/export",
    )
    assert both.status_code == 200
    message = {
        "en": "You ticked “All stores” and some stores: untick one.",
        "zh": "你同时勾选了“全部门店”和个别门店，请取消其中一项。",
    }
    assert message[lang] in both.get_data(as_text=True)
    chosen = post(
        officer,
        "/certificates/export",
        {"stores": ["S1"], "status": "all", "language": lang},
        token_from="/certificates/export",
    )
    assert chosen.status_code == 302 and chosen.location.startswith("/jobs/")
    job = _wait(officer, chosen.location.removeprefix("/jobs/"))
    assert job["status"] == "done" and job["total"] == 1, job


def test_the_menu_has_export_and_groups_for_an_admin(app, people, lang, session):
    session.get(User, people["admin"].user.id).language = lang
    session.commit()
    client = app.test_client()
    login_as(client, people["admin"])
    html = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert 'href="/certificates/export"' in nav
    groups = {
        "en": ["Learning", "Team", "Compliance", "Administration"],
        "zh": ["学习", "团队", "合规", "系统管理"],
    }
    assert re.findall(r"<summary[^>]*>([^<]+)</summary>", nav) == groups[lang]
    cashier = app.test_client()
    login_as(cashier, people["cashier"])
    flat = re.search(
        r'<nav class="main-nav".*?</nav>', cashier.get("/").get_data(as_text=True), re.S
    )
    assert "<details" not in flat.group(0) and "/certificates/export" not in flat.group(0)
