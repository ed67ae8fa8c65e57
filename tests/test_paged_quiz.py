"""A quiz shown page by page (questions_per_page, issue #16): the navigator, saving as the
learner moves between pages, and submitting from any page, without JavaScript."""

from __future__ import annotations

import re

from tests.helpers import login_as
from tests.test_quizzes import (
    FETCH,
    NO_ESSAY,
    QUESTIONS,
    _attempt,
    _fields,
    _page,
    _post,
    _start,
    _submit,
)

PER_PAGE = 3  # the "paged" quiz of tests/test_quizzes.py


def _navigator(html: str) -> list[tuple[str, str, bool]]:
    """(page the button goes to, its text, answered) for each navigator entry, in order."""
    nav = re.search(r'<nav class="question-nav".*?</nav>', html, re.S)
    assert nav, "no question navigator"
    entries = re.findall(
        r'<li class="([^"]*)" data-nav="\d+".*?<button[^>]*value="(\d+)"[^>]*>(.*?)</button>',
        nav.group(0),
        re.S,
    )
    return [
        (page, " ".join(re.sub(r"<[^>]+>", " ", text).split()), "answered" in classes.split())
        for classes, page, text in entries
    ]


def test_a_paged_quiz_shows_its_questions_page_by_page(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "paged")
    pages = -(-len(NO_ESSAY) // PER_PAGE)
    html, shown, _parser = _page(client, attempt_id)
    assert len(shown) == PER_PAGE
    assert f"Page 1 of {pages}" in html
    navigator = _navigator(html)
    assert len(navigator) == len(NO_ESSAY)
    assert [p for p, _t, _a in navigator] == [str(i // PER_PAGE + 1) for i in range(len(NO_ESSAY))]
    assert navigator[0][1] == "1 Question 1 , not answered"
    assert 'aria-current="step"' in html and "Next page" in html and "Previous page" not in html
    # The last page: what is left, a way back, and no way on.
    last, rest, _parser = _page(client, attempt_id, pages)
    assert len(rest) == len(NO_ESSAY) - PER_PAGE * (pages - 1)
    assert "Previous page" in last and "Next page" not in last
    # A page number out of range shows the nearest page.
    assert _page(client, attempt_id, 99)[1].keys() == rest.keys()


def test_moving_between_pages_saves_and_never_clears_other_pages(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "paged")
    html, first, _parser = _page(client, attempt_id)
    shown = re.search(r'name="shown" value="([\d,]*)"', html).group(1)
    answers = {}
    for qid, question in first.items():
        answers.update(_fields(qid, question, right=True))
    # "Next page" without JavaScript: the page's answers are saved, then page 2 is shown.
    moved = _post(client, f"/attempts/{attempt_id}/save", {**answers, "shown": shown, "goto": "2"})
    assert moved.status_code == 302 and moved.location == f"/attempts/{attempt_id}?page=2"
    saved = {i.position: i.response for i in _attempt(session, attempt_id).items}
    on_first = {q.position for q in first.values()}
    answerable = {q.position for qid, q in first.items() if QUESTIONS[qid]["type"] != "scenario"}
    assert all(saved[p] is not None for p in answerable)
    # Page 2 saved with nothing filled in (a plain "save", and an autosave) clears nothing
    # of page 1: its fields are not in the form.
    html2, _second, _parser = _page(client, attempt_id, 2)
    shown2 = re.search(r'name="shown" value="([\d,]*)"', html2).group(1)
    assert not set(map(int, shown2.split(","))) & on_first
    plain = _post(client, f"/attempts/{attempt_id}/save", {"shown": shown2, "page": "2"})
    assert plain.location == f"/attempts/{attempt_id}?page=2"  # back to the same page
    assert 'name="page" value="2"' in html2
    assert _post(client, f"/attempts/{attempt_id}/save", {"shown": shown2}, headers=FETCH).json[
        "ok"
    ]
    after = {i.position: i.response for i in _attempt(session, attempt_id).items}
    assert all(after[p] == saved[p] for p in on_first)
    # The navigator on page 2 shows page 1's questions as answered, and counts them.
    navigator = _navigator(html2)
    assert [a for _p, _t, a in navigator[:PER_PAGE]] == [
        pos in answerable for pos in sorted(on_first)
    ]
    assert f"Answered: {len(answerable)} of" in html2
    # Submitting from page 2 grades the answers saved on page 1.
    assert _submit(client, attempt_id, {"shown": shown2}).status_code == 302
    graded = _attempt(session, attempt_id)
    statuses = {i.position: i.status for i in graded.items}
    assert all(statuses[p] == "correct" for p in answerable)


def test_a_scenario_step_on_a_later_page_returns_to_that_page(client, session, people, content):
    login_as(client, people["cashier"])
    attempt_id = _start(client, "paged")
    position = NO_ESSAY.index("b-timeout-scenario")
    page = position // PER_PAGE + 1
    _html, shown, _parser = _page(client, attempt_id, page)
    choices = dict((t, v) for v, t in shown["b-timeout-scenario"].choices)
    step = _post(
        client, f"/attempts/{attempt_id}/step", {"choice": choices["Check the last transaction"]}
    )
    assert step.location == f"/attempts/{attempt_id}?page={page}#q{position}"
