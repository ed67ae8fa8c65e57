"""The terminal simulator's pages: practice list, a run, key presses, debrief, replay, scoping."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.domain.test_drills import add_terminal_drill
from tests.helpers import csrf_from, login_as, post
from trainer.courses.importer import import_shipped_content, import_tree
from trainer.models import Attempt, AttemptItem, DrillParticipant, DrillRun, SimRun, User
from trainer.simulator import service

SCENARIO = "overcharge-void"
PRACTICE = "/practice/terminal/"
# The void of voucher 000318 (supervisor password 123456), then the right sale of ¥85.00.
VOID_THEN_SALE = [
    *"2", *"123456", "enter", *"318", "enter", "enter", "card:a", "enter",
    *"1", *"8500", "enter", "card:a",
]  # fmt: skip


def start(client) -> int:
    """Start a practice run of the void scenario through the list page; the run's id."""
    page = client.get(PRACTICE).get_data(as_text=True)
    response = post(client, f"{PRACTICE}{SCENARIO}/start", token_from=PRACTICE)
    assert response.status_code == 302, page[:300]
    return int(re.search(r"/runs/(\d+)", response.location).group(1))


def press(client, run_id: int, key: str, token: str):
    """One key press as the page's script sends it."""
    return client.post(
        f"{PRACTICE}runs/{run_id}/key",
        data={"key": key},
        headers={"X-CSRFToken": token, "X-Requested-With": "fetch"},
    )


def token_of(client, run_id: int) -> str:
    return csrf_from(client.get(f"{PRACTICE}runs/{run_id}").get_data(as_text=True))


def expectations(scenario: dict) -> list[str]:
    """Texts that give the answer away: the expected end state and the forbidden facts."""
    found = []
    for item in scenario.get("forbid") or []:
        found.append(item["fact"])
        found.extend(item["why"].values())
    for item in scenario.get("expect") or []:
        found.append(json.dumps(item, ensure_ascii=False))
        found.extend((item.get("message") or {}).values())
    assert len(found) > 4  # the scenario has expectations and forbids to look for
    return found


def test_practice_list_shows_scenarios_and_starts_a_run(client, people, session):
    login_as(client, people["cashier"])
    page = client.get(PRACTICE).get_data(as_text=True)
    assert "Terminal practice" in page
    assert "Not practised yet" in page
    run_id = start(client)
    run = session.get(SimRun, run_id)
    assert run.user_id == people["cashier"].user.id
    assert run.scenario_id == SCENARIO
    assert run.store_id == people["cashier"].user.stores[0].id
    assert run.actions == [] and run.context == "practice"
    page = client.get(f"{PRACTICE}runs/{run_id}").get_data(as_text=True)
    assert 'data-key="enter"' in page and 'data-key="cancel"' in page
    assert 'data-key="present:0"' in page and 'data-key="card:' not in page  # no authored ids


def test_a_key_press_is_applied_logged_and_timed_by_the_server(client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    response = press(client, run_id, "menu", token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["done"] is False
    assert set(body["screen"]) >= {"kind", "title", "lines", "input", "menu"}
    assert isinstance(body["printed"], list)
    session.expire_all()
    run = session.get(SimRun, run_id)
    assert [a["key"] for a in run.actions] == ["menu"]
    assert 0 <= run.actions[0]["t"] < 60  # the server's clock, not the browser's
    # A reload replays the log: the page shows the same screen the press answered with.
    page = client.get(f"{PRACTICE}runs/{run_id}").get_data(as_text=True)
    assert body["screen"]["title"] in page


def test_an_unknown_key_is_the_terminals_error_not_a_server_error(client, people):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    for key in ("bogus", "card:nobody", "x" * 500, "<script>"):
        response = press(client, run_id, key, token)
        assert response.status_code == 200, key
        assert response.get_json()["ok"] is True
    assert press(client, run_id, "", token).status_code == 400


def test_key_press_needs_the_csrf_token(client, people):
    login_as(client, people["cashier"])
    run_id = start(client)
    response = client.post(f"{PRACTICE}runs/{run_id}/key", data={"key": "1"})
    assert response.status_code == 400


def test_only_the_owner_presses_keys_or_reads_the_debrief(client, app, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    other = app.test_client()
    login_as(other, people["cashier2"])
    token = csrf_from(other.get(PRACTICE).get_data(as_text=True))
    assert press(other, run_id, "1", token).status_code == 404
    assert other.get(f"{PRACTICE}runs/{run_id}").status_code == 404
    assert other.get(f"{PRACTICE}runs/{run_id}/debrief").status_code == 404
    assert post(other, f"{PRACTICE}runs/{run_id}/finish", token_from=PRACTICE).status_code == 404
    assert press(other, 999999, "1", token).status_code == 404
    session.expire_all()
    assert session.get(SimRun, run_id).actions == []


def finish(client, run_id: int):
    return post(client, f"{PRACTICE}runs/{run_id}/finish", token_from=f"{PRACTICE}runs/{run_id}")


def test_finish_grades_and_the_debrief_names_each_mistake(client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    for key in ("menu", "9", "enter"):
        press(client, run_id, key, token)
    response = finish(client, run_id)
    assert response.status_code == 302 and response.location.endswith(f"/runs/{run_id}/debrief")
    session.expire_all()
    run = session.get(SimRun, run_id)
    assert run.finished_at is not None and run.passed is False
    assert run.grade["actions_used"] == 3
    page = client.get(response.location).get_data(as_text=True)
    assert "Not passed" in page
    assert f"/practice/terminal/runs/{run_id}/replay" in page
    # A finished run takes no more keys, and its page goes to the debrief.
    assert press(client, run_id, "1", token).status_code == 409
    assert client.get(f"{PRACTICE}runs/{run_id}").status_code == 302
    # The list shows the best result.
    assert "Your best" in client.get(PRACTICE).get_data(as_text=True)


def test_the_time_limit_is_kept_by_the_server(client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    run = session.get(SimRun, run_id)
    run.started_at = run.started_at - timedelta(seconds=run.scenario["time_limit_seconds"] + 5)
    session.commit()
    response = press(client, run_id, "1", token)
    assert response.status_code == 409
    assert response.get_json()["done"] is True
    session.expire_all()
    run = session.get(SimRun, run_id)
    assert run.actions == [] and run.finished_at is not None


def test_the_action_budget_closes_the_run(client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    run = session.get(SimRun, run_id)
    run.actions = [{"key": "cancel", "t": 1.0}] * (run.scenario["max_actions"] - 1)
    session.commit()
    body = press(client, run_id, "cancel", token).get_json()
    assert body["done"] is True and body["next"].endswith("/debrief")
    assert press(client, run_id, "cancel", token).status_code == 409


def test_nothing_before_finish_gives_the_answer_away(client, people):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    scenario = service.scenarios(service.Path(client.application.config["CONTENT_ROOT"]))[SCENARIO]
    seen = [client.get(PRACTICE).get_data(as_text=True)]
    seen.append(client.get(f"{PRACTICE}runs/{run_id}").get_data(as_text=True))
    for key in ("menu", "1", "enter", "cancel"):
        seen.append(press(client, run_id, key, token).get_data(as_text=True))
    everything = "\n".join(seen)
    for secret in expectations(scenario):
        assert secret not in everything, secret
    assert '"expect"' not in everything and "forbid" not in everything


def test_replay_is_for_the_owner_their_supervisor_and_compliance(app, client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    for key in ("menu", "enter"):
        press(client, run_id, key, token)
    url = f"{PRACTICE}runs/{run_id}/replay"
    assert client.get(url).status_code == 404  # not finished: nothing to replay yet
    finish(client, run_id)
    page = client.get(url).get_data(as_text=True)
    assert "Key press 1" in page and "Key press 2" in page
    for who, status in (
        ("supervisor", 200),
        ("compliance", 200),
        ("admin", 200),
        ("cashier2", 404),
    ):
        viewer = app.test_client()
        login_as(viewer, people[who])
        assert viewer.get(url).status_code == status, who
    # The supervisor finds it on the person's page.
    viewer = app.test_client()
    login_as(viewer, people["supervisor"])
    person = viewer.get(f"/people/{people['cashier'].user.id}").get_data(as_text=True)
    assert url in person


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_terminal_texts_follow_the_readers_language(client, people, lang):
    login_as(client, people["cashier"])
    post(client, "/language", {"language": lang, "next": PRACTICE}, token_from=PRACTICE)
    run_id = start(client)
    page = client.get(f"{PRACTICE}runs/{run_id}").get_data(as_text=True)
    label = {"zh": "确认", "en": "Enter"}[lang]
    assert re.search(rf'data-key="enter"[^>]*>{label}</button>', page)
    # The screen's own texts (the engine's message table) are in the reader's language too.
    assert ("消费" in page) == (lang == "zh")


def test_runs_are_stored_per_owner(session, people, client):
    login_as(client, people["cashier"])
    start(client)
    start(client)
    owners = session.scalars(select(SimRun.user_id)).all()
    assert owners == [people["cashier"].user.id] * 2


def test_a_void_then_the_right_sale_passes(client, people, session):
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    printed = []
    for key in VOID_THEN_SALE:
        body = press(client, run_id, key, token).get_json()
        assert body["ok"], key
        printed += [line["text"] for line in body["printed"]]
    assert any("000318" in line for line in printed)  # the void slip names the original
    assert not any("6228480000001234" in line for line in printed)  # masked card numbers only
    page = client.get(finish(client, run_id).location).get_data(as_text=True)
    assert "Passed" in page and "Not passed" not in page
    assert '<p class="big">100%' in page  # the 0-1 score as a percentage, not "1%"
    session.expire_all()
    run = session.get(SimRun, run_id)
    assert run.passed and run.score == 1.0 and run.grade["critical"] == []
    practice = client.get(PRACTICE).get_data(as_text=True)
    assert "Your best: 100%" in practice


def test_a_wrong_password_is_a_mistake_named_at_its_key_with_the_manual(app, client, people):
    import_shipped_content(app)  # the manual the mistakes link to
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    for key in ["2", *"654321", "enter"]:
        press(client, run_id, key, token)
    page = client.get(finish(client, run_id).location).get_data(as_text=True)
    assert "Key press 8 (Enter)" in page
    # Each mistake links its manual section, by the section's title.
    assert "/courses/payment-errors/01-confirm-and-correct#" in page
    assert "In the manual:" in page
    replay = client.get(f"{PRACTICE}runs/{run_id}/replay").get_data(as_text=True)
    assert 'id="action-8"' in replay and "sim-flagged" in replay


# --- the terminal as a quiz question and as a drill step -------------------------------------

TERMINAL_BANK = """bank: terminal-test
title: {zh: 终端操作题, en: Terminal questions}
questions:
  - id: t-void
    type: terminal
    tags: [C1]
    points: 2
    simulator: overcharge-void
    stem: {zh: 在终端上更正这笔多收。, en: Correct the overcharge on the terminal.}
"""
TERMINAL_QUIZ = """id: terminal-quiz
title: {zh: 终端测验, en: Terminal quiz}
pools:
  - questions: [t-void]
pass_mark: 50
"""


@pytest.fixture
def terminal_content(app, tmp_path, people, session):
    """The shipped content plus a quiz of one terminal question and a drill of one terminal step."""
    root = tmp_path / "content"
    shipped = Path(app.config["CONTENT_ROOT"])
    for part in ("courses", "quizzes"):
        shutil.copytree(shipped / part, root / part)
    (root / "quizzes/banks/terminal-test.yaml").write_text(TERMINAL_BANK, encoding="utf-8")
    (root / "quizzes/quizzes/terminal-quiz.yaml").write_text(TERMINAL_QUIZ, encoding="utf-8")
    add_terminal_drill(root)
    import_tree(app, root)
    for actor in people.values():
        session.get(User, actor.user.id).language = "en"
    session.commit()
    return root


def test_a_terminal_question_keeps_its_log_with_the_attempt_and_grades_it(
    app, client, people, session, terminal_content
):
    login_as(client, people["cashier"])
    response = post(client, "/quizzes/terminal-quiz/start", token_from="/quizzes/terminal-quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.location).group(1))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    key_url = re.search(r'data-key-url="([^"]+)"', page).group(1)
    assert key_url.startswith(f"{PRACTICE}attempts/{attempt_id}/")
    scenario = service.scenarios(Path(app.config["CONTENT_ROOT"]))[SCENARIO]
    for secret in expectations(scenario):
        assert secret not in page
    token = csrf_from(page)
    # Someone else cannot press keys in this attempt.
    other = app.test_client()
    login_as(other, people["cashier2"])
    other_token = csrf_from(other.get(PRACTICE).get_data(as_text=True))
    refused = other.post(key_url, data={"key": "1"}, headers={"X-CSRFToken": other_token})
    assert refused.status_code == 404
    for key in VOID_THEN_SALE:
        body = client.post(key_url, data={"key": key}, headers={"X-CSRFToken": token}).get_json()
        assert body["ok"], key
    # The autosave of the other fields leaves the log alone.
    client.post(
        f"/attempts/{attempt_id}/save",
        data={"csrf_token": token},
        headers={"X-Requested-With": "fetch"},
    )
    item = session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).one()
    assert [a["key"] for a in item.response["actions"]] == VOID_THEN_SALE
    # A reload shows the terminal where it was left.
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "receipt-title" in page
    submitted = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    assert submitted.status_code == 302
    session.expire_all()
    attempt = session.get(Attempt, attempt_id)
    assert (attempt.score, attempt.passed) == (2.0, True)
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    [run] = session.scalars(select(SimRun).where(SimRun.attempt_id == attempt_id)).all()
    assert run.context == "quiz" and run.finished_at is not None and run.passed
    assert f"{PRACTICE}runs/{run.id}/replay" in result
    # Its outcome was kept at the submit; an older attempt (none kept) replays the log again
    # and shows the same.
    session.refresh(item)
    assert item.outcome is not None and item.status == "correct"
    item.outcome = None
    session.commit()
    assert client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True) == result
    # After the submit, no more keys.
    late = client.post(key_url, data={"key": "1"}, headers={"X-CSRFToken": token})
    assert late.status_code == 409
    # The supervisor replays it from the result page's link.
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    assert supervisor.get(f"{PRACTICE}runs/{run.id}/replay").status_code == 200


def test_a_failed_terminal_run_keeps_its_mistakes_for_the_result_page(
    app, client, people, session, terminal_content
):
    """The kept outcome of a run with mistakes shows as the replay of its log would."""
    login_as(client, people["cashier"])
    response = post(client, "/quizzes/terminal-quiz/start", token_from="/quizzes/terminal-quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.location).group(1))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    key_url = re.search(r'data-key-url="([^"]+)"', page).group(1)
    token = csrf_from(page)
    for key in VOID_THEN_SALE[:2]:  # starts, then stops short of the goal
        assert client.post(key_url, data={"key": key}, headers={"X-CSRFToken": token}).get_json()
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token})
    item = session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).one()
    assert item.status == "incorrect" and item.outcome["feedback"]
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    item.outcome = None
    session.commit()
    assert client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True) == result


def test_a_drill_terminal_step_is_worked_on_the_terminal_and_scored(
    app, client, people, session, terminal_content
):
    login_as(client, people["cashier"])
    response = post(client, "/drills/terminal-void/practice", token_from="/drills/")
    play_url = response.location
    page = client.get(play_url).get_data(as_text=True)
    key_url = re.search(r'data-key-url="([^"]+)"', page).group(1)
    assert key_url.endswith("/void/key")
    token = csrf_from(page)
    for key in VOID_THEN_SALE:
        body = client.post(key_url, data={"key": key}, headers={"X-CSRFToken": token}).get_json()
        assert body["ok"], key
    done = client.post(play_url, data={"csrf_token": token, "number": "1"})
    assert done.status_code == 302
    debrief = client.get(play_url).get_data(as_text=True)
    [run] = session.scalars(select(SimRun).where(SimRun.context == "drill")).all()
    assert run.passed and run.drill_step == "void"
    assert f"{PRACTICE}runs/{run.id}/replay" in debrief and "Passed" in debrief
    # The step is over: its terminal takes no more keys.
    late = client.post(key_url, data={"key": "1"}, headers={"X-CSRFToken": token})
    assert late.status_code == 409


def test_a_quiz_run_is_neither_pressed_nor_shown_outside_its_attempt_before_submission(
    app, client, people, session, terminal_content
):
    """Its grade would answer a question not yet submitted, and its keys belong to the attempt."""
    login_as(client, people["cashier"])
    response = post(client, "/quizzes/terminal-quiz/start", token_from="/quizzes/terminal-quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.location).group(1))
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    key_url = re.search(r'data-key-url="([^"]+)"', page).group(1)
    token = csrf_from(page)
    client.post(key_url, data={"key": "2"}, headers={"X-CSRFToken": token})
    run = session.scalars(select(SimRun).where(SimRun.attempt_id == attempt_id)).one()
    # Even a run its action budget closed stays hidden while the attempt is under way.
    run.finished_at = run.started_at
    run.grade = {"passed": False, "score": 0.0, "critical": [], "unmet": [], "mistakes": []}
    session.commit()
    for url in ("", "/debrief", "/replay"):
        assert client.get(f"{PRACTICE}runs/{run.id}{url}").status_code == 404, url
    assert press(client, run.id, "1", token).status_code == 404
    supervisor = app.test_client()
    login_as(supervisor, people["supervisor"])
    assert supervisor.get(f"{PRACTICE}runs/{run.id}/replay").status_code == 404


def test_a_live_drill_runs_its_terminal_step_for_each_participant(
    app, people, session, stores, terminal_content
):
    """A live drill treats a terminal step as solo practice does: each person their own run."""
    leader = app.test_client()
    login_as(leader, people["supervisor"])
    opened = post(
        leader,
        "/drills/live/new",
        {"drill": "terminal-void", "store": str(stores["S1"].id)},
        token_from="/drills/live/",
    )
    run_id = int(opened.location.rsplit("/", 1)[1])
    code = session.get(DrillRun, run_id).join_code
    cashier = app.test_client()
    login_as(cashier, people["cashier"])
    joined = post(cashier, "/drills/join", {"code": code}, token_from="/drills/")
    play_url = joined.location
    post(leader, f"/drills/live/{run_id}/start", token_from=f"/drills/live/{run_id}")
    page = cashier.get(play_url).get_data(as_text=True)
    key_url = re.search(r'data-key-url="([^"]+)"', page).group(1)
    token = csrf_from(page)
    for key in VOID_THEN_SALE:
        assert cashier.post(key_url, data={"key": key}, headers={"X-CSRFToken": token}).get_json()[
            "ok"
        ]
    cashier.post(play_url, data={"csrf_token": token, "number": "1"})
    session.expire_all()
    participant = session.scalars(select(DrillParticipant)).one()
    assert participant.passed and participant.finished_at is not None
    [sim_run] = session.scalars(select(SimRun).where(SimRun.context == "drill")).all()
    assert sim_run.drill_participant_id == participant.id and sim_run.passed


def test_key_presses_are_rate_limited_per_person(app, client, people):
    app.config["SIMULATOR_KEY_RATE_LIMIT"] = "3 per minute"
    login_as(client, people["cashier"])
    run_id = start(client)
    token = token_of(client, run_id)
    assert [press(client, run_id, "1", token).status_code for _ in range(4)] == [200, 200, 200, 429]
