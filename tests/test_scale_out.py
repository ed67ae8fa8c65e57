"""Scale-out: two `trainer serve` processes on one database and one Redis, and a `trainer worker`.

The deployment the README describes, on one machine: a learner starts a quiz on one server,
saves and submits on the other, and reads the result on the first; sign-in attempts count
against one limit whichever server they reach; a bulk export asked of one server is run by the
worker and followed from the other. The database is the test's (SQLite file, or the PostgreSQL
schema when TRAINER_TEST_DATABASE_URL is set); Redis is the test Redis, as in test_export.py
(never skipped), with a namespace of this test's own (TRAINER_REDIS_NAMESPACE).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from tests.test_export import certs  # noqa: F401 (a fixture: certificates to export)
from tests.test_quizzes import _fields, _page, import_quiz_content
from trainer.models import Attempt, AttemptStatus, Job

REDIS_URL = os.environ.get("TRAINER_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TRAINER = str(Path(sys.executable).parent / "trainer")
ROOT = Path(__file__).resolve().parents[1]  # the checkout under test, not an installed copy
HOST = "127.0.0.1"


class Response:
    """The parts of a response these tests read, named as Flask's test client names them."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status_code = status
        self.location = headers.get("Location", "")
        self.body = body

    def get_data(self, as_text: bool = False):
        return self.body.decode() if as_text else self.body

    @property
    def json(self):
        return json.loads(self.body)


class Browser:
    """A browser with one cookie jar that can talk to any of the servers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.port = 0  # the server the next request goes to

    def on(self, port: int) -> Browser:
        self.port = port
        return self

    def request(self, method: str, url: str, data=None, headers=None) -> Response:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        try:
            conn.request(method, url, body=body, headers=sent)
            resp = conn.getresponse()
            content = resp.read()
        finally:
            conn.close()
        for header in resp.msg.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return Response(resp.status, resp.msg, content)

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(self, url: str, data: dict, token_from: str, **kw) -> Response:
        page = self.get(token_from).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"no CSRF token on {token_from}"
        return self.request("POST", url, {**data, "csrf_token": token[1]}, **kw)

    def sign_in(self, username: str, password: str) -> Response:
        return self.post("/login", {"username": username, "password": password}, "/login")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90  # generous: a busy shared machine starts slowly
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError):
            if Browser().on(port).get("/healthz").status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"trainer serve on {port} did not start:\n{log.read_text()[-2000:]}")


@pytest.fixture
def cluster(app, database_url, session, people, tmp_path):
    """Servers A and B (one sync worker each) and a job worker; yields their ports."""
    import_quiz_content(app, tmp_path, session, people)
    app.extensions["engine"].dispose()  # the servers use the database from now on
    namespace = f"scale-out-{uuid.uuid4().hex[:10]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINER_")}
    env.update(
        TRAINER_DATABASE_URL=database_url,
        TRAINER_REDIS_URL=REDIS_URL,
        TRAINER_REDIS_NAMESPACE=namespace,
        TRAINER_SECRET_KEY="scale-out-" + uuid.uuid4().hex,  # every process signs alike
        TRAINER_INSTANCE_PATH=str(tmp_path / "instance"),  # export files: one shared folder
        TRAINER_LANGUAGE="en",
        TRAINER_BASE_URL=f"http://{HOST}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    ports = [_free_port(), _free_port()]
    procs, logs = [], []
    commands = [
        [TRAINER, "serve", "--host", HOST, "--port", str(port), "--workers", "1"] for port in ports
    ]
    try:
        for i, argv in enumerate([*commands, [TRAINER, "worker"]]):
            logs.append(tmp_path / f"process-{i}.log")
            with logs[-1].open("wb") as out:  # the process keeps its own copy
                procs.append(
                    subprocess.Popen(
                        argv,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for proc, port, log in zip(procs, ports, logs, strict=False):
            _wait_ready(proc, port, log)
        yield ports
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        from redis import Redis

        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(f"*{namespace}*"))
        if keys:
            redis.delete(*keys)
        redis.close()


@pytest.mark.usefixtures("certs")
def test_a_learner_across_two_servers_with_shared_limits_and_queue(cluster, session, people):
    a, b = cluster
    learner = Browser()
    assert learner.on(a).sign_in("cashier", people["cashier"].password).status_code == 302

    # Start on A; answer on B (each question's autosave), submit on B; read the result on A.
    start = learner.on(a).post("/quizzes/limited/start", {}, "/quizzes/limited")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    attempt_id = int(start.location.rsplit("/", 1)[1])
    _html, shown, _parser = _page(learner.on(b), attempt_id)
    assert len(shown) == 2
    for qid, question in shown.items():
        saved = learner.on(b).post(
            f"/attempts/{attempt_id}/save",
            {**_fields(qid, question, right=True), "only": str(question.position)},
            f"/attempts/{attempt_id}",
            headers={"X-Requested-With": "fetch"},
        )
        assert saved.status_code == 200 and saved.json["ok"], saved.get_data(as_text=True)
    submitted = learner.on(b).post(f"/attempts/{attempt_id}/submit", {}, f"/attempts/{attempt_id}")
    assert submitted.location == f"/attempts/{attempt_id}/result"
    result = learner.on(a).get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Passed" in result and "100%" in result
    # Nothing lost: both answers were saved through B and graded from what was stored.
    attempt = session.scalar(select(Attempt).where(Attempt.id == attempt_id))
    assert attempt.status is AttemptStatus.GRADED and attempt.percent == 100.0
    assert all(item.response and item.status == "correct" for item in attempt.items)

    # One sign-in limit for both servers (10 per minute per address, in Redis): the two
    # sign-ins above and eight failed ones reach it, whichever server each went to; each
    # server alone has seen five or six.
    compliance = Browser()
    assert compliance.on(b).sign_in("compliance", people["compliance"].password).status_code == 302
    stranger = Browser()
    for attempt_number in range(8):
        port = (a, b)[attempt_number % 2]
        assert stranger.on(port).sign_in("nobody", "wrong-password").status_code == 200
    assert stranger.on(a).sign_in("nobody", "wrong-password").status_code == 429
    assert stranger.on(b).sign_in("nobody", "wrong-password").status_code == 429

    # The export asked of B is queued in Redis, run by the worker, and followed on A.
    export = compliance.on(b).post(
        "/certificates/export",
        {"stores": ["S1"], "status": "all", "language": "en"},
        "/certificates/export",
    )
    assert export.status_code == 302, export.get_data(as_text=True)[:1000]
    job_id = export.location.removeprefix("/jobs/")
    deadline = time.monotonic() + 90
    while (status := compliance.on(a).get(f"/jobs/{job_id}.json").json)["status"] not in (
        "done",
        "failed",
    ):
        assert time.monotonic() < deadline, f"the job is still {status['status']}"
        time.sleep(0.2)
    assert status["status"] == "done", status
    download = compliance.on(a).get(f"/jobs/{job_id}/download")
    assert download.status_code == 200 and download.body[:2] == b"PK"
    session.expire_all()
    assert session.get(Job, job_id).started_at is not None
