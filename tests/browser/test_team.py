"""A supervisor on a phone: team matrix → a cashier's page → the cashier's failed attempt."""

from __future__ import annotations

import pytest

from tests.test_certificates import FIXTURE
from tests.test_tracking_pages import _failed_attempt, assign
from trainer.courses.importer import import_tree
from trainer.models import User

pytestmark = pytest.mark.browser


def test_supervisor_walks_from_the_team_to_a_failed_attempt(
    app, session, people, stores, live_server, page
):
    import_tree(app, FIXTURE)
    supervisor = session.get(User, people["supervisor"].user.id)
    assign(session, supervisor, "quiz:basics-quiz", 7, stores=[stores["S1"]])
    attempt_id = _failed_attempt(app, people)
    cashier = people["cashier"].user

    page.goto(f"{live_server}/login")
    page.fill("#username", supervisor.username)
    page.fill("#password", people["supervisor"].password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server}/team")

    # On a 390 px screen the matrix is a card per person: no sideways scrolling, no header row.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card = page.locator("table.matrix tbody tr", has_text=cashier.name)
    assert card.evaluate("row => getComputedStyle(row).display") == "block"
    assert page.locator("table.matrix thead").bounding_box()["height"] <= 1
    assert card.locator(".badge.bad").count() == 1  # failed
    box = card.bounding_box()
    assert box["width"] <= 390

    card.get_by_role("link", name=cashier.name).click()
    page.wait_for_url(f"{live_server}/people/{cashier.id}")
    assert page.locator("h1").inner_text() == cashier.name
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator(f"a[href='/attempts/{attempt_id}/result']").click()
    page.wait_for_url(f"{live_server}/attempts/{attempt_id}/result")
    assert cashier.name in page.locator("h1").inner_text()
    assert page.locator(".result-summary .badge.bad").count() == 1
    # Read-only: nothing on the page starts or submits an attempt.
    assert page.locator("main form").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(f"main a[href='/people/{cashier.id}']").first.click()
    page.wait_for_url(f"{live_server}/people/{cashier.id}")
