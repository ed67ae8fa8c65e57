"""A compliance officer on a 390 px phone: the certificate list, the export pickers, the menu."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from tests.test_certificates import FIXTURE
from tests.test_export import app_config  # noqa: F401 (fixture: exports in the test's folder)
from trainer.certificates.service import issue, revoke
from trainer.courses.importer import import_tree
from trainer.models import Course, RevocationReason, User

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, actor) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.user.username)
    page.fill("#password", actor.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def certified(app, session, people):
    """The fixture course, a valid and a revoked certificate."""
    import_tree(app, FIXTURE)
    course = session.scalar(select(Course).where(Course.code == "basics"))
    officer = session.get(User, people["compliance"].user.id)
    for name in ("cashier", "cashier2"):
        holder = session.get(User, people[name].user.id)
        made = issue(session, holder, course, course.current_version, score=90.0)
    session.flush()
    revoke(session, made, reason=RevocationReason.ISSUED_IN_ERROR, note="test", actor=officer)
    session.commit()


def test_the_certificate_list_is_a_card_per_certificate_on_a_phone(
    live_server, page, people, certified
):
    _sign_in(page, live_server, people["compliance"])
    page.goto(f"{live_server}/certificates/manage")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    rows = page.locator("table.certificates tbody tr")
    assert rows.count() == 2
    for i in range(2):
        card = rows.nth(i)
        assert card.evaluate("row => getComputedStyle(row).display") == "block"
        badge = card.locator(".badge")
        box = badge.bounding_box()
        assert box["x"] + box["width"] <= 390  # the status is on screen
        title = card.locator("td[data-label]").first
        # The course title sits on one line, not a character per line.
        assert title.bounding_box()["height"] < 60
    assert page.locator("select#course option[value='basics']").inner_text() == "收银基础"
    assert_accessible(page)
    page.goto(f"{live_server}/certificates/manage?course=basics")
    serial = page.locator("table.certificates a").first.inner_text()
    page.goto(f"{live_server}/certificates/manage/{serial}")
    assert "certificate." not in page.locator("ol.history").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)


def test_the_export_pickers_work_by_keyboard_on_a_phone(live_server, page, people, certified):
    _sign_in(page, live_server, people["compliance"])
    page.goto(f"{live_server}/certificates/export")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("select[multiple]").count() == 0
    assert_accessible(page)
    every = page.locator("input[name=all_stores]")
    assert every.is_checked()
    every.focus()
    page.keyboard.press("Space")  # untick "all stores"
    assert not every.is_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # the first store
    assert page.locator("input[name=stores]").first.is_checked()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/jobs/*")
    # Let the export finish before the test's database goes away.
    deadline = time.monotonic() + 90
    while page.request.get(page.url + ".json").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_an_admins_grouped_menu_opens_by_keyboard_and_fits_a_phone(
    live_server, page, people, certified
):
    _sign_in(page, live_server, people["admin"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    export = page.locator(".main-nav a[href='/certificates/export']")
    assert not export.is_visible()  # inside a closed group
    page.locator(".main-nav summary", has_text="合规").focus()
    page.keyboard.press("Enter")
    assert export.is_visible()
    box = export.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    export.click()
    page.wait_for_url("**/certificates/export")
