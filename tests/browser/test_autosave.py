"""Autosave in a real browser, on a phone: an answer is saved as it is picked, a reload shows it,
and an answer picked while the connection is down is saved when it comes back."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in_and_start
from trainer.models import AttemptItem
from trainer.quizzes.forms import present_response

pytestmark = pytest.mark.browser


def _saved(session, attempt_id: int) -> dict[int, dict | None]:
    """The saved responses in the page's terms (an option as the value it has on the page)."""
    session.expire_all()
    items = session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))
    return {
        item.position: None if item.response is None else dict(present_response(item))
        for item in items
    }


def _response(radio) -> dict:
    """The saved response a radio button stands for (true/false, or a single choice)."""
    value = radio.get_attribute("value")
    return {"value": value == "true"} if value in ("true", "false") else {"choice": value}


def _pick(page, choice, *, expect: str) -> None:
    """Check ``choice`` and wait for the save state line to begin with ``expect``."""
    page.evaluate("document.querySelector('[data-save-state]').textContent = ''")
    choice.check()
    page.wait_for_function(
        "text => document.querySelector('[data-save-state]').textContent.startsWith(text)",
        arg=expect,
    )


def test_answers_are_saved_as_picked_and_kept_through_a_dropped_connection(
    page, live_server, session, people, content
):
    attempt_id = sign_in_and_start(page, live_server, people["cashier"], "no-essay")
    form = page.locator("#attempt-form")
    saved_text = form.get_attribute("data-saved-text")
    offline_text = form.get_attribute("data-offline-text")
    # Two single-choice questions (radio buttons), each in its own section.
    sections = page.locator("section[data-position]:has(input[type=radio])")
    assert sections.count() >= 2
    first, second = sections.nth(0), sections.nth(1)
    position = int(first.get_attribute("data-position"))
    other = int(second.get_attribute("data-position"))

    # Picked: saved in the background, and a reload shows it.
    choice = first.locator("input[type=radio]").first
    value = choice.get_attribute("value")
    _pick(page, choice, expect=saved_text)
    assert _saved(session, attempt_id)[position] == _response(choice)
    page.reload()
    assert page.locator(f"section[data-position='{position}'] input[value='{value}']").is_checked()

    # The connection drops: the page says the answer is not saved yet, and keeps it.
    page.context.set_offline(True)
    changed = first.locator("input[type=radio]").last
    assert changed.get_attribute("value") != value
    _pick(page, changed, expect=offline_text)
    assert _saved(session, attempt_id)[position] == _response(choice)
    assert changed.is_checked()

    # Back online: the pending answer saves itself, without another change.
    page.evaluate("document.querySelector('[data-save-state]').textContent = ''")
    page.context.set_offline(False)
    page.wait_for_function(
        "text => document.querySelector('[data-save-state]').textContent.startsWith(text)",
        arg=saved_text,
    )
    assert _saved(session, attempt_id)[position] == _response(changed)

    # Dropped again, then a pick on another question once it is back: that save names both
    # questions (the one changed offline is still pending), so neither is lost.
    page.context.set_offline(True)
    again = first.locator("input[type=radio]").first
    _pick(page, again, expect=offline_text)
    page.context.set_offline(False)
    later = second.locator("input[type=radio]").first
    _pick(page, later, expect=saved_text)
    page.wait_for_timeout(500)  # the "online" save may still be on its way
    saved = _saved(session, attempt_id)
    assert saved[position] == _response(again)
    assert saved[other] == _response(later)


def test_saves_go_one_at_a_time_so_the_newest_answer_is_the_one_kept(
    page, live_server, session, people, content
):
    """A slow save must not land after a newer one and put the older answer back."""
    attempt_id = sign_in_and_start(page, live_server, people["cashier"], "no-essay")
    saved_text = page.locator("#attempt-form").get_attribute("data-saved-text")
    question = page.locator("section[data-position]:has(input[type=radio])").first
    position = int(question.get_attribute("data-position"))
    older, newer = (
        question.locator("input[type=radio]").first,
        question.locator("input[type=radio]").last,
    )
    held, sent = [], []

    def hold_the_first(route) -> None:  # the first save hangs; later ones go through
        sent.append(route.request.url)
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/save", hold_the_first)
    older.check()
    page.wait_for_timeout(800)  # the debounce fires: the first save is held
    assert len(sent) == 1
    newer.check()
    page.wait_for_timeout(800)  # the second change's save would be sent by now
    assert len(sent) == 1 and _saved(session, attempt_id)[position] is None
    page.evaluate("document.querySelector('[data-save-state]').textContent = ''")
    held[0].continue_()  # the slow save arrives; only then does the next one go
    page.wait_for_function(
        "text => document.querySelector('[data-save-state]').textContent.startsWith(text)",
        arg=saved_text,
    )
    for _ in range(50):  # then the newer answer's save: wait for it to be stored
        if len(sent) == 2 and _saved(session, attempt_id)[position] == _response(newer):
            break
        page.wait_for_timeout(100)
    assert _saved(session, attempt_id)[position] == _response(newer)
    assert len(sent) == 2
