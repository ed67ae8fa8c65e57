"""The report pages on a 390 px phone: nothing but the wide tables scrolls sideways."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.report_data import record_attempt
from trainer.db import utcnow
from trainer.models import Quiz, User

PAGES = [
    "/reports/weak-topics",
    "/reports/trends",
    "/reports/items/no-essay?attempts=all",
    "/reports/gaps?course=basics",
]


def test_reports_fit_a_phone(app, session, people, content, live_server, page, tmp_path):
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "no-essay"))
    cashier = session.get(User, people["cashier"].user.id)
    for number, right in ((1, False), (2, True)):
        record_attempt(
            session,
            cashier,
            quiz,
            [("b-void-single", int(right), 1, {"choice": "a" if right else "b"})],
            number=number,
            submitted_at=utcnow() - timedelta(days=40 - number),
        )
    page.goto(f"{live_server}/login")
    page.fill("#username", people["supervisor"].user.username)
    page.fill("#password", people["supervisor"].password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{live_server}/team")  # a supervisor lands on their team
    for path in PAGES:
        page.goto(f"{live_server}{path}")
        # The document is no wider than the screen; wide tables scroll inside their wrapper.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide"
        assert page.locator("h1").is_visible()
        page.screenshot(
            path=str(tmp_path / (path.split("/")[2].split("?")[0] + ".png")), full_page=True
        )
    # The chart is an image with a name, and its figures are one tap away as a table.
    page.goto(f"{live_server}/reports/trends")
    chart = page.locator("svg.chart").first
    assert chart.get_attribute("role") == "img"
    page.locator("main details summary").first.click()  # the header menu has <details> too
    assert page.locator("main details table").first.is_visible()
