"""Real-browser fixtures: the app served over HTTP in a thread, Debian's Chromium via Playwright.

Plain Playwright rather than pytest-playwright: its fixtures trip pytest 9 deprecations.

Debian's chromium works with Playwright without `playwright install` (BASELINES.md); the flags
keep it from reaching for the network, which this machine does not have.
"""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--headless",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session (about a second to launch)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile on a small phone screen, Chinese first: a cashier's setting."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def live_server(app):
    """The test app served on a free local port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    yield base
    server.shutdown()
    thread.join(timeout=5)


def sign_in_and_start(page, live_server, actor, quiz: str = "scenario-first") -> int:
    """Sign ``actor`` in, start ``quiz`` and return the attempt's id (its page is open)."""
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.user.username)
    page.fill("#password", actor.password)
    page.locator("form button[type=submit]").last.click()
    page.goto(f"{live_server}/quizzes/{quiz}")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/attempts/*")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])
