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


# Issue #16: the history panel on a 360 px phone. Its row has six columns, a masked card number
# and amounts (tests/fixtures/content: the scenario's first step).
PHONE_PANEL_CHECK = """
panel => {
  const lines = el => {  // how many lines the text of el (without its label) takes
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  };
  const cells = [...panel.querySelectorAll('td')].map(td => ({
    text: td.textContent, lines: lines(td), label: getComputedStyle(td, '::before').content,
  }));
  return {scroll: panel.scrollWidth, client: panel.clientWidth,
          right: panel.getBoundingClientRect().right, cells};
}
"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_a_history_panel_fits_a_360_px_phone(browser, live_server, people, content, locale):
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale=locale)
    page = context.new_page()
    sign_in_and_start(page, live_server, people["cashier"])
    panel = page.locator("figure.scenario-panel.history")
    assert panel.count() == 1
    found = panel.evaluate(PHONE_PANEL_CHECK)
    assert found["scroll"] <= found["client"], found  # nothing cut off or scrolled inside it
    assert found["right"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    by_text = {cell["text"]: cell for cell in found["cells"]}
    for value in ("6222 **** **** 1234", "¥128.00", "14:02", "000231"):
        assert by_text[value]["lines"] == 1, (value, by_text[value])
    # Each value is named by its column, since the header row is not shown above it.
    assert all(cell["label"] not in ("none", '""') for cell in found["cells"])
    context.close()
