"""The whole learner journey in a real browser: sign in → read → quiz → certificate → verify."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from tests.helpers import qr_code_of
from trainer.admin.service import create_user
from trainer.courses.importer import import_shipped_content
from trainer.demo import _correct_response
from trainer.domain.questions import TYPES
from trainer.models import Attempt, AttemptItem, Certificate, Role, User

pytestmark = pytest.mark.browser

NEW_PASSWORD = "my own till password 1"


def _answer(page, item: AttemptItem) -> None:
    """Answer one question correctly through the page's controls, as a person would."""
    from trainer.quizzes.forms import ordering_ids

    q, name = item.question, f"q{item.position}"
    response = _correct_response(q, item.layout)
    section = page.locator(f"#{name}")
    kind = q["type"]
    if kind in ("single", "multiple"):
        # The page names options by their shown position (issue #14), not their content id.
        shown = TYPES[kind].real_to_shown(q, item.layout)
        for choice in response.get("choices") or [response.get("choice")]:
            section.locator(f"input[value='{shown[choice]}']").check()
    elif kind == "truefalse":
        section.locator(f"input[value='{str(response['value']).lower()}']").check()
    elif kind == "ordering":
        rank = {step: i + 1 for i, step in enumerate(response["order"])}
        for opaque, step in zip(ordering_ids(item), item.layout["steps"], strict=True):
            section.locator(f"select[name='{name}-{opaque}']").select_option(str(rank[step]))
    elif kind == "matching":
        for left, right in response["pairs"].items():
            section.locator(f"select[name='{name}-{left}']").select_option(right)
    elif kind in ("numeric", "short"):
        section.locator(f"input[name='{name}']").fill(response.get("value") or response["text"])
    elif kind == "scenario":
        choices = TYPES["scenario"].normalise_layout(q, item.layout)["choices"]
        for step, option in response["path"]:
            shown = f"c{choices[step].index(option)}"
            page.locator(f"button[value='{item.position}|{step}|{shown}']").click()
            page.wait_for_load_state()


def test_new_cashier_journey(app, session, stores, live_server, page, tmp_path):
    import_shipped_content(app)
    new = create_user(
        session, username="newcashier", name="张淼", role=Role.CASHIER, stores=[stores["S1"]]
    )
    session.commit()

    # Sign in with the one-time password and choose a new one.
    page.goto(f"{live_server}/login")
    page.fill("#username", "newcashier")
    page.fill("#password", new.password)
    page.locator("form button[type=submit]").last.click()
    assert page.url.endswith("/password")
    page.fill("#current", new.password)
    page.fill("#new", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    assert page.url == f"{live_server}/"

    # Read every lesson of the card-security course and confirm it.
    page.goto(f"{live_server}/courses/card-security/")
    page.locator("main a.button.primary").first.click()
    while "/courses/card-security/0" in page.url:
        page.locator(".lesson-nav form button").click()
        page.wait_for_load_state()
    page.locator("#acknowledge form button").click()
    assert page.locator(".flash-success").count() == 1

    # Pass the course quiz.
    page.goto(f"{live_server}/quizzes/card-security-quiz")
    page.locator("main form button.primary").click()
    attempt_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    session.expire_all()
    items = session.scalars(
        select(AttemptItem)
        .where(AttemptItem.attempt_id == attempt_id)
        .order_by(AttemptItem.position)
    ).all()
    # The page counts what is answered, and submitting with blanks says how many are left.
    asked = str(sum(item.question["type"] != "description" for item in items))
    counter = page.locator("[data-progress]")
    assert re.findall(r"\d+", counter.inner_text()) == ["0", asked]
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    page.locator("button[formaction$='/submit']").click()
    assert re.findall(r"\d+", warnings[0]) == [asked, asked]
    assert "/attempts/" in page.url and not page.url.endswith("/result")
    for item in items:
        _answer(page, item)
    assert re.findall(r"\d+", counter.inner_text()) == [asked, asked]
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[formaction$='/submit']").click()
    page.wait_for_url("**/result")
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert attempt.passed, [(i.question["type"], i.status) for i in attempt.items]

    # Download the certificate from "My certificates".
    page.goto(f"{live_server}/certificates/")
    with page.expect_download() as download_info:
        page.locator("a[href*='.pdf?lang=zh']").first.click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    user = session.scalar(select(User).where(User.username == "newcashier"))
    certificate = session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    assert "张淼" in text and certificate.serial in text

    # The QR code on the certificate leads to the public page, which says it is valid.
    url = qr_code_of(pdf_path, tmp_path)
    assert url == f"{live_server}/verify/{certificate.verify_code}"
    anyone = page.context.browser.new_context()  # not signed in: anyone can check
    visitor = anyone.new_page()
    visitor.goto(url)
    assert visitor.locator(".badge.ok").count() == 1
    assert "张*" in visitor.content()
    anyone.close()

    # A compliance officer exports it: the job page fills its progress bar, then the ZIP.
    officer = create_user(
        session,
        username="officer",
        name="周淼",
        role=Role.COMPLIANCE,
        stores=[],
        password=NEW_PASSWORD,
    )
    session.commit()
    assert officer.user.id
    desk = page.context.browser.new_context(locale="zh-CN", accept_downloads=True)
    compliance = desk.new_page()
    compliance.goto(f"{live_server}/login")
    compliance.fill("#username", "officer")
    compliance.fill("#password", NEW_PASSWORD)
    compliance.locator("main form button[type=submit]").click()
    compliance.goto(f"{live_server}/certificates/export")
    compliance.locator("main form button[type=submit]").click()
    download_link = compliance.locator("a[href$='/download']")
    download_link.wait_for(timeout=60_000)  # the page refreshes itself while the job runs
    with compliance.expect_download() as zip_info:
        download_link.click()
    zip_path = tmp_path / "export.zip"
    zip_info.value.save_as(zip_path)
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        manifest = archive.read("manifest.csv").decode("utf-8-sig")
    assert any(name.startswith(certificate.serial) for name in names)
    assert certificate.serial in manifest and "张淼" in manifest
    desk.close()
