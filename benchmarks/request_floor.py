"""Where a quiz request's time goes: the bare insert, trainer's fixed costs, and the quiz flow.

    .venv/bin/python benchmarks/request_floor.py [--requests 200] [--rounds 3]
        [--clock wall|cpu] [--database sqlite|postgresql]

One process, no network, no concurrency: each row is the mean time of one request through the
app's WSGI test client (so the same for both apps), measured in alternating rounds so that a
busy machine slows every row alike. Rows:

- ``bare insert`` / ``bare page``: benchmarks/bare_app.py, the baseline of quiz_load.py;
- ``healthz``: trainer's public health check (one ``SELECT 1``);
- ``signed-in no-op``: a JSON view added by this script behind ``@signed_in``: the session
  cookie, the user loader and the role policy, and nothing else;
- ``signed-in empty page``: the same, rendering an empty page on ``base.html``;
- ``signed-in form post``: a POST behind ``@signed_in`` with a submit's form (the CSRF token and
  an answer to each question), answered with a redirect: what start, save and submit cost
  before their own work;
- ``start``, ``view``, ``save``, ``submit``: the quiz flow of quiz_load.py on ``placement``;
- ``result``: the result page after the submit (not in quiz_load.py; issue #17 asks it to cost
  at most 5.5x the bare insert; it reads the feedback the submit kept with each answer).

With ``--database postgresql`` trainer's rows use a private schema on the local PostgreSQL
server (dropped at the end), so they show what the driver and the round trips add; the bare
app stays on SQLite, as in every benchmark's baseline.

The app is built as ``trainer serve`` builds it, rate limiter included; sign-in happens once,
well under the limit.

The "x bare" column divides by the bare insert. quiz_load.py (gunicorn, 16 clients) is CPU-bound,
and gunicorn adds the same cost to every request of both apps, so half the bare insert's
requests per second needs about 3.2x here (QUIZ_LOAD.md shows the sum). Exit status 0: it is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from werkzeug.datastructures import MultiDict

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout, not an installed copy

from quiz_load import (  # noqa: E402 (after the path)
    ATTEMPT_RE,
    BIN,
    CHOICE_RE,
    CSRF_RE,
    PG_URL,
    QUIZ,
    User,
    demo_password,
    drop_schema,
    postgres_schema,
    run_command,
    trainer_env,
)

ROWS = (
    "bare insert",
    "bare page",
    "healthz",
    "signed-in no-op",
    "signed-in empty page",
    "signed-in form post",
    "start",
    "view",
    "save",
    "submit",
    "result",
)


class Timer:
    """Total seconds, requests and SQL statements per row."""

    clock = staticmethod(time.perf_counter)  # or time.process_time (--clock cpu)

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(ROWS, 0.0)
        self.count = dict.fromkeys(ROWS, 0)
        self.statements = dict.fromkeys(ROWS, 0)
        self.sql = 0  # statements run by trainer's engine so far

    def time(self, row: str, call: Callable):
        before = self.sql
        started = self.clock()
        response = call()
        self.seconds[row] += self.clock() - started
        self.count[row] += 1
        self.statements[row] += self.sql - before
        return response


def trainer_client(instance: Path, env: dict[str, str]):
    """The app with two probe views (no-op JSON, empty page), and a signed-in test client."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINER_")})
    from flask import redirect, render_template
    from sqlalchemy import event

    from trainer import create_app
    from trainer.security import signed_in

    app = create_app()
    empty = app.jinja_env.from_string("{% extends 'base.html' %}{% block content %}{% endblock %}")
    app.add_url_rule("/_probe/noop", "probe_noop", signed_in(lambda: {"ok": True}))
    app.add_url_rule("/_probe/page", "probe_page", signed_in(lambda: render_template(empty)))
    app.add_url_rule(
        "/_probe/post", "probe_post", signed_in(lambda: redirect("/_probe/noop")), methods=["POST"]
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    form = {
        "username": "cashier01",
        "password": demo_password("cashier01"),
        "csrf_token": CSRF_RE.search(page)[1],
    }
    if client.post("/login", data=form).status_code != 302:
        raise SystemExit("sign-in of the demo cashier failed")
    return app, client, event


def quiz_flow(client, timer: Timer, user: User) -> None:
    """One attempt: start, view twice, three autosaves, submit (as quiz_load.py does), result."""
    response = timer.time(
        "start", lambda: client.post(f"/quizzes/{QUIZ}/start", data={"csrf_token": user.csrf})
    )
    attempt = ATTEMPT_RE.search(response.location)[1]
    for _ in range(2):
        page = timer.time("view", lambda: client.get(f"/attempts/{attempt}"))
    html = page.get_data(as_text=True)
    user.csrf = CSRF_RE.search(html)[1]
    user.choices = {}
    for kind, name, value in CHOICE_RE.findall(html):
        user.choices.setdefault(name, (kind, []))[1].append(value)
    for _ in range(3):
        form = [*user.answers(), ("only", user.rng.choice(sorted(user.choices))[1:])]
        timer.time(
            "save",
            lambda form=form: client.post(
                f"/attempts/{attempt}/save",
                data=MultiDict(form),
                headers={"X-Requested-With": "fetch"},
            ),
        )
    timer.time(
        "submit",
        lambda: client.post(f"/attempts/{attempt}/submit", data=MultiDict(user.answers())),
    )
    timer.time("result", lambda: client.get(f"/attempts/{attempt}/result"))


def measure(tmp: Path, env: dict[str, str], timer: Timer, args: argparse.Namespace) -> None:
    """Set up both apps in ``tmp`` and time every row into ``timer``."""
    instance = tmp / "instance"
    run_command([str(BIN / "trainer"), "db", "upgrade"], env)
    run_command([str(BIN / "trainer"), "demo", "--staff", "1", "--keep-demo-passwords"], env)
    os.environ["BARE_DATABASE_PATH"] = str(tmp / "bare.db")
    import bare_app

    bare_app.init_db(os.environ["BARE_DATABASE_PATH"])
    bare = bare_app.create_app().test_client()
    app, client, event = trainer_client(instance, env)

    def _count(*_args):
        timer.sql += 1

    event.listen(app.extensions["engine"], "before_cursor_execute", _count)
    user = User("cashier01", demo_password("cashier01"), rng=random.Random(7))
    user.csrf = CSRF_RE.search(client.get(f"/quizzes/{QUIZ}").get_data(as_text=True))[1]
    fixed = {
        "bare insert": lambda: bare.post("/insert", data={"name": "x"}),
        "bare page": lambda: bare.get("/page"),
        "healthz": lambda: client.get("/healthz"),
        "signed-in no-op": lambda: client.get("/_probe/noop"),
        "signed-in empty page": lambda: client.get("/_probe/page"),
        # The answers of the latest attempt's page (quiz_flow reads them), as a submit posts.
        "signed-in form post": lambda: client.post("/_probe/post", data=MultiDict(user.answers())),
    }
    warm = Timer()
    quiz_flow(client, warm, user)  # first: the form post needs an attempt's questions
    for call in fixed.values():  # imports, compiled templates and statement caches
        for _ in range(20):
            call()
    for _round in range(args.rounds):
        for row, call in fixed.items():
            for _ in range(args.requests):
                timer.time(row, call)
        for _ in range(max(1, args.requests // 10)):
            quiz_flow(client, timer, user)
    app.extensions["engine"].dispose()  # before the PostgreSQL schema is dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per fixed-cost row per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time (default), or this process's CPU time: steadier when other processes "
        "compete for the cores, since time spent waiting for a core is not counted",
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help=f"PostgreSQL server ({PG_URL})")
    args = parser.parse_args(argv)
    if args.clock == "cpu":
        Timer.clock = staticmethod(time.process_time)

    timer = Timer()
    with tempfile.TemporaryDirectory(prefix="request-floor-") as tmp:
        env = trainer_env(Path(tmp) / "instance", HERE.parent)  # the CLI runs this checkout too
        schema = None
        if args.database == "postgresql":
            schema, env["TRAINER_DATABASE_URL"] = postgres_schema(args.pg_url, "request_floor")
        try:
            measure(Path(tmp), env, timer, args)
        finally:
            if schema:
                drop_schema(args.pg_url, schema)

    base = timer.seconds["bare insert"] / timer.count["bare insert"]
    print(f"{'request':22} {'ms':>7} {'SQL':>5} {'x bare':>7}")
    for row in ROWS:
        mean = timer.seconds[row] / timer.count[row]
        sql = "" if row.startswith("bare") else f"{timer.statements[row] / timer.count[row]:.1f}"
        print(f"{row:22} {mean * 1000:7.2f} {sql:>5} {mean / base:7.1f}")
    print(f"\nrequests per row: {', '.join(f'{r} {timer.count[r]}' for r in ROWS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
