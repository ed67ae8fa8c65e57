"""axe-core on every kind of page, for every role, on a phone in Chinese and a desktop in English.

A new page belongs in PAGES: then it is checked too.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.axe import assert_accessible
from trainer.certificates import service as certificates
from trainer.courses.importer import import_shipped_content
from trainer.models import Course, User

pytestmark = pytest.mark.browser

#: role -> paths it opens ({serial}, {code}, {cashier}, {attempt} are filled in)
PAGES = {
    None: ["/login", "/verify", "/verify/{code}"],
    "cashier": [
        "/",
        "/courses/",
        "/courses/card-security/",
        "/courses/card-security/01-never-store-card-data",
        "/courses/search?q=%E9%80%80%E8%B4%A7",
        "/quizzes/",
        "/quizzes/placement",
        "/attempts/{attempt}",
        "/attempts/{attempt}/result",
        "/certificates/",
        "/progress",
        "/drills/",
        "/practice/terminal/",
        "/profile",
        "/password",
    ],
    "supervisor": [
        "/",
        "/team",
        "/people/{cashier}",
        "/people/{cashier}/drills/{drill}",
        "/assignments",
        "/reports/weak-topics",
        "/reports/trends",
        "/reports/items",
        "/reports/gaps",
        "/drills/live/",
        "/drills/log",
        "/certificates/manage",
        "/certificates/manage/{serial}",
        "/grading",
    ],
    "compliance": ["/", "/certificates/export", "/audit/"],
    "admin": [
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/stores",
        "/admin/roster",
        "/admin/api-clients",
        "/admin/gift/import",
        "/admin/quizzes/",
        "/onboarding",
    ],
}


@pytest.fixture
def site(app, session, people):
    """Shipped content, one certificate for the cashier, one submitted attempt, one drill run."""
    import_shipped_content(app)
    course = session.scalar(select(Course).where(Course.code == "card-security"))
    cashier = session.get(User, people["cashier"].user.id)
    issued = certificates.issue(
        session, cashier, course, course.current_version, score=90.0, actor=None
    )
    session.commit()
    return {
        "serial": issued.serial,
        "code": issued.verify_code,
        "cashier": cashier.id,
        "drill": _missed_drill(session, cashier),
    }


def _missed_drill(session, cashier) -> int:
    """A solo drill run whose every step ran out of time (a finished run with a debrief)."""
    from datetime import timedelta

    from trainer.db import utcnow
    from trainer.drills import service as drills
    from trainer.models import Drill

    drill = session.scalar(select(Drill).where(Drill.slug == "power-loss"))
    participant = drills.start_solo(session, cashier, drill)
    drills.catch_up(participant.run, participant, utcnow() + timedelta(hours=1))
    assert participant.finished_at is not None
    session.commit()
    return participant.id


def _sign_in(page, live_server, actor) -> None:
    page.goto(f"{live_server}/login")
    page.fill("#username", actor.user.username)
    page.fill("#password", actor.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _attempt(page, live_server) -> str:
    """Start the placement quiz and submit it unanswered: an attempt and its result page."""
    page.goto(f"{live_server}/quizzes/placement")
    page.locator("main form button.primary").click()
    page.wait_for_url("**/attempts/*")
    attempt = page.url.rstrip("/").rsplit("/", 1)[1]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[formaction$='/submit']").click()
    page.wait_for_url("**/result")
    return attempt


# What axe checks does not depend on the database: SQLite only, to keep the suite fast.
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    ("viewport", "locale"),
    [({"width": 390, "height": 844}, "zh-CN"), ({"width": 1280, "height": 900}, "en-GB")],
    ids=["phone-zh", "desktop-en"],
)
def test_every_page_has_no_serious_accessibility_violation(
    browser, live_server, people, site, viewport, locale
):
    failures = []
    for role, paths in PAGES.items():
        context = browser.new_context(viewport=viewport, locale=locale)
        context.set_default_timeout(15_000)
        page = context.new_page()
        if role:
            _sign_in(page, live_server, people[role])
        values = dict(site)
        if role == "cashier":
            values["attempt"] = _attempt(page, live_server)
        for path in paths:
            response = page.goto(live_server + path.format(**values))
            assert response.status == 200, f"{role} {path}: {response.status}"
            try:
                assert_accessible(page)
            except AssertionError as exc:
                failures.append(f"{role}: {exc}")
        context.close()
    assert not failures, "\n".join(failures)
