"""The terminal simulator in a real browser on a phone (390 x 844, Chinese): a void and a partial
refund done by tapping the on-screen keypad, the debrief, the replay, and axe on each page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from trainer.courses.importer import import_shipped_content
from trainer.models import Attempt, SimRun

pytestmark = pytest.mark.browser

# Voucher 000318 voided (password 123456), then the right ¥85.00 sale on the same card.
# Cards are tapped by their place in the tray: present:0 is the scenario's first card.
VOID_THEN_SALE = "2 123456 enter 318 enter enter present:0 enter 1 8500 enter present:0"
# ¥129.00 back of last week's ¥459.00 sale (reference no. and date from the customer's slip).
PARTIAL_REFUND = "3 123456 enter present:0 100000000087 enter 1130 enter 12900 enter enter"


def keys(sequence: str) -> list[str]:
    """Key names: digit groups pressed one digit at a time, other keys by name."""
    out: list[str] = []
    for word in sequence.split():
        out.extend(list(word) if word.isdigit() else [word])
    return out


def sign_in(page, live_server, actor) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.user.username)
    page.fill("#password", actor.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def start_run(page, live_server, scenario: str) -> None:
    page.goto(f"{live_server}/practice/terminal/")
    page.locator(f"form[action$='/{scenario}/start'] button").click()
    page.wait_for_url("**/practice/terminal/runs/*")


def tap(page, sequence: str) -> None:
    """Tap each key on the on-screen keypad (or the card tray), then let the printer finish."""
    for key in keys(sequence):
        page.locator(f"[data-terminal] button[data-key='{key}']").click()
    page.evaluate("window.trainerTerminalIdle()")


def finish(page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("form[action$='/finish'] button").click()
    page.wait_for_url("**/debrief")


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def shipped(app):
    """The shipped courses (the debrief's manual links) and scenarios."""
    import_shipped_content(app)


def test_a_void_by_tapping_the_keypad_passes_and_can_be_replayed(
    page, live_server, people, session, shipped
):
    sign_in(page, live_server, people["cashier"])
    page.goto(f"{live_server}/practice/terminal/")
    assert fits_the_phone(page)
    assert_accessible(page)
    start_run(page, live_server, "overcharge-void")
    screen = page.locator("[data-screen]")
    assert "消费" in screen.inner_text() and "撤销" in screen.inner_text()
    assert page.locator("button[data-key='enter']").inner_text() == "确认"
    assert fits_the_phone(page)
    assert_accessible(page)
    tap(page, "2")
    assert "请输入主管密码" in screen.inner_text()
    # The computer's keyboard works the keypad too: the password typed, Enter pressed.
    page.locator("h1").click()
    for digit in "123456":
        page.keyboard.press(digit)
    page.keyboard.press("Enter")
    page.evaluate("window.trainerTerminalIdle()")
    assert "请输入原凭证号" in screen.inner_text()
    tap(page, "318 enter enter present:0 enter 1 8500 enter present:0")
    receipt = page.locator("[data-receipt]").inner_text()
    assert "000318" in receipt and "622848******1234" in receipt
    # A reload resumes from the server's log: the same receipt.
    page.reload()
    assert page.locator("[data-receipt]").inner_text() == receipt
    finish(page)
    assert page.locator(".badge.ok").count() == 1  # passed
    assert_accessible(page)
    page.locator("a[href$='/replay']").click()
    page.wait_for_url("**/replay")
    assert page.locator(".sim-replay > li").count() == len(keys(VOID_THEN_SALE))
    assert fits_the_phone(page)
    assert_accessible(page)
    run = session.scalars(select(SimRun)).one()
    # The log holds the engine's keys: the tray's first card is the scenario's card "a".
    logged = [key.replace("present:0", "card:a") for key in keys(VOID_THEN_SALE)]
    assert run.passed and [a["key"] for a in run.actions] == logged


def test_printing_scrolls_the_receipt_not_the_page(page, live_server, people, shipped):
    """On a phone the printer is below the keypad: a printed line must not move the page under
    the cashier's finger (likely how a CI run lost one of 22 taps); the receipt's own
    box scrolls to its last line instead."""
    sign_in(page, live_server, people["cashier"])
    start_run(page, live_server, "overcharge-void")
    tap(page, "2 123456 enter 318 enter enter")
    page.evaluate("window.scrollTo(0, 0)")
    printer = page.locator("[data-receipt]")
    assert printer.evaluate("el => el.getBoundingClientRect().top") > page.viewport_size["height"]
    # The card tapped without Playwright's own scrolling to it: a DOM click, as a finger's.
    page.evaluate(
        "document.querySelector(\"[data-terminal] button[data-key='present:0']\").click()"
    )
    page.evaluate("window.trainerTerminalIdle()")
    assert "000318" in printer.inner_text()  # the void's receipt was printed ...
    assert page.evaluate("window.scrollY") == 0  # ... and the page stayed where it was
    assert printer.evaluate("el => el.scrollTop + el.clientHeight >= el.scrollHeight - 1")


def test_a_partial_refund_by_tapping_the_keypad_passes(page, live_server, people, session, shipped):
    sign_in(page, live_server, people["cashier"])
    start_run(page, live_server, "partial-return")
    # The customer's slip beside the terminal has the reference no. a refund needs.
    assert "100000000087" in page.locator(".term-slip").inner_text()
    tap(page, PARTIAL_REFUND)
    assert "退货" in page.locator("[data-receipt]").inner_text()
    finish(page)
    assert page.locator(".badge.ok").count() == 1
    assert page.locator("#critical-head").count() == 0
    run = session.scalars(select(SimRun)).one()
    assert run.passed and run.grade["unmet"] == []


def test_a_refund_to_another_card_is_a_critical_error_in_the_debrief(
    page, live_server, people, session, shipped
):
    sign_in(page, live_server, people["cashier"])
    start_run(page, live_server, "partial-return")
    tap(page, PARTIAL_REFUND.replace("present:0", "present:1"))
    finish(page)
    assert page.locator(".badge.bad").count() >= 1
    assert "原卡" in page.locator("#critical-head + ul").inner_text()


def test_the_shipped_terminal_quiz_grades_what_was_tapped(
    page, live_server, people, session, shipped
):
    sign_in(page, live_server, people["cashier"])
    page.goto(f"{live_server}/quizzes/terminal-check")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/attempts/*")
    assert fits_the_phone(page)
    assert_accessible(page)
    terminals = page.locator("[data-terminal]")
    assert terminals.count() == 2  # the void, then the partial refund: each its own terminal
    for terminal, sequence in zip(
        (terminals.nth(0), terminals.nth(1)), (VOID_THEN_SALE, PARTIAL_REFUND), strict=True
    ):
        for key in keys(sequence):
            terminal.locator(f"button[data-key='{key}']").click()
        page.evaluate("window.trainerTerminalIdle()")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[formaction$='/submit']").click()
    page.wait_for_url("**/result")
    assert page.locator("a[href$='/replay']").count() == 2
    assert_accessible(page)
    attempt = session.scalars(select(Attempt)).one()
    assert (attempt.score, attempt.max_score, attempt.passed) == (4.0, 4.0, True)
