"""A paged quiz in a real browser on a 390 px phone (issue #16): the navigator follows the
answers as they are picked, moving on keeps them, and the page never scrolls sideways."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in_and_start
from trainer.models import AttemptItem

pytestmark = pytest.mark.browser


def test_a_paged_quiz_on_a_phone(page, live_server, session, people, content):
    attempt_id = sign_in_and_start(page, live_server, people["cashier"], "paged")
    assert page.locator("section[data-position]").count() == 3
    nav = page.locator("nav.question-nav")
    assert nav.is_visible()
    entries = nav.locator("li")
    assert entries.count() > 3
    saved_text = page.locator("#attempt-form").get_attribute("data-saved-text")
    counter = page.locator("[data-progress]")
    before = counter.text_content()

    # Pick an answer: autosave stores it, and the navigator marks the question answered.
    section = page.locator("section[data-position]:has(input[type=radio])").first
    position = section.get_attribute("data-position")
    entry = nav.locator(f"li[data-nav='{position}']")
    assert "answered" not in (entry.get_attribute("class") or "").split()
    page.evaluate("document.querySelector('[data-save-state]').textContent = ''")
    section.locator("input[type=radio]").first.check()
    page.wait_for_function(
        "text => document.querySelector('[data-save-state]').textContent.startsWith(text)",
        arg=saved_text,
    )
    assert "answered" in entry.get_attribute("class").split()
    assert entry.locator("[data-nav-status]").text_content() != ""
    assert counter.text_content() != before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # On to page 2 by the navigator: the first page's answer stays saved and marked.
    nav.locator("li[data-off-page] button").first.click()
    page.wait_for_url("**/attempts/*?page=2")
    assert page.locator("section[data-position]").count() == 3
    assert page.locator(f"section[data-position='{position}']").count() == 0
    assert "answered" in nav.locator(f"li[data-nav='{position}']").get_attribute("class").split()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    session.expire_all()
    item = session.scalar(
        select(AttemptItem).where(
            AttemptItem.attempt_id == attempt_id, AttemptItem.position == int(position)
        )
    )
    assert item.response is not None

    # The navigator is usable from the keyboard: its buttons take focus in order.
    nav.locator("li button").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/attempts/*?page=1")
    assert page.locator(f"section[data-position='{position}'] input:checked").count() == 1
