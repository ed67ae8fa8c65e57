"""An autosave and a submit of the same attempt at the same moment (two tabs, or a phone that
resends): whichever comes first, no answer is acknowledged and then left out of the grade.

Each test lets the first request write and holds its commit until the second is waiting for
the attempt's row (PostgreSQL: seen in pg_locks; SQLite, whose one writer waits in its busy
handler unseen, gets half a second), then lets the first commit.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, text

from tests.helpers import login_as
from tests.test_quizzes import FETCH, _attempt, _fields, _page, _post, _start


def _second_waits_for_first(app, first, second):
    """Run ``first``; at its commit, run ``second`` and commit once it waits on a lock.

    Returns both responses. Each runs in its own thread, with its own pooled connection.
    """
    engine = app.extensions["engine"]
    role = threading.local()
    second_pid: list[int] = []
    results = {}

    def note_pid(conn, _cursor, _statement, _params, _context, _many):
        if getattr(role, "name", None) == "second" and not second_pid:
            second_pid.append(conn.connection.dbapi_connection.info.backend_pid)

    def run_second():
        role.name = "second"
        results["second"] = second()

    def hold_first_commit(_connection):
        if getattr(role, "name", None) != "first" or "started" in results:
            return
        results["started"] = pool.submit(run_second)
        _wait_until_blocked(engine, second_pid)

    def run_first():
        role.name = "first"
        results["first"] = first()

    if engine.dialect.name == "postgresql":
        event.listen(engine, "before_cursor_execute", note_pid)
    event.listen(engine, "commit", hold_first_commit)
    try:
        with ThreadPoolExecutor(2) as pool:
            pool.submit(run_first).result(timeout=30)
            results["started"].result(timeout=30)
    finally:
        event.remove(engine, "commit", hold_first_commit)
        if engine.dialect.name == "postgresql":
            event.remove(engine, "before_cursor_execute", note_pid)
    return results["first"], results["second"]


def _wait_until_blocked(engine, pid: list[int]) -> None:
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    waiting = text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted")
    with engine.connect() as conn:
        for _ in range(200):
            if pid and conn.execute(waiting, {"pid": pid[0]}).scalar():
                return
            conn.rollback()
            time.sleep(0.05)
    raise AssertionError("the second request never waited for the first one's lock")


def _two_tabs(app, people, content):
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        login_as(tab, people["cashier"])
    attempt_id = _start(tabs[0], "no-essay")
    _html, shown, _parser = _page(tabs[1], attempt_id)
    answer = _fields("b-void-single", shown["b-void-single"], right=True)
    for tab in tabs:  # fetch each tab's CSRF token now, not inside the race
        _post(tab, f"/attempts/{attempt_id}/save", {}, headers=FETCH)
    return tabs, attempt_id, answer, shown["b-void-single"].position


def test_a_save_waiting_for_a_submit_is_refused_and_writes_nothing(app, session, people, content):
    (submitter, saver), attempt_id, answer, position = _two_tabs(app, people, content)
    submitted, saved = _second_waits_for_first(
        app,
        lambda: _post(submitter, f"/attempts/{attempt_id}/submit", {}),
        lambda: _post(saver, f"/attempts/{attempt_id}/save", answer, headers=FETCH),
    )
    assert submitted.status_code == 302
    assert saved.status_code == 409 and saved.json["error"] == "closed"
    item = next(i for i in _attempt(session, attempt_id).items if i.position == position)
    assert item.response is None and item.status == "unanswered"


def test_a_submit_waiting_for_a_save_grades_the_saved_answer(app, session, people, content):
    (submitter, saver), attempt_id, answer, position = _two_tabs(app, people, content)
    saved, submitted = _second_waits_for_first(
        app,
        lambda: _post(saver, f"/attempts/{attempt_id}/save", answer, headers=FETCH),
        lambda: _post(submitter, f"/attempts/{attempt_id}/submit", {}),
    )
    assert saved.status_code == 200 and saved.json["ok"]
    assert submitted.status_code == 302
    item = next(i for i in _attempt(session, attempt_id).items if i.position == position)
    assert item.response is not None and item.status == "correct"
