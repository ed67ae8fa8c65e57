"""A simulator run of 30 key presses: per-keypress time next to the same run's bare insert.

    .venv/bin/python benchmarks/simulator_run.py [--runs 20] [--presses 30]

One process, no network (the app's WSGI test client, as request_floor.py measures), the app
built as ``trainer serve`` builds it, rate limiter included. Each run starts a practice run of
``overcharge-void`` as the demo cashier and presses 30 keys; each key press alternates with one
insert into benchmarks/bare_app.py, so a busy machine slows both alike. Prints p50 and p95 of
the key press, of the bare insert and of the start, and their ratio. A key press replays the
run's log through the engine, so the presses late in a run are measured too (by position).
Exit status 0: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout, not an installed copy

from quiz_load import BIN, CSRF_RE, run_command, trainer_env  # noqa: E402 (after the path)
from request_floor import trainer_client  # noqa: E402

SCENARIO = "overcharge-void"
RUN_RE = re.compile(r"/runs/(\d+)")
#: Keys a cashier presses in a run: menus, digits, a card, corrections, confirmations.
KEYS = ("menu", "2", "1", "2", "3", "4", "5", "6", "enter", "back", "0", "0", "0", "1", "0", "1",
        "enter", "cancel", "menu", "1", "8", "5", "0", "0", "enter", "card:a", "enter", "cancel",
        "down", "up")  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args(argv)
    presses, inserts, starts = [], [], []
    by_position: list[list[float]] = [[] for _ in range(args.presses)]
    clock = time.perf_counter
    with tempfile.TemporaryDirectory(prefix="simulator-run-") as tmp:
        instance = Path(tmp) / "instance"
        env = trainer_env(instance, HERE.parent)
        run_command([str(BIN / "trainer"), "db", "upgrade"], env)
        run_command([str(BIN / "trainer"), "demo", "--staff", "1", "--keep-demo-passwords"], env)
        os.environ["BARE_DATABASE_PATH"] = str(Path(tmp) / "bare.db")
        import bare_app

        bare_app.init_db(os.environ["BARE_DATABASE_PATH"])
        bare = bare_app.create_app().test_client()
        app, client, _event = trainer_client(instance, env)
        app.config["SIMULATOR_KEY_RATE_LIMIT"] = "100000 per minute"  # one client, many runs
        csrf = CSRF_RE.search(client.get("/practice/terminal/").get_data(as_text=True))[1]
        for warm in range(args.runs + 2):  # two warm-up runs: imports, templates, caches
            started = clock()
            response = client.post(
                f"/practice/terminal/{SCENARIO}/start", data={"csrf_token": csrf}
            )
            start_time = clock() - started
            if response.status_code != 302:
                raise SystemExit(f"start failed: {response.status_code}")
            run = RUN_RE.search(response.location)[1]
            for i in range(args.presses):
                key = KEYS[i % len(KEYS)]
                started = clock()
                answer = client.post(
                    f"/practice/terminal/runs/{run}/key",
                    data={"key": key},
                    headers={"X-CSRFToken": csrf, "X-Requested-With": "fetch"},
                )
                took = clock() - started
                if answer.status_code != 200:
                    raise SystemExit(f"key {key} answered {answer.status_code}")
                started = clock()
                bare.post("/insert", data={"name": "x"})
                insert = clock() - started
                if warm >= 2:
                    presses.append(took)
                    inserts.append(insert)
                    by_position[i].append(took)
            if warm >= 2:
                starts.append(start_time)
    print(f"{args.runs} runs of {args.presses} key presses ({SCENARIO}), SQLite, one process")
    print(f"{'request':22} {'p50 ms':>8} {'p95 ms':>8} {'x bare p50':>11}")
    base = statistics.median(inserts)
    for name, values in (("key press", presses), ("bare insert", inserts), ("start run", starts)):
        p50, p95 = statistics.median(values), percentile(values, 95)
        print(f"{name:22} {p50 * 1000:8.2f} {p95 * 1000:8.2f} {p50 / base:11.1f}")
    first, last = by_position[0], by_position[-1]
    print(f"\nkey press 1: p50 {statistics.median(first) * 1000:.2f} ms; "
          f"key press {args.presses}: p50 {statistics.median(last) * 1000:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
