"""A live store drill in real browsers: a supervisor's board and two phone-sized participants.

The board updates without reloading (polling), the participants' pages move on by themselves
when the supervisor starts the drill and when a round ends, and nothing scrolls sideways on a
390 px screen.
"""

from __future__ import annotations

import re

from tests.test_drills import drill_content, staff  # noqa: F401 (fixtures)


def _sign_in(page, live_server, actor) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.user.username)
    page.fill("#password", actor.password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r".*/(?!login)[^/]*$"))


def _phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(15_000)
    return context


def test_a_live_drill_with_a_supervisor_and_two_phones(
    browser,
    live_server,
    staff,  # noqa: F811
    drill_content,  # noqa: F811
):
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en")
    desk.set_default_timeout(15_000)
    phones = [_phone(browser), _phone(browser)]
    try:
        board = desk.new_page()
        _sign_in(board, live_server, staff["supervisor"])
        board.goto(f"{live_server}/drills/live/")
        board.select_option("#drill", "till-drill")
        board.get_by_role("button", name="Open the drill and show the join code").click()
        board.wait_for_url("**/drills/live/*")
        code = board.locator(".join-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z2-9]{6}", code)
        assert board.locator("img.qr").get_attribute("src").startswith("data:image/svg+xml")
        board.evaluate("window.stillTheSamePage = true")

        first, second = (context.new_page() for context in phones)
        _sign_in(first, live_server, staff["cashier"])
        first.goto(f"{live_server}/drills/join?code={code}")  # what the QR code opens
        first.locator("main form button[type=submit]").click()
        first.wait_for_url("**/drills/play/*")
        _sign_in(second, live_server, staff["cashier3"])
        second.goto(f"{live_server}/drills/")
        second.fill("#join-code", code.lower())
        second.locator("main form button[type=submit]").first.click()
        second.wait_for_url("**/drills/play/*")
        for phone in (first, second):
            assert "你已加入" in phone.content()

        # The board lists both without a reload.
        board.locator("[data-board-rows] tr").nth(1).wait_for()
        assert board.locator("[data-board-count]").inner_text() == "2 joined"
        assert board.evaluate("window.stillTheSamePage") is True

        board.get_by_role("button", name="Start the drill for everyone who joined").click()
        prompt = "终端显示超时。先做什么？"
        for phone in (first, second):  # each phone moves on by itself
            phone.get_by_text(prompt).wait_for()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        board.evaluate("window.stillTheSamePage = true")

        first.get_by_role("button", name="查询最后一笔交易").click()
        first.get_by_text("已记录你的回答").wait_for()
        board.get_by_role("cell", name="Answered step 1").wait_for()
        assert board.evaluate("window.stillTheSamePage") is True

        second.get_by_role("button", name="请顾客付现金").click()  # the last answer: next round
        first.get_by_text("排序。").wait_for()  # ordering on the main path
        second.get_by_text("顾客发现付了两次。你说什么？").wait_for()  # his branch
        assert first.evaluate("document.documentElement.scrollWidth") <= 390

        board.reload()
        board.once("dialog", lambda dialog: dialog.accept())
        board.get_by_role("button", name="End the drill").click()
        board.get_by_text("the board below is its record").wait_for()
        for phone in (first, second):
            phone.get_by_role("heading", name=re.compile("演练复盘")).wait_for()
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert "Absent Ann" in board.content()
    finally:
        for context in (desk, *phones):
            context.close()
