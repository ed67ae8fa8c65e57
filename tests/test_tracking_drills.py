"""Drill results on the tracking pages: the matrix's drill column, the person's runs, debriefs.

Uses the drill of tests/test_drills.py (required by the basics course there): a critical
error on step 1 fails it whatever the score.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.test_attempt_versions import _counting, count_statements  # noqa: F401 (fixture)
from tests.test_drills import (  # noqa: F401 (drill_content: a fixture)
    ORDER,
    _answer,
    _client,
    _practice,
    drill_content,
)
from trainer.models import DrillParticipant, User
from trainer.tracking import service


def _assign(session, actor_user, key, **targets):
    service.assign(
        session,
        actor_user,
        service.parse_item(session, key),
        service.today() + timedelta(days=10),
        **targets,
    )
    session.commit()


def _run(app, actor, *, critical: bool) -> int:
    client = _client(app, actor)
    pid = _practice(client)
    _answer(client, pid, "Run the card again at once" if critical else "Check the last transaction")
    _answer(client, pid, order=ORDER)
    _answer(client, pid, "The supervisor")
    return pid


def _drill_cell(html: str, name: str) -> str:
    """The text of the person's row in the matrix (their cells)."""
    row = re.search(rf"<tr>\s*<th[^>]*>.*?{name}.*?</tr>", html, re.S)
    assert row, name
    return re.sub(r"<[^>]+>", " ", row.group(0))


@pytest.mark.usefixtures("drill_content")
def test_required_and_assigned_drills_in_the_matrix(app, session, people, stores):
    supervisor = session.get(User, people["supervisor"].user.id)
    compliance = session.get(User, people["compliance"].user.id)
    _assign(session, supervisor, "course:basics", stores=[stores["S1"]])  # requires the drill
    _assign(session, compliance, "drill:till-drill", stores=[stores["S2"]])
    team = _client(app, people["compliance"])
    html = team.get("/team").get_data(as_text=True)
    assert "Drill: a timeout" in html
    assert "Not started" in _drill_cell(html, "Test cashier2")

    _run(app, people["cashier"], critical=True)
    _run(app, people["cashier2"], critical=False)
    html = team.get("/team").get_data(as_text=True)
    cashier = _drill_cell(html, "Test cashier<")
    assert "Failed" in cashier and "critical error" in cashier
    assert "Passed" in _drill_cell(html, "Test cashier2") and "100%" in html
    csv_text = team.get("/team/export.csv").get_data(as_text=True)
    assert "critical error" in csv_text and "Drill: a timeout" in csv_text

    zh = _client(app, people["supervisor"])
    session.get(User, people["supervisor"].user.id).language = "zh"
    session.commit()
    html = zh.get("/team").get_data(as_text=True)
    assert "严重错误" in html
    assert "cashier2" not in html  # S2 is not the supervisor's


@pytest.mark.usefixtures("drill_content")
def test_person_page_lists_every_run_with_its_debrief(app, session, people):
    failed = _run(app, people["cashier"], critical=True)
    passed = _run(app, people["cashier"], critical=False)
    theirs = _run(app, people["cashier2"], critical=False)
    cashier_id = people["cashier"].user.id
    supervisor = _client(app, people["supervisor"])
    html = supervisor.get(f"/people/{cashier_id}").get_data(as_text=True)
    assert html.count("Drill: a timeout") >= 2
    for pid in (failed, passed):
        assert f"/people/{cashier_id}/drills/{pid}" in html
    assert '<span class="badge bad">1</span>' in html  # the failed run's critical error

    debrief = supervisor.get(f"/people/{cashier_id}/drills/{failed}")
    assert debrief.status_code == 200
    text = debrief.get_data(as_text=True)
    assert "Critical error" in text and "Chosen" in text and "You chose" not in text
    assert "Test cashier" in text

    # Another store's person, someone else's run under this person, a run still open: 404.
    cashier2_id = people["cashier2"].user.id
    assert supervisor.get(f"/people/{cashier2_id}/drills/{theirs}").status_code == 404
    assert supervisor.get(f"/people/{cashier_id}/drills/{theirs}").status_code == 404
    me = _client(app, people["cashier"])
    open_run = _practice(me)
    assert supervisor.get(f"/people/{cashier_id}/drills/{open_run}").status_code == 404
    # The cashier reads their own debriefs here, not anyone else's.
    own = me.get(f"/people/{cashier_id}/drills/{passed}")
    assert own.status_code == 200 and "You chose" in own.get_data(as_text=True)
    assert me.get(f"/people/{cashier2_id}/drills/{theirs}").status_code == 404
    assert session.get(DrillParticipant, failed).critical_count == 1


@pytest.mark.usefixtures("drill_content")
def test_drill_results_add_no_statements_per_run(
    app,
    session,
    people,
    stores,
    count_statements,  # noqa: F811
):
    supervisor = session.get(User, people["supervisor"].user.id)
    _assign(session, supervisor, "drill:till-drill", stores=[stores["S1"]])
    client = _client(app, people["supervisor"])
    urls = ["/team", f"/people/{people['cashier'].user.id}"]

    def statements() -> list[int]:
        out = []
        for url in urls:
            response, n = _counting(count_statements, lambda url=url: client.get(url))
            assert response.status_code == 200
            out.append(n)
        return out

    _run(app, people["cashier"], critical=True)
    one = statements()
    for critical in (False, True, False):
        _run(app, people["cashier"], critical=critical)
    assert statements() == one
