"""Drills through the real pages: solo practice, server timing, live store drills, the log.

A small drill (three steps on the main path, one branch, one critical error) on the fixture
course keeps each test quick; tests/domain/test_drills.py checks the shipped drills.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from tests.conftest import BACKENDS
from tests.helpers import Actor, csrf_token, login_as
from tests.test_attempt_versions import _counting, count_statements  # noqa: F401 (fixture)
from trainer.courses.importer import import_tree
from trainer.db import utcnow
from trainer.drills import service
from trainer.models import Certificate, DrillParticipant, DrillRun, Role, User

FIXTURE = Path(__file__).parent / "fixtures" / "content"

DRILL = """\
id: till-drill
title: {zh: 演练：超时, en: "Drill: a timeout"}
summary: {zh: 超时后怎么办。, en: What to do after a timeout.}
tags: [D2]
course: basics
pass_mark: 70
time_limit_seconds: 300
steps:
  - id: timeout
    kind: decision
    next: order
    time_limit_seconds: 40
    manual: basics/02-after-a-timeout#check-last-transaction
    prompt: {zh: 终端显示超时。先做什么？, en: The terminal shows a timeout. What first?}
    rule: {zh: 先查最后一笔。, en: Check the last transaction first.}
    options:
      - id: look-up
        points: 2
        text: {zh: 查询最后一笔交易, en: Check the last transaction}
        feedback: {zh: 对。, en: Right.}
      - id: rerun
        text: {zh: 马上重新刷卡, en: Run the card again at once}
        feedback: {zh: 可能重复扣款。, en: It may charge twice.}
        critical: {zh: 顾客可能被扣两次款。, en: The customer may be charged twice.}
      - id: ask-cash
        next: paid-twice
        text: {zh: 请顾客付现金, en: Ask for cash instead}
        feedback: {zh: 可能付了两次。, en: They may have paid twice.}
  - id: paid-twice
    kind: customer
    next: order
    time_limit_seconds: 40
    manual: basics/01-void-or-refund#tell-the-customer
    prompt: {zh: 顾客发现付了两次。你说什么？, en: The customer has paid twice. What do you say?}
    rule: {zh: 退回原卡。, en: Credit the card.}
    options:
      - id: credit
        points: 1
        text: {zh: 退回原卡, en: We will credit your card}
        feedback: {zh: 对。, en: Right.}
      - id: cash
        text: {zh: 退现金, en: Here is your cash back}
        feedback: {zh: 不行。, en: No.}
  - id: order
    kind: ordering
    time_limit_seconds: 60
    points: 3
    manual: basics/02-after-a-timeout#check-last-transaction
    prompt: {zh: 排序。, en: Put these in order.}
    rule: {zh: 先签到。, en: Sign on first.}
    items:
      - {id: sign-on, text: {zh: 签到, en: Sign on}}
      - {id: check, text: {zh: 查询, en: Check the last transaction}}
      - {id: log, text: {zh: 记录, en: Log it}}
  - id: wrap-up
    kind: check
    time_limit_seconds: 30
    manual: basics/02-after-a-timeout#call-a-supervisor
    prompt: {zh: 还不清楚时找谁？, en: Still unclear. Who do you ask?}
    rule: {zh: 找主管。, en: Ask the supervisor.}
    options:
      - id: supervisor
        points: 2
        text: {zh: 主管, en: The supervisor}
        feedback: {zh: 对。, en: Right.}
      - id: customer
        text: {zh: 顾客, en: The customer}
        feedback: {zh: 不对。, en: No.}
"""


@pytest.fixture
def drill_content(app, tmp_path, people):
    """The fixture course with the drill above, required for its certificate."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE, root)
    (root / "quizzes" / "drills").mkdir()
    (root / "quizzes" / "drills" / "till-drill.yaml").write_text(DRILL, encoding="utf-8")
    course = root / "courses" / "basics" / "course.yaml"
    text = course.read_text(encoding="utf-8")
    text = text.replace("required_drills: []", "required_drills: [till-drill]")
    course.write_text(text.replace('version: "1.2"', 'version: "1.3"'), encoding="utf-8")
    import_tree(app, root)
    return root


class Clock:
    """The drills' clock, moved by tests."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(service, "clock", fake)
    return fake


@pytest.fixture
def staff(session, stores, people) -> dict[str, Actor]:
    """Two more cashiers of S1 (one will be absent) and people's own accounts."""
    from trainer.admin.service import create_user

    out = dict(people)
    for username, name in (("cashier3", "王小明"), ("cashier4", "Absent Ann")):
        password = f"pw-{username}-long-enough"
        made = create_user(
            session,
            username=username,
            name=name,
            role=Role.CASHIER,
            stores=[stores["S1"]],
            password=password,
            employee_no=f"E-{username}",
        )
        out[username] = Actor(made.user, password)
    session.commit()
    return out


def _client(app, actor):
    client = app.test_client()
    login_as(client, actor)
    return client


FETCH = {"X-Requested-With": "fetch"}
_CHOICE = re.compile(r'name="choice" value="([0-9a-f]+)">([^<]*)<')
_RANK = re.compile(r'name="rank-([0-9a-f]+)">.*?<span>([^<]*)</span>', re.S)


def _page(client, pid: int) -> str:
    response = client.get(f"/drills/play/{pid}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _answer(client, pid: int, text: str | None = None, order: list[str] | None = None):
    """Answer the current step by the option's English text, or an ordering by item texts."""
    html = _page(client, pid)
    number = re.search(r'name="number" value="(\d+)"', html).group(1)
    data = {"number": number, "csrf_token": csrf_token(client, f"/drills/play/{pid}")}
    if order is not None:
        tokens = {label: token for token, label in _RANK.findall(html)}
        for rank, label in enumerate(order, start=1):
            data[f"rank-{tokens[label]}"] = str(rank)
    else:
        tokens = {label: token for token, label in _CHOICE.findall(html)}
        data["choice"] = tokens[text]
    return client.post(f"/drills/play/{pid}", data=data)


def _practice(client) -> int:
    response = client.post(
        "/drills/till-drill/practice", data={"csrf_token": csrf_token(client, "/drills/")}
    )
    assert response.status_code == 302
    return int(response.location.rsplit("/", 1)[1])


ORDER = ["Sign on", "Check the last transaction", "Log it"]


# --- solo practice ----------------------------------------------------------------------------


def test_a_solo_run_fast_and_right_passes_with_a_debrief(app, session, people, drill_content):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    _answer(client, pid, "Check the last transaction")
    _answer(client, pid, order=ORDER)
    _answer(client, pid, "The supervisor")
    html = _page(client, pid)
    assert "Debrief" in html and "100%" in html and "Passed" in html
    assert "Check the last transaction first." in html  # the key rule of step 1
    participant = session.get(DrillParticipant, pid)
    assert participant.passed and participant.percent == 100.0
    assert session.get(DrillRun, participant.run_id).status == "finished"


def test_the_step_page_gives_away_nothing_about_the_answer(app, session, people, drill_content):
    first = _client(app, people["cashier"])
    pid = _practice(first)
    html = _page(first, pid)
    for secret in ("look-up", "rerun", "ask-cash", "paid-twice", "critical", "Right.", "points"):
        assert secret not in html
    state = first.get(f"/drills/play/{pid}/state.json").get_json()
    assert state["status"] == "step" and len(state["choices"]) == 3
    second = _client(app, people["cashier2"])
    other = _page(second, _practice(second))
    mine, theirs = _CHOICE.findall(html), _CHOICE.findall(other)
    assert {t for t, _ in mine}.isdisjoint({t for t, _ in theirs})  # tokens are per attempt


def test_a_critical_error_fails_the_drill_and_the_debrief_says_where_and_why_in_chinese(
    app, session, people, drill_content
):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    _answer(client, pid, "Run the card again at once")
    _answer(client, pid, order=ORDER)
    _answer(client, pid, "The supervisor")
    participant = session.get(DrillParticipant, pid)
    assert participant.percent >= 70 and participant.passed is False
    assert participant.critical_count == 1
    client.post("/language", data={"language": "zh", "csrf_token": csrf_token(client, "/")})
    html = _page(client, pid)
    assert "第 1 步" in html or "步骤 1" in html
    assert "顾客可能被扣两次款。" in html and "先查最后一笔。" in html


def test_a_wrong_choice_branches_to_its_consequence(app, people, drill_content):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    _answer(client, pid, "Ask for cash instead")
    assert "The customer has paid twice." in _page(client, pid)
    _answer(client, pid, "We will credit your card")
    assert "Put these in order." in _page(client, pid)


def test_time_is_the_servers_a_late_answer_counts_as_missed(
    app, session, people, drill_content, clock
):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    html = _page(client, pid)
    clock.advance(40 + service.GRACE_SECONDS + 1)  # step 1 allows 40 s
    token = _CHOICE.findall(html)[0][0]
    client.post(
        f"/drills/play/{pid}",
        data={"number": "1", "choice": token, "csrf_token": csrf_token(client, "/drills/")},
    )
    participant = session.get(DrillParticipant, pid)
    session.refresh(participant)
    assert participant.answers[0]["missed"] and participant.answers[0]["points"] == 0
    assert "Put these in order." in _page(client, pid)  # moved on along the default path


def test_a_slow_right_answer_earns_less_than_a_fast_one(app, session, people, drill_content, clock):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    clock.advance(35)
    _answer(client, pid, "Check the last transaction")
    participant = session.get(DrillParticipant, pid)
    assert 1.0 <= participant.answers[0]["points"] < 2.0


def test_reload_after_a_break_resumes_where_the_server_says(
    app, session, people, drill_content, clock
):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    first = _page(client, pid)
    assert _page(client, pid).count('name="choice"') == first.count('name="choice"')
    assert _CHOICE.findall(_page(client, pid)) == _CHOICE.findall(first)  # same step, same order
    clock.advance(40 + 60 + 2 * service.GRACE_SECONDS + 1)  # step 1 and the ordering time out
    html = _page(client, pid)
    assert "Still unclear. Who do you ask?" in html
    participant = session.get(DrillParticipant, pid)
    assert [a["missed"] for a in participant.answers] == [True, True]


def test_an_answer_for_a_step_already_answered_is_refused(app, session, people, drill_content):
    client = _client(app, people["cashier"])
    pid = _practice(client)
    html = _page(client, pid)
    token = _CHOICE.findall(html)[0][0]
    data = {"number": "1", "choice": token, "csrf_token": csrf_token(client, "/drills/")}
    client.post(f"/drills/play/{pid}", data=data)
    response = client.post(f"/drills/play/{pid}", data=data, follow_redirects=True)
    assert "That step is over" in response.get_data(as_text=True)
    response = client.post(f"/drills/play/{pid}", data=data, headers=FETCH)
    assert response.status_code == 409 and response.get_json()["reason"] == "stale"
    assert len(session.get(DrillParticipant, pid).answers) == 1


def test_nobody_sees_or_answers_for_someone_else(app, people, drill_content):
    owner = _client(app, people["cashier"])
    pid = _practice(owner)
    for who in ("cashier2", "supervisor", "admin"):
        other = _client(app, people[who])
        assert other.get(f"/drills/play/{pid}").status_code == 404
        assert other.get(f"/drills/play/{pid}/state.json").status_code == 404
        token = csrf_token(other, "/drills/")
        response = other.post(f"/drills/play/{pid}", data={"number": "1", "csrf_token": token})
        assert response.status_code == 404


# --- certificates -----------------------------------------------------------------------------


def test_a_course_that_requires_the_drill_certifies_only_after_it_is_passed(
    app, session, people, drill_content
):
    from tests.test_certificates import _acknowledge, _passed_attempt
    from trainer.certificates.service import check_and_issue
    from trainer.models import Course

    user = session.get(User, people["cashier"].user.id)
    course = session.scalar(select(Course).where(Course.code == "basics"))
    _acknowledge(session, user, course)
    _passed_attempt(session, user, "basics-quiz")
    assert check_and_issue(session, user, course_code="basics") is None
    session.commit()
    client = _client(app, people["cashier"])
    pid = _practice(client)
    _answer(client, pid, "Run the card again at once")  # a critical error: not passed
    _answer(client, pid, order=ORDER)
    _answer(client, pid, "The supervisor")
    _page(client, pid)
    assert session.scalar(select(Certificate).where(Certificate.user_id == user.id)) is None
    pid = _practice(client)
    _answer(client, pid, "Check the last transaction")
    _answer(client, pid, order=ORDER)
    _answer(client, pid, "The supervisor")
    assert "certificate" in _page(client, pid).lower()
    assert session.scalar(select(Certificate).where(Certificate.user_id == user.id)) is not None


# --- live store drills ------------------------------------------------------------------------


def _open_live(app, actor, store_id: int):
    client = _client(app, actor)
    response = client.post(
        "/drills/live/new",
        data={
            "drill": "till-drill",
            "store": str(store_id),
            "csrf_token": csrf_token(client, "/drills/live/"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    run_id = int(response.location.rsplit("/", 1)[1])
    return client, run_id


def _join(client, code: str):
    return client.post(
        "/drills/join", data={"code": code, "csrf_token": csrf_token(client, "/drills/")}
    )


def _control(client, run_id: int, action: str):
    token = csrf_token(client, f"/drills/live/{run_id}")
    return client.post(f"/drills/live/{run_id}/{action}", data={"csrf_token": token})


def test_a_live_drill_from_lobby_to_record(app, session, staff, stores, drill_content, clock):
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    run = session.get(DrillRun, run_id)
    board_html = leader.get(f"/drills/live/{run_id}").get_data(as_text=True)
    assert run.join_code in board_html and "data:image/svg+xml" in board_html
    ann, wang = _client(app, staff["cashier"]), _client(app, staff["cashier3"])
    pids = {}
    for name, client in (("ann", ann), ("wang", wang)):
        response = _join(client, run.join_code.lower())  # codes are not case-sensitive
        pids[name] = int(response.location.rsplit("/", 1)[1])
        assert "You have joined" in _page(client, pids[name])
    board = leader.get(f"/drills/live/{run_id}/board.json").get_json()
    assert board["status"] == "lobby" and board["joined"] == 2
    _control(leader, run_id, "start")
    # Both get the first step at the same time.
    for name, client in (("ann", ann), ("wang", wang)):
        state = client.get(f"/drills/play/{pids[name]}/state.json").get_json()
        assert (state["status"], state["number"]) == ("step", 1)
    clock.advance(3)
    _answer(ann, pids["ann"], "Check the last transaction")
    assert "Answer recorded" in _page(ann, pids["ann"])
    rows = {
        r["name"]: r for r in leader.get(f"/drills/live/{run_id}/board.json").get_json()["rows"]
    }
    assert rows["Test cashier"]["state"] == "answered" and rows["王小明"]["state"] == "step"
    _answer(wang, pids["wang"], "Ask for cash instead")  # the last answer moves everyone on
    assert "Put these in order." in _page(ann, pids["ann"])
    assert "The customer has paid twice." in _page(wang, pids["wang"])  # his own branch
    # Nobody answers step 2: when its time is up, the board's poll moves the drill on.
    clock.advance(60 + service.GRACE_SECONDS + 1)
    board = leader.get(f"/drills/live/{run_id}/board.json").get_json()
    assert board["round"] == 3
    assert "Still unclear. Who do you ask?" in _page(ann, pids["ann"])
    _answer(ann, pids["ann"], "The supervisor")
    _answer(wang, pids["wang"], order=ORDER)
    _control(leader, run_id, "end")
    session.expire_all()
    run = session.get(DrillRun, run_id)
    assert run.status == "finished" and run.record
    assert [a["name"] for a in run.record["absentees"]] == ["Absent Ann"]
    assert "Debrief" in _page(ann, pids["ann"])
    finished = leader.get(f"/drills/live/{run_id}").get_data(as_text=True)
    assert "the board below is its record" in finished


# PostgreSQL only: SQLite lets one writer in at a time, so two answers cannot commit together.
@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_two_last_answers_committed_at_the_same_moment_still_end_the_round(
    app, session, backend, staff, stores, drill_content
):
    """Both answers commit before either checks who still owes the round: it moves on at once.

    Were the check inside each answer's transaction, each would still see the other's answer
    uncommitted (READ COMMITTED) and the round would wait for its deadline.
    """
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    code = session.get(DrillRun, run_id).join_code
    phones = {who: _client(app, staff[who]) for who in ("cashier", "cashier3")}
    pids = {who: int(_join(p, code).location.rsplit("/", 1)[1]) for who, p in phones.items()}
    _control(leader, run_id, "start")
    posts = {}
    for who, phone in phones.items():
        html = _page(phone, pids[who])
        tokens = {label: token for token, label in _CHOICE.findall(html)}
        posts[who] = {
            "number": "1",
            "choice": tokens["Check the last transaction"],
            "csrf_token": csrf_token(phone, f"/drills/play/{pids[who]}"),
        }
    # Hold each answer's commit until the other's answer is written too (rows locked, not
    # committed), then let both commit together.
    both_written = threading.Barrier(2, timeout=10)
    held = threading.local()

    def hold_the_answers_commit(_connection):
        if not getattr(held, "done", False):
            held.done = True
            both_written.wait()

    def answer(who):
        return phones[who].post(f"/drills/play/{pids[who]}", data=posts[who], headers=FETCH)

    event.listen(app.extensions["engine"], "commit", hold_the_answers_commit)
    try:
        with ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(answer, phones))
    finally:
        event.remove(app.extensions["engine"], "commit", hold_the_answers_commit)
    assert [r.status_code for r in responses] == [200, 200]
    session.expire_all()
    assert session.get(DrillRun, run_id).round == 2


def test_joining_is_for_ones_own_store_and_before_the_start(
    app, session, staff, stores, drill_content
):
    _leader, s2_run = _open_live(app, staff["admin"], stores["S2"].id)
    code = session.get(DrillRun, s2_run).join_code
    response = _join(_client(app, staff["cashier"]), code)  # cashier works in S1
    assert response.location.endswith("/drills/join")
    assert session.scalar(select(DrillParticipant).where(DrillParticipant.run_id == s2_run)) is None
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    _join(_client(app, staff["cashier"]), session.get(DrillRun, run_id).join_code)
    _control(leader, run_id, "start")
    late = _client(app, staff["cashier3"])
    response = _join(late, session.get(DrillRun, run_id).join_code)
    followed = late.get(response.location).get_data(as_text=True)
    assert "already started" in followed


def test_a_supervisor_cannot_see_or_lead_another_stores_drill(
    app, session, staff, stores, drill_content
):
    _admin, run_id = _open_live(app, staff["admin"], stores["S2"].id)
    supervisor = _client(app, staff["supervisor"])  # supervises S1 only
    for url in (f"/drills/live/{run_id}", f"/drills/live/{run_id}/board.json"):
        assert supervisor.get(url).status_code == 404
    token = csrf_token(supervisor, "/drills/live/")
    for action in ("start", "next", "end"):
        response = supervisor.post(f"/drills/live/{run_id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    response = supervisor.post(
        "/drills/live/new",
        data={"drill": "till-drill", "store": stores["S2"].id, "csrf_token": token},
    )
    assert (
        response.status_code == 302
        and session.scalar(
            select(DrillRun).where(DrillRun.supervisor_id == staff["supervisor"].user.id)
        )
        is None
    )


# --- the drill log ----------------------------------------------------------------------------


@pytest.fixture
def finished_drill(app, session, staff, stores, drill_content, clock):
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    code = session.get(DrillRun, run_id).join_code
    wang = _client(app, staff["cashier3"])
    pid = int(_join(wang, code).location.rsplit("/", 1)[1])
    _control(leader, run_id, "start")
    _answer(wang, pid, "Run the card again at once")
    _answer(wang, pid, order=ORDER)
    _answer(wang, pid, "The supervisor")
    session.expire_all()
    assert session.get(DrillRun, run_id).status == "finished"  # everyone done: it ends itself
    return run_id


def test_the_log_exports_every_participant_and_absentee_as_csv(app, staff, finished_drill):
    client = _client(app, staff["compliance"])
    response = client.get("/drills/log.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "王小明" in text and "failed" in text and "step 1: Run the card again at once" in text
    assert "Absent Ann" in text and "absent" in text and "Test cashier" in text  # two absentees
    assert "S1 Store S1" in text and "Test supervisor" in text


def test_the_log_pdf_is_cjk_safe(app, staff, finished_drill, tmp_path):
    client = _client(app, staff["supervisor"])
    client.post("/language", data={"language": "zh", "csrf_token": csrf_token(client, "/")})
    response = client.get("/drills/log.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "log.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "王小明" in text and "马上重新刷卡" in text


def test_the_log_is_scoped_to_the_supervisors_stores(app, session, staff, stores, finished_drill):
    assert _client(app, staff["supervisor"]).get(f"/drills/log/{finished_drill}").status_code == 200
    assert _client(app, staff["compliance"]).get(f"/drills/log/{finished_drill}").status_code == 200
    from trainer.admin.service import create_user

    made = create_user(
        session, username="sup2", name="Sup Two", role=Role.SUPERVISOR,
        stores=[stores["S2"]], password="pw-sup2-long-enough",
    )  # fmt: skip
    session.commit()
    outsider = _client(app, Actor(made.user, "pw-sup2-long-enough"))
    assert outsider.get(f"/drills/log/{finished_drill}").status_code == 404
    assert "王小明" not in outsider.get("/drills/log.csv").get_data(as_text=True)


def test_the_hot_live_requests_issue_a_fixed_number_of_statements(
    app,
    session,
    staff,
    stores,
    drill_content,
    count_statements,  # noqa: F811
):
    """A room of phones polls these: their statement counts do not grow with the room."""
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    code = session.get(DrillRun, run_id).join_code
    service._definitions.clear()  # as in a new server process
    clients = {}
    joins = []
    for who in ("cashier", "cashier3"):
        client = _client(app, staff[who])
        token = csrf_token(client, "/drills/")
        response, joined = _counting(
            count_statements,
            lambda c=client, t=token: c.post("/drills/join", data={"code": code, "csrf_token": t}),
        )
        joins.append(joined)
        clients[who] = (client, int(response.location.rsplit("/", 1)[1]))
    # user; run with store membership and any earlier joining; insert. The first request of a
    # process also reads the run's definition (a deferred column), then parsed and kept by hash.
    assert joins == [4, 3]

    def counts() -> tuple[int, int]:
        client, pid = clients["cashier"]
        _r, state = _counting(
            count_statements, lambda: client.get(f"/drills/play/{pid}/state.json")
        )
        _r, board = _counting(
            count_statements, lambda: leader.get(f"/drills/live/{run_id}/board.json")
        )
        return state, board

    few = counts()
    for username in ("extra1", "extra2", "extra3"):
        from trainer.admin.service import create_user

        made = create_user(
            session, username=username, name=username, role=Role.CASHIER,
            stores=[stores["S1"]], password=f"pw-{username}-long-enough",
        )  # fmt: skip
        session.commit()
        _join(_client(app, Actor(made.user, f"pw-{username}-long-enough")), code)
    assert counts() == few
    # state: user, participant with its run. board: user, the user's stores, run, rows.
    assert few == (2, 4)
    _control(leader, run_id, "start")
    client, pid = clients["cashier"]
    page = _page(client, pid)
    data = {
        "number": "1",
        "choice": _CHOICE.findall(page)[0][0],
        "csrf_token": csrf_token(client, "/drills/"),
    }
    response, answered = _counting(
        count_statements, lambda: client.post(f"/drills/play/{pid}", data=data, headers=FETCH)
    )
    assert response.status_code == 200
    # user; participant with its run; update (version-checked); who still owes this round.
    assert answered == 4


def test_a_live_participant_who_reloads_or_reconnects_keeps_the_rounds_deadline(
    app, session, staff, stores, drill_content, clock
):
    leader, run_id = _open_live(app, staff["supervisor"], stores["S1"].id)
    code = session.get(DrillRun, run_id).join_code
    phone = _client(app, staff["cashier"])
    pid = int(_join(phone, code).location.rsplit("/", 1)[1])
    _join(_client(app, staff["cashier3"]), code)
    _control(leader, run_id, "start")
    deadline = re.compile(r'data-deadline="([^"]+)"')
    first = _page(phone, pid)
    clock.advance(25)
    again = _client(app, staff["cashier"])  # another connection, as after losing the signal
    assert _join(again, code).location.endswith(f"/drills/play/{pid}")  # same place, not anew
    later = _page(again, pid)
    assert deadline.search(later)[1] == deadline.search(first)[1]
    assert _CHOICE.findall(later) == _CHOICE.findall(first)
    assert again.get(f"/drills/play/{pid}/state.json").get_json()["seconds_left"] == 15


def test_the_log_filters_by_store_and_date(app, stores, staff, finished_drill):
    client = _client(app, staff["compliance"])
    page = client.get("/drills/log").get_data(as_text=True)
    assert f"/drills/log/{finished_drill}" in page
    other = client.get(f"/drills/log?store={stores['S2'].id}").get_data(as_text=True)
    assert f"/drills/log/{finished_drill}" not in other
    today = utcnow().date()
    for query, shown in (
        (f"from={today}&to={today}", True),
        (f"from={today + timedelta(days=1)}", False),
        (f"to={today - timedelta(days=1)}", False),
    ):
        page = client.get(f"/drills/log?{query}").get_data(as_text=True)
        assert (f"/drills/log/{finished_drill}" in page) is shown, query
        csv_text = client.get(f"/drills/log.csv?{query}").get_data(as_text=True)
        assert ("王小明" in csv_text) is shown, query


def test_results_for_tracking_pages(app, session, people, drill_content):
    client = _client(app, people["cashier"])
    failed = _practice(client)
    _answer(client, failed, "Run the card again at once")
    _answer(client, failed, order=ORDER)
    _answer(client, failed, "The supervisor")
    passed = _practice(client)
    _answer(client, passed, "Check the last transaction")
    _answer(client, passed, order=ORDER)
    _answer(client, passed, "The supervisor")
    _practice(client)  # under way: not a result yet
    user_id = people["cashier"].user.id
    mine = service.person_results(session, user_id)
    assert [r.participant_id for r in mine] == [passed, failed]
    best = service.best_results(session, [user_id, people["cashier2"].user.id])
    assert list(best) == [user_id]
    assert best[user_id]["till-drill"].participant_id == passed
    assert best[user_id]["till-drill"].passed
