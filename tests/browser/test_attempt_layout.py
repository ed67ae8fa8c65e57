"""The attempt page in a real browser: the scenario panel beside the question on a wide screen,
above it on a phone, and never wider than the phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in_and_start

pytestmark = pytest.mark.browser


def _boxes(page):
    section = page.locator("section.with-panel")
    assert section.count() == 1  # b-void-single (the scenario's panel is inside its step)
    return (
        section.locator(":scope > .scenario-panel").bounding_box(),
        section.locator(":scope > fieldset").bounding_box(),
    )


def test_the_panel_sits_beside_the_question_on_a_wide_screen(browser, live_server, people, content):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    sign_in_and_start(page, live_server, people["cashier"])
    panel, question = _boxes(page)
    assert panel["x"] + panel["width"] <= question["x"]  # side by side
    assert abs(panel["y"] - question["y"]) < 40  # and level with each other
    context.close()


def test_the_panel_comes_first_on_a_phone(page, live_server, people, content):
    sign_in_and_start(page, live_server, people["cashier"])
    panel, question = _boxes(page)
    assert panel["y"] + panel["height"] <= question["y"]  # stacked, panel first
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
