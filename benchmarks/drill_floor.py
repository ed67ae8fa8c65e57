"""What one live-drill request costs the server: join, state, answer, against the bare insert.

    .venv/bin/python benchmarks/drill_floor.py [--participants 200] [--rounds 3] [--profile ROW]
        [--database sqlite|postgresql://postgres@127.0.0.1:5432/test]

One process, no network, one request at a time through each app's WSGI test client, the CPU
time of this process (time waiting for a core does not count): what drill_start.py's phases
cost per request before any queueing. The wall time is printed too: on PostgreSQL (a private
schema, dropped at the end) it adds the round trips and the database server's work.

Each round is a fresh live drill of ``--drill`` with ``--participants`` cashiers of one store:
all join (``join``), the supervisor starts it, all fetch their state (``state``), then every
step all answer (``answer``; the last answer of a round moves the drill on) and fetch the new
state (``state``), until everyone has finished.
``bare insert`` requests are interleaved with the drill's, so a busy machine slows both alike.

``--profile join|state|answer`` prints where that row's time goes (cProfile, the top
functions by cumulative time). Exit status 0: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the checkout, not an installed copy

import bare_app  # noqa: E402 (after the path)
import drill_start  # noqa: E402
import quiz_load as ql  # noqa: E402

ROWS = ("bare insert", "join", "state", "answer")
PLAY_RE = re.compile(r"/drills/play/(\d+)$")


class Timer:
    """CPU and wall seconds, requests and SQL statements per row; maybe a profile of one row."""

    def __init__(self, profile: str | None) -> None:
        self.seconds = dict.fromkeys(ROWS, 0.0)
        self.wall = dict.fromkeys(ROWS, 0.0)
        self.count = dict.fromkeys(ROWS, 0)
        self.statements = dict.fromkeys(ROWS, 0)
        self.sql = 0
        self.profile_row = profile
        self.profiler = cProfile.Profile() if profile else None

    def time(self, row: str, call: Callable):
        before = self.sql
        profiling = row == self.profile_row
        if profiling:
            self.profiler.enable()
        started, wall = time.process_time(), time.perf_counter()
        response = call()
        self.seconds[row] += time.process_time() - started
        self.wall[row] += time.perf_counter() - wall
        if profiling:
            self.profiler.disable()
        self.count[row] += 1
        self.statements[row] += self.sql - before
        return response


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="live drills run one after another")
    parser.add_argument("--drill", default="network-outage")
    parser.add_argument("--profile", choices=ROWS[1:])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a postgresql:// URL")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="drill-floor-") as tmp:
        env = ql.trainer_env(Path(tmp) / "instance", HERE.parent)
        schema = None
        if args.database != "sqlite":  # a private schema, dropped at the end
            schema, env["TRAINER_DATABASE_URL"] = ql.postgres_schema(args.database, "drill_floor")
        try:
            measure(args, env, Path(tmp), timer := Timer(args.profile))
        finally:
            if schema is not None:
                ql.drop_schema(args.database, schema)

    base = timer.seconds["bare insert"] / timer.count["bare insert"]
    print(f"{'request':14} {'CPU ms':>7} {'wall ms':>8} {'SQL':>5} {'x bare':>7} {'requests':>9}")
    for row in ROWS:
        mean = timer.seconds[row] / timer.count[row]
        wall = timer.wall[row] / timer.count[row]
        sql = "" if row.startswith("bare") else f"{timer.statements[row] / timer.count[row]:.1f}"
        print(
            f"{row:14} {mean * 1000:7.2f} {wall * 1000:8.2f} {sql:>5} {mean / base:7.1f} "
            f"{timer.count[row]:>9}"
        )
    if timer.profiler is not None:
        print(f"\nprofile of {args.profile} ({timer.count[args.profile]} requests):")
        pstats.Stats(timer.profiler).sort_stats("cumulative").print_stats(40)
    return 0


def measure(args, env: dict[str, str], tmp: Path, timer: Timer) -> None:
    """Set up the instance, the bare app and the people; run ``--rounds`` live drills."""
    from sqlalchemy import event

    from trainer import create_app

    ql.run_command([str(ql.BIN / "trainer"), "db", "upgrade"], env)
    os.environ["BARE_DATABASE_PATH"] = str(tmp / "bare.db")
    bare_app.init_db(os.environ["BARE_DATABASE_PATH"])
    bare = bare_app.create_app().test_client()
    leader, people = drill_start.setup_people(env, args.participants)
    app = create_app()  # as `trainer serve` builds it, rate limiter included
    event.listen(
        app.extensions["engine"],
        "before_cursor_execute",
        lambda *_args: setattr(timer, "sql", timer.sql + 1),
    )
    rng = random.Random(7)
    for _ in range(args.rounds):
        run_live_drill(app, bare, timer, leader, people, args.drill, rng)
    app.extensions["engine"].dispose()


def run_live_drill(app, bare, timer: Timer, leader, people, drill: str, rng) -> None:
    """One live drill: open, everyone joins, start, state and answer each round to the end."""

    def client(person):
        c = app.test_client()
        c.set_cookie("session", person.cookie)
        return c

    boss = client(leader)
    page = boss.get("/drills/live/").get_data(as_text=True)
    store = re.search(r'<option value="(\d+)">' + drill_start.STORE, page)[1]
    opened = boss.post(
        "/drills/live/new", data={"drill": drill, "store": store, "csrf_token": leader.csrf}
    )
    run_path = opened.headers["location"]
    code = drill_start.CODE_RE.search(boss.get(run_path).get_data(as_text=True))[1]
    phones = [client(person) for person in people]
    pids = []
    for person, phone in zip(people, phones, strict=True):
        timer.time("bare insert", lambda: bare.post("/insert", data={"name": "x"}))
        joined = timer.time(
            "join",
            lambda phone=phone, person=person: phone.post(
                "/drills/join", data={"code": code, "csrf_token": person.csrf}
            ),
        )
        pids.append(int(PLAY_RE.search(joined.headers["location"])[1]))
    boss.post(f"{run_path}/start", data={"csrf_token": leader.csrf})
    states = {}
    playing = list(range(len(people)))
    while playing:
        for i in playing:
            timer.time("bare insert", lambda: bare.post("/insert", data={"name": "x"}))
            states[i] = timer.time(
                "state", lambda i=i: phones[i].get(f"/drills/play/{pids[i]}/state.json")
            ).get_json()
        playing = [i for i in playing if states[i]["status"] == "step"]
        for i in playing:
            state = states[i]
            data = {"number": str(state["number"]), "csrf_token": people[i].csrf}
            if state["kind"] == "ordering":
                data.update({f"rank-{t}": str(r) for r, t in enumerate(state["choices"], 1)})
            else:
                data["choice"] = rng.choice(state["choices"])
            timer.time("bare insert", lambda: bare.post("/insert", data={"name": "x"}))
            answered = timer.time(
                "answer",
                lambda i=i, data=data: phones[i].post(
                    f"/drills/play/{pids[i]}", data=data, headers={"X-Requested-With": "fetch"}
                ),
            )
            if answered.status_code != 200:
                raise SystemExit(f"answer -> {answered.status_code} {answered.get_data()[:200]}")


if __name__ == "__main__":
    sys.exit(main())
