"""Live-drill mass start: 500 participants join one drill, get its first step together, and
answer every step together, against ``trainer serve``; a same-run bare-insert baseline.

    .venv/bin/python benchmarks/drill_start.py [--participants 500] [--workers 2]
        [--database sqlite|postgresql://postgres@127.0.0.1:5432/test] [--drill network-outage]

What it does, on 127.0.0.1 only, cleaning up after itself:

1. a fresh instance (SQLite file, or a private PostgreSQL schema dropped at the end):
   ``trainer db upgrade`` (which imports the shipped drills); one store with N cashiers and a
   supervisor, created and signed in in this process (setup, not measured: sign-in is rate
   limited per address and password hashing is slow by design);
2. ``trainer serve --workers W`` (gunicorn sync workers) and the bare app with the same
   workers (benchmarks/bare_app.py);
3. the supervisor opens a live drill; **join**: all N participants POST the join code at once;
   the supervisor starts it; **first step**: all N fetch their state (with the step's opaque
   choices) at once; then for every round, **answer**: all N answer at once (a random choice,
   or the shown order for an ordering step), and **next step**: all N poll until their page
   has moved on (the last answer of a round starts the next one, for everyone);
4. **bare insert**: N simultaneous POST /insert to the bare app: the same burst, the floor;
5. prints errors, p50/p99 per phase and how long after the start the last participant had
   the first step ("within the same second").

Client: one aiohttp session (as capacity.py), N concurrent requests per phase (gunicorn closes
each connection, so every request opens one, as phones do). Target: 0 errors, p99 <= 1.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
# This checkout's trainer, for the setup in this process and (PYTHONPATH) for the servers.
sys.path[:0] = [str(HERE), str(HERE.parent)]

import quiz_load as ql  # noqa: E402 (shares the server helpers with the quiz benchmark)

HOST = ql.HOST
TARGET_P99 = 1.5
CSRF_RE = ql.CSRF_RE
STORE = "DRILL"
RUN_RE = re.compile(r"/drills/live/(\d+)$")
PLAY_RE = re.compile(r"/drills/play/(\d+)$")
CODE_RE = re.compile(r'class="join-code"[^>]*>([A-Z0-9]+)<')
FETCH = {"X-Requested-With": "fetch"}


@dataclass
class Participant:
    username: str
    cookie: str
    csrf: str
    pid: int = 0
    state: dict = field(default_factory=dict)


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    wall: float = 0.0
    late: int = 0  # answers that arrived after their step's deadline (counted as missed)

    def add(self, ok: bool, seconds: float, detail: str = "") -> None:
        self.latencies.append(seconds)
        if not ok:
            self.errors += 1
            if len(self.samples) < 3:
                self.samples.append(detail)

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


# --------------------------------------------------------------------------- setup


def setup_people(env: dict[str, str], count: int) -> tuple[Participant, list[Participant]]:
    """Create one store, a supervisor and ``count`` cashiers, and sign them in in-process."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINER_")})
    from trainer import create_app
    from trainer.admin.service import create_user
    from trainer.db import get_session
    from trainer.models import Role, Store, people

    people.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 (setup speed; a method name)
    app = create_app({"RATELIMIT_ENABLED": False})
    with app.app_context():
        session = get_session()
        store = Store(code=STORE, name="Drill benchmark store")
        session.add(store)
        session.flush()
        accounts = [("bench-sup", Role.SUPERVISOR)] + [
            (f"bench{i:04d}", Role.CASHIER) for i in range(count)
        ]
        for username, role in accounts:
            create_user(
                session,
                username=username,
                name=f"Bench {username}",
                role=role,
                stores=[store],
                password=f"pw-{username}-long",
            )
        session.commit()
    signed = []
    for username, _role in accounts:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        form = {
            "username": username,
            "password": f"pw-{username}-long",
            "csrf_token": CSRF_RE.search(page)[1],
        }
        if client.post("/login", data=form).status_code != 302:
            raise RuntimeError(f"sign-in of {username} failed")
        token = CSRF_RE.search(client.get("/drills/").get_data(as_text=True))[1]
        signed.append(Participant(username, client.get_cookie("session").value, token))
    app.extensions["engine"].dispose()
    return signed[0], signed[1:]


# --------------------------------------------------------------------------- phases


@dataclass
class Reply:
    """What the benchmark reads of a response."""

    method: str
    path: str
    status_code: int
    location: str
    text: str

    def json(self):
        return json.loads(self.text)


def session(count: int) -> aiohttp.ClientSession:
    """A client for ``count`` requests at once, a new connection for each (as phones)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=count + 10, force_close=True),
        cookie_jar=aiohttp.DummyCookieJar(),  # each request names its person's cookie
        timeout=aiohttp.ClientTimeout(total=120),
    )


async def fetch(http, base: str, method: str, path: str, *, headers=None, data=None) -> Reply:
    """One request, redirects not followed."""
    async with http.request(
        method, base + path, headers=headers, data=data, allow_redirects=False
    ) as response:
        text = await response.text(errors="replace")
        return Reply(method, path, response.status, response.headers.get("Location", ""), text)


async def timed(phase: Phase, call, check) -> Reply | None:
    started = time.perf_counter()
    try:
        response = await call()
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        phase.add(False, time.perf_counter() - started, repr(exc))
        return None
    ok, detail = check(response)
    phase.add(ok, time.perf_counter() - started, detail)
    return response if ok else None


async def burst(phase: Phase, jobs) -> list:
    started = time.perf_counter()
    results = await asyncio.gather(*jobs)
    phase.wall = time.perf_counter() - started
    return results


def _status(expected: int):
    def check(response: Reply):
        ok = response.status_code == expected
        return ok, f"{response.method} {response.path} -> {response.status_code}"

    return check


def _answered(response: Reply):
    # 409 "stale": the step's time ran out before the server got to the answer, so the round
    # moved on and the step counts as missed. That is the deadline working, not an error; it
    # is counted apart ("late") and printed.
    ok = response.status_code == 200 or (
        response.status_code == 409 and response.json().get("reason") == "stale"
    )
    return ok, f"answer -> {response.status_code} {response.text[:120]}"


def headers(person: Participant) -> dict[str, str]:
    return {"Cookie": f"session={person.cookie}", "User-Agent": "drill-start/1.0"}


async def run_drill(port: int, leader: Participant, people: list[Participant], drill: str):
    base = f"http://{HOST}:{port}"
    phases: dict[str, Phase] = {}
    async with session(len(people)) as http:

        def request(method: str, path: str, person: Participant, data=None, extra=None):
            sent = {**headers(person), **(extra or {})}
            return fetch(http, base, method, path, headers=sent, data=data)

        store_page = await request("GET", "/drills/live/", leader)
        found = re.search(r'<option value="(\d+)">' + STORE, store_page.text)
        if found is None:
            raise RuntimeError(
                f"the supervisor's page: {store_page.status_code} {store_page.text[:300]}"
            )
        store_id = found[1]
        opened = await request(
            "POST",
            "/drills/live/new",
            leader,
            {"drill": drill, "store": store_id, "csrf_token": leader.csrf},
        )
        run_path = opened.location
        run_id = RUN_RE.search(run_path)[1]
        code = CODE_RE.search((await request("GET", run_path, leader)).text)[1]

        join = phases["join"] = Phase("join")

        async def join_one(person: Participant):
            response = await timed(
                join,
                lambda: request(
                    "POST", "/drills/join", person, {"code": code, "csrf_token": person.csrf}
                ),
                lambda r: (
                    r.status_code == 302 and PLAY_RE.search(r.location),
                    f"join -> {r.status_code} {r.location}",
                ),
            )
            if response is not None:
                person.pid = int(PLAY_RE.search(response.location)[1])

        await burst(join, [join_one(p) for p in people])
        started = await request(
            "POST", f"/drills/live/{run_id}/start", leader, {"csrf_token": leader.csrf}
        )
        start_time = time.perf_counter()
        if started.status_code != 302:
            raise RuntimeError(f"start answered {started.status_code}")

        first = phases["first step"] = Phase("first step")
        received: list[float] = []

        async def state_of(person: Participant, phase: Phase) -> dict | None:
            response = await timed(
                phase,
                lambda: request("GET", f"/drills/play/{person.pid}/state.json", person),
                _status(200),
            )
            if response is None:
                return None
            person.state = response.json()
            return person.state

        async def first_step(person: Participant):
            state = await state_of(person, first)
            if state is not None and state["status"] == "step":
                received.append(time.perf_counter() - start_time)
            elif state is not None:
                first.add(False, 0, f"status {state['status']} instead of step")

        await burst(first, [first_step(p) for p in people if p.pid])
        rounds = 0
        late: list[str] = []
        rng = random.Random(7)
        while any(p.state.get("status") == "step" for p in people):
            rounds += 1
            answer = phases.setdefault("answer", Phase("answer"))
            moved = phases.setdefault("next step", Phase("next step"))

            async def answer_one(person: Participant, answer: Phase = answer):
                state = person.state
                data = {"number": str(state["number"]), "csrf_token": person.csrf}
                if state["kind"] == "ordering":
                    for rank, token in enumerate(state["choices"], start=1):
                        data[f"rank-{token}"] = str(rank)
                else:
                    data["choice"] = rng.choice(state["choices"])
                response = await timed(
                    answer,
                    lambda: request("POST", f"/drills/play/{person.pid}", person, data, FETCH),
                    _answered,
                )
                if response is not None and response.status_code == 409:
                    late.append(person.username)

            on_step = [p for p in people if p.state.get("status") == "step"]
            t0 = time.perf_counter()
            before = len(answer.latencies)
            await burst(answer, [answer_one(p) for p in on_step])
            this_round = Phase("round", answer.latencies[before:])

            async def wait_next(person: Participant, before: str, moved: Phase = moved):
                # As the page does: a poll every 1.5-2.5 s (app.js), the first one after a pause.
                for _ in range(100):
                    await asyncio.sleep(1.5 + rng.random())
                    state = await state_of(person, moved)
                    if state is None or state["key"] != before:
                        return
                moved.add(False, 0, f"{person.username} never moved on from {before}")

            keys = {p.username: p.state["key"] for p in on_step}
            await asyncio.gather(*(wait_next(p, keys[p.username]) for p in on_step))
            print(
                f"  round {rounds}: {len(on_step)} answered (p50 / p99 "
                f"{this_round.pct(50):.0f} / {this_round.pct(99):.0f} ms), all moved on in "
                f"{time.perf_counter() - t0:.2f} s"
            )
        board = (await request("GET", f"/drills/live/{run_id}/board.json", leader)).json()
    if "answer" in phases:
        phases["answer"].late = len(late)
    return phases, received, rounds, board


async def bare_burst(port: int, count: int) -> Phase:
    phase = Phase("bare insert")
    base = f"http://{HOST}:{port}"
    async with session(count) as http:
        await burst(
            phase,
            [
                timed(
                    phase,
                    lambda: fetch(http, base, "POST", "/insert", data={"name": "x"}),
                    _status(200),
                )
                for _ in range(count)
            ],
        )
    return phase


# --------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgresql:// URL")
    parser.add_argument("--drill", default="network-outage")
    args = parser.parse_args(argv)
    if not 1 <= args.participants <= 2000:
        parser.error("--participants must be 1..2000")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="drill-start-"))
    servers: list[ql.Server] = []
    schema = None
    try:
        env = ql.trainer_env(tmp / "instance", HERE.parent)
        if args.database != "sqlite":
            schema, env["TRAINER_DATABASE_URL"] = ql.postgres_schema(args.database, "drill_bench")
        trainer = str(ql.BIN / "trainer")
        ql.run_command([trainer, "db", "upgrade"], env)
        setup = time.perf_counter()
        leader, people = setup_people(env, args.participants)
        print(
            f"code: {ql.describe_checkout()}; database: "
            f"{'SQLite (WAL)' if schema is None else 'PostgreSQL'}"
        )
        print(
            f"setup: {len(people)} cashiers + 1 supervisor created and signed in "
            f"({time.perf_counter() - setup:.1f} s, not measured)"
        )
        port, bare_port = ql.free_ports(2)
        ours = ql.Server(
            "trainer serve",
            [trainer, "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers)],
            env,
            tmp / "trainer-serve.log",
            port,
        )
        servers.append(ours)
        bare_db = tmp / "bare.db"
        bare_env = {**os.environ, "BARE_DATABASE_PATH": str(bare_db)}
        ql.run_command([sys.executable, str(HERE / "bare_app.py"), "init", str(bare_db)], bare_env)
        bare = ql.Server(
            "bare app",
            [
                str(ql.BIN / "gunicorn"),
                *f"--bind {HOST}:{bare_port} --workers {args.workers} --worker-class sync".split(),
                *["--access-logfile", "-", "--timeout", "120", "--backlog", "2048"],
                *("--pythonpath", str(HERE), "bare_app:create_app()"),
            ],
            bare_env,
            tmp / "bare.log",
            bare_port,
        )
        servers.append(bare)
        ours.wait_ready()
        bare.wait_ready()
        asyncio.run(bare_burst(bare_port, 50))  # warm-up, not measured
        baseline_before = asyncio.run(bare_burst(bare_port, args.participants))
        phases, received, rounds, board = asyncio.run(run_drill(port, leader, people, args.drill))
        baseline_after = asyncio.run(bare_burst(bare_port, args.participants))
        report(args, phases, received, rounds, board, [baseline_before, baseline_after])
        return 0
    finally:
        for server in servers:
            server.stop()
        if schema is not None:
            ql.drop_schema(args.database, schema)
        shutil.rmtree(tmp, ignore_errors=True)


def report(args, phases, received, rounds, board, baselines) -> None:
    print()
    header = (
        f"{'phase':<16} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'p99 / bare p99':>14}"
    )
    floor = statistics.mean(b.pct(99) for b in baselines)
    print(header)
    print("-" * len(header))
    rows = [
        phases[name] for name in ("join", "first step", "answer", "next step") if name in phases
    ]
    rows[len(rows) :] = [
        Phase(f"bare insert {i}", b.latencies, b.errors, b.samples, b.wall)
        for i, b in enumerate(baselines, start=1)
    ]
    for phase in rows:
        worst = max(phase.latencies, default=float("nan")) * 1000
        verdict = ""
        if not phase.name.startswith("bare"):
            verdict = " ok" if phase.errors == 0 and phase.pct(99) <= TARGET_P99 * 1000 else " OVER"
        print(
            f"{phase.name:<16} {len(phase.latencies):>8} {phase.errors:>6} {phase.pct(50):>8.0f} "
            f"{phase.pct(99):>8.0f} {worst:>8.0f} {phase.pct(99) / floor:>14.2f}{verdict}"
        )
    print()
    spread = max(received) if received else float("nan")
    print(
        f"participants: {args.participants}; first step held by {len(received)} of them, the "
        f"last {spread:.2f} s after the start (target: within 1 s); rounds: {rounds}; "
        f"finished on the board: {sum(1 for r in board['rows'] if r['state'] == 'finished')}"
    )
    if received:
        print(f"first step, seconds after the start: median {statistics.median(received):.2f}")
    if "answer" in phases:
        print(
            f"answers after their step's deadline (counted as missed by the server, not errors): "
            f"{phases['answer'].late}"
        )
    print(
        f"cores: {os.cpu_count()}; gunicorn sync workers: {args.workers}; bare insert is "
        "SQLite in both runs (the floor: one row written per request, the same burst of "
        f"{args.participants}); target: 0 errors, p99 <= {TARGET_P99 * 1000:.0f} ms"
    )
    for phase in rows:
        for sample in phase.samples:
            print(f"error sample ({phase.name}): {sample}")


if __name__ == "__main__":
    sys.exit(main())
