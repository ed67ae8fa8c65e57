"""Capacity benchmark: how many learners can take a quiz at once, and the start spike.

    .venv/bin/python benchmarks/capacity.py [--database sqlite|postgresql]
        [--levels 500,1000,2000,4000,8000] [--think 10] [--arrival-rate 50] [--window 30]
        [--spike 500,1000] [--workers 2]

What it does, on 127.0.0.1 only, cleaning up after itself (servers stopped, temp dir removed,
the PostgreSQL schema dropped):

1. a fresh instance of a copy of the checkout (quiz_load.py's snapshot): ``trainer db upgrade``
   and ``trainer demo --staff 1`` on SQLite (WAL) or in a private schema of ``--pg-url``; then
   one cashier account per simulated learner, created in this process and given a session as
   the login view gives one (``login_user``; see sign_in_all: sign-in is not measured, and the
   login rate limit would refuse thousands of sign-ins from one address);
2. ``trainer serve --workers W`` and ``benchmarks/bare_app.py`` under gunicorn with the same
   settings; the bare app's one-row insert and 20-row page are measured first (quiz_load.py's
   threads, 16 clients), the same-run baseline;
3. **the start spike**: for each ``--spike`` N, N learners who have not started send
   ``POST /quizzes/placement/start`` at random moments within the same 2 seconds;
4. **the ramp**: learners arrive on a schedule until N are active (N from ``--levels``), then
   ``--window`` seconds are measured at that level. By default a level's new learners arrive
   spread over one visit (200 s at 10 s think time), so that by the window they are at every
   step of the quiz; with ``--arrival-rate`` they arrive at that rate, and the first level is
   measured ``--warmup`` seconds later (one visit), once the first learners submit. Each
   learner starts the quiz, views it, answers every question with an autosave each (the whole
   form and the question that changed, as the page's script posts), submits, and opens the
   result page, with a think time of ``--think`` seconds ±50 % (random) before each request;
   then it starts again as a new learner on the same account (its attempt is submitted, so
   this is a real start). The ramp stops after the first level that fails: any operation's
   p95 > 500 ms, or any error.

Open loop: every request has an intended send time (an arrival, or the previous answer plus
the think time), and its latency is measured from that time, not from when it was sent. A slow
server therefore builds a queue (gunicorn's listen backlog) and longer latencies, instead of
slowing the load; a generator that falls behind shows as "send lag" and counts in the latency.
A window's "requests" and percentiles are those meant to go in it; its "req/s answered" and
"server CPU ms/req" count the responses that came back without error while it lasted, which
over capacity are fewer.

Client: aiohttp (``pip install -e '.[bench]'``) on one asyncio event loop, one connection per
request (gunicorn's sync workers close each connection after the response, as quiz_load.py
notes). The load generator shares the machine's cores with the servers: its CPU is reported
per level ("gen %CPU"), beside every other process's ("others %CPU"). Exit status 0: it is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from quiz_load import (  # noqa: E402 (after the path)
    ATTEMPT_RE,
    BIN,
    CHOICE_RE,
    CSRF_RE,
    HOST,
    PG_URL,
    QUIZ,
    USER_AGENT,
    OpStats,
    Server,
    _in_process_app,
    bare_pass,
    describe_checkout,
    drop_schema,
    machine_busy,
    postgres_schema,
    process_cpu,
    run_command,
    snapshot_checkout,
    start_servers,
    trainer_env,
)

OPERATIONS = ("start", "view", "save", "submit", "result")
P95_LIMIT_MS = 500.0
SPIKE_SECONDS = 2.0
WARM = 8  # learners through the flow before anything is measured


# --------------------------------------------------------------------------- learners


@dataclass
class Learner:
    """One signed-in account: its session cookie, CSRF token and current attempt."""

    username: str
    cookies: dict[str, str]
    csrf: str
    rng: random.Random
    attempt: int | None = None
    choices: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def answer(self, name: str) -> list[tuple[str, str]]:
        """A random answer to one question (one radio, or some checkboxes)."""
        kind, values = self.choices[name]
        if kind == "radio":
            return [(name, self.rng.choice(values))]
        return [(name, v) for v in self.rng.sample(values, self.rng.randint(1, len(values)))]


def create_accounts(env: dict[str, str], count: int) -> list[str]:
    """``count`` cashier accounts for the learners (cheap hashing: sign-in is not measured)."""
    os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINER_")})
    from sqlalchemy import select

    from trainer.admin.service import create_user
    from trainer.db import get_session
    from trainer.models import Role, Store, people

    people.PASSWORD_METHOD = "pbkdf2:sha256:1"  # noqa: S105 (never checked: see sign_in_all)
    app = _in_process_app()
    names = [f"learner{i:05d}" for i in range(count)]
    with app.app_context():
        session = get_session()
        stores = list(session.scalars(select(Store).order_by(Store.code)))
        for i, name in enumerate(names):
            create_user(
                session,
                username=name,
                name=f"Learner {i}",
                role=Role.CASHIER,
                stores=[stores[i % len(stores)]],
                password=account_password(name),
            )
            if i % 500 == 499:
                session.commit()
        session.commit()
    app.extensions["engine"].dispose()  # the servers use the database from here on
    return names


def account_password(username: str) -> str:
    return f"capacity-{username}"


def sign_in_all(names: list[str], seed: int) -> list[Learner]:
    """A signed-in session for every account, as the login view makes it.

    ``login_user`` is what the login view calls once the password matches, and the cookie is
    signed by the app's own session interface (same secret key, address and user agent as the
    learners' requests), so the servers take it as any other. The login page and the password
    check are left out: for thousands of learners on a 2-core machine they would take minutes
    (quiz_load.py signs its 50 users in through the view), and sign-in is not measured.
    """
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import select

    from trainer.db import get_session
    from trainer.models import User

    app = _in_process_app()
    serializer = app.session_interface.get_signing_serializer(app)
    learners = []
    context = app.test_request_context(
        f"/quizzes/{QUIZ}", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": HOST}
    )
    with context:
        users = {u.username: u for u in get_session().scalars(select(User))}
        for i, name in enumerate(names):
            session.clear()
            g.pop("csrf_token", None)  # generate_csrf keeps one token per request
            login_user(users[name])
            csrf = generate_csrf()
            cookies = {app.config["SESSION_COOKIE_NAME"]: serializer.dumps(dict(session))}
            learners.append(Learner(name, cookies, csrf, random.Random(seed + i)))
    return learners


# --------------------------------------------------------------------------- measurement


@dataclass
class Sample:
    """One request: what, when it was meant to go, how long from then, and whether it worked."""

    op: str
    intended: float
    latency: float
    lag: float  # how late the generator sent it
    ok: bool
    problem: str = ""


@dataclass
class Window:
    """The figures of one measured window (a ramp level or a spike)."""

    label: str
    samples: list[Sample]
    wall: float
    server_cpu: float
    gen_cpu: float
    other_cpu: float
    load: str
    # Responses that came back without error while the window lasted (whenever they were
    # meant to go): what the server got done. Over capacity it is fewer than the samples,
    # which count every request meant to go in the window, answered or timed out.
    answered: int = 0

    def ops(self, op: str) -> list[Sample]:
        return [s for s in self.samples if s.op == op]

    def errors(self) -> int:
        return sum(not s.ok for s in self.samples)

    def held(self) -> bool:
        return self.errors() == 0 and all(
            percentile([s.latency for s in self.ops(op)], 95) <= P95_LIMIT_MS
            for op in OPERATIONS
            if self.ops(op)
        )


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile, in milliseconds (values in seconds); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


class Meter:
    """CPU of the servers, of this process and of everything else between two moments."""

    def __init__(self, server_pids: list[int]):
        self.pids = server_pids
        self.reset()

    def reset(self) -> None:
        self.t0 = time.monotonic()
        self.server0 = process_cpu(self.pids)
        self.own0 = time.process_time()
        self.busy0 = machine_busy()

    def window(self, label: str, samples: list[Sample]) -> Window:
        server = process_cpu(self.pids) - self.server0
        own = time.process_time() - self.own0
        other = max(0.0, machine_busy() - self.busy0 - server - own)
        return Window(label, samples, time.monotonic() - self.t0, server, own, other, uptime())


# --------------------------------------------------------------------------- the load


class Load:
    """The learners' requests on one event loop, each measured from its intended send time."""

    def __init__(self, port: int, think: float, timeout: float):
        self.base = f"http://{HOST}:{port}"
        self.think = think
        self.timeout = timeout
        self.samples: list[Sample] = []
        self.in_flight: dict[int, float] = {}  # id(task) -> intended time
        self.stopping = False
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Load:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers={"User-Agent": USER_AGENT},
        )
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.http.close()

    def pause(self, rng: random.Random) -> float:
        """A think time: ``think`` seconds ±50 %."""
        return self.think * rng.uniform(0.5, 1.5)

    async def request(
        self,
        op: str,
        learner: Learner,
        method: str,
        path: str,
        intended: float,
        form: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, str]:
        """Send at ``intended`` (monotonic clock); returns status, Location and body."""
        loop = asyncio.get_running_loop()
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        key = id(asyncio.current_task())
        self.in_flight[key] = intended
        sent = loop.time()
        status, location, body = 0, "", ""
        sent_headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in learner.cookies.items())}
        data = None
        if form is not None:
            data = urlencode(form)
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        sent_headers.update(headers or {})
        problem = ""
        try:
            async with self.http.request(
                method, self.base + path, data=data, headers=sent_headers, allow_redirects=False
            ) as resp:
                body = await resp.text(errors="replace")
                status, location = resp.status, resp.headers.get("Location", "")
                for name, morsel in resp.cookies.items():
                    if morsel.value:
                        learner.cookies[name] = morsel.value
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            problem = f"{op}: {type(exc).__name__} {exc}"[:200]
        finally:
            del self.in_flight[key]
        done = loop.time()
        self.samples.append(Sample(op, intended, done - intended, sent - intended, not problem))
        if problem:
            self.samples[-1].problem = problem
        return status, location, body

    def fail(self, problem: str) -> None:
        """Mark the latest sample failed (a wrong status or page)."""
        self.samples[-1].ok = False
        self.samples[-1].problem = problem[:200]

    async def start(self, learner: Learner, intended: float) -> float | None:
        """POST start; returns when it was answered, or None if it failed."""
        status, location, _ = await self.request(
            "start",
            learner,
            "POST",
            f"/quizzes/{QUIZ}/start",
            intended,
            form=[("csrf_token", learner.csrf)],
        )
        match = ATTEMPT_RE.search(location) if status == 302 else None
        if not match:
            self.fail(f"start: {status} {location}")
            return None
        learner.attempt = int(match[1])
        return asyncio.get_running_loop().time()

    async def take_quiz(self, learner: Learner, arrival: float) -> None:
        """One learner's visit: start, view, one autosave per question, submit, result."""
        loop = asyncio.get_running_loop()
        answered = await self.start(learner, arrival)
        if answered is None or self.stopping:
            return
        attempt = f"/attempts/{learner.attempt}"
        status, _, page = await self.request(
            "view", learner, "GET", attempt, answered + self.pause(learner.rng)
        )
        learner.choices = {}
        for kind, name, value in CHOICE_RE.findall(page):
            learner.choices.setdefault(name, (kind, []))[1].append(value)
        token = CSRF_RE.search(page)
        if status != 200 or not learner.choices or not token:
            self.fail(f"view: {status}, {len(learner.choices)} questions")
            return
        learner.csrf = token[1]
        form = [("csrf_token", learner.csrf)]
        for name in learner.choices:  # in page order, one change and one autosave each
            if self.stopping:
                return
            form += learner.answer(name)
            status, _, body = await self.request(
                "save",
                learner,
                "POST",
                f"{attempt}/save",
                loop.time() + self.pause(learner.rng),
                form=[*form, ("only", name.removeprefix("q"))],
                headers={"X-Requested-With": "fetch", "Accept": "application/json"},
            )
            if status != 200 or '"ok":true' not in body.replace(" ", ""):
                self.fail(f"save: {status} {body[:100]}")
                return
        if self.stopping:
            return
        status, location, _ = await self.request(
            "submit",
            learner,
            "POST",
            f"{attempt}/submit",
            loop.time() + self.pause(learner.rng),
            form=form,
        )
        if status != 302 or not location.endswith(f"{attempt}/result"):
            self.fail(f"submit: {status} {location}")
            return
        status, _, page = await self.request(
            "result", learner, "GET", f"{attempt}/result", loop.time() + self.pause(learner.rng)
        )
        if status != 200 or "result-summary" not in page:
            self.fail(f"result: {status}")

    async def learner_loop(self, learner: Learner, arrival: float) -> None:
        """A learner takes the quiz; when done, a new learner takes its place on the account."""
        loop = asyncio.get_running_loop()
        while not self.stopping:
            await self.take_quiz(learner, arrival)
            arrival = loop.time() + self.pause(learner.rng)

    async def settle(self, until: float, limit: float) -> None:
        """Wait (up to ``limit`` s) until no request meant to go before ``until`` is in flight."""
        give_up = asyncio.get_running_loop().time() + limit
        while any(t < until for t in self.in_flight.values()):
            if asyncio.get_running_loop().time() > give_up:
                return
            await asyncio.sleep(0.1)


async def spike(load: Load, learners: list[Learner], meter: Meter) -> Window:
    """Every learner sends its start at a random moment within the same 2 seconds."""
    loop = asyncio.get_running_loop()
    first = len(load.samples)
    meter.reset()
    t0 = loop.time() + 0.5
    await asyncio.gather(
        *(load.start(learner, t0 + learner.rng.uniform(0, SPIKE_SECONDS)) for learner in learners)
    )
    window = meter.window(f"spike {len(learners)}", load.samples[first:])
    window.answered = sum(s.ok for s in window.samples)
    return window


async def ramp(
    load: Load, learners: list[Learner], levels: list[int], args, meter: Meter
) -> list[Window]:
    """Learners arrive at a fixed rate; each level measured for a window once N are active."""
    loop = asyncio.get_running_loop()
    tasks: list[asyncio.Task] = []
    windows = []
    arrival = loop.time()
    try:
        for level in levels:
            # By default a level's new learners arrive spread over one visit, so that they are
            # at every step of the quiz when the window starts, not all saving at once.
            rate = args.arrival_rate or (level - len(tasks)) / visit_seconds(args)
            while len(tasks) < level:  # open loop: arrivals on a schedule, not on answers
                arrival = max(arrival + 1 / rate, loop.time() - 1)
                learner = learners[len(tasks)]
                tasks.append(asyncio.create_task(load.learner_loop(learner, arrival)))
                if arrival > loop.time():
                    await asyncio.sleep(arrival - loop.time())
            if level == levels[0] and args.arrival_rate:
                # Arrived together, the first learners submit together one visit later: wait
                # for a mix of starts, views, saves, submits and results before measuring.
                await asyncio.sleep(args.warmup)
            began = loop.time()
            meter.reset()
            await asyncio.sleep(args.window)
            ended = loop.time()
            window = meter.window(f"N={level}", [])
            await load.settle(ended, args.timeout + 1)  # their answers, while the load goes on
            window.samples = [s for s in load.samples if began <= s.intended < ended]
            window.answered = sum(
                s.ok and began <= s.intended + s.latency < ended for s in load.samples
            )
            windows.append(window)
            print_window(window, level, flush=True)
            if not window.held():
                break
    finally:
        load.stopping = True
        await asyncio.gather(*tasks, return_exceptions=True)
    return windows


# --------------------------------------------------------------------------- report


def print_window(window: Window, level: int | None = None, *, flush: bool = False) -> None:
    samples = window.samples
    done = len(samples)
    answered = window.answered
    cpu = window.server_cpu * 1000 / answered if answered else float("nan")
    lag = percentile([s.lag for s in samples], 99)
    print(
        f"\n{window.label}: {done} requests, {window.errors()} errors, "
        f"{answered / window.wall:.0f} req/s answered over {window.wall:.0f} s; "
        f"server CPU {cpu:.2f} ms/req ({window.server_cpu * 100 / window.wall:.0f}%); "
        f"gen {window.gen_cpu * 100 / window.wall:.0f}% CPU, send lag p99 {lag:.0f} ms; "
        f"others {window.other_cpu * 100 / window.wall:.0f}% CPU; {window.load}"
        + ("" if level is None else f"; {'HELD' if window.held() else 'FAILED'}"),
        flush=flush,
    )
    print(
        f"  {'operation':<10} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8}"
    )
    for op in OPERATIONS:
        ops = window.ops(op)
        if not ops:
            continue
        latencies = [s.latency for s in ops]
        print(
            f"  {op:<10} {len(ops):>8} {sum(not s.ok for s in ops):>6} "
            f"{percentile(latencies, 50):>8.0f} {percentile(latencies, 95):>8.0f} "
            f"{percentile(latencies, 99):>8.0f} {percentile(latencies, 100):>8.0f}"
        )
    problems = sorted({s.problem for s in samples if s.problem})
    for problem in problems[:3]:
        print(f"  error sample: {problem}")


# --------------------------------------------------------------------------- setup


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    def counts(text: str) -> list[int]:
        values = [int(v) for v in text.split(",") if v.strip()]
        if not values or any(not 1 <= v <= 50_000 for v in values):
            raise argparse.ArgumentTypeError("a comma-separated list of counts from 1 to 50000")
        return values

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help=f"PostgreSQL server ({PG_URL})")
    parser.add_argument(
        "--levels",
        type=counts,
        default=[500, 1000, 2000, 4000, 8000],
        help="learners active at each level (500,1000,2000,4000,8000)",
    )
    parser.add_argument(
        "--spike", type=counts, default=[500, 1000], help="starts in 2 s (500,1000)"
    )
    parser.add_argument("--no-spike", action="store_true", help="skip the start spike")
    parser.add_argument("--think", type=float, default=10.0, help="think time, s, ±50%% (10)")
    parser.add_argument(
        "--arrival-rate",
        type=float,
        default=None,
        help="new learners per second (default: each level's new learners over one visit)",
    )
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured per level")
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="with --arrival-rate: seconds before the first level is measured (one visit)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="a request's time limit (30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--bare-seconds", type=float, default=4, help="per bare endpoint (4)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--source",
        choices=("worktree", "head"),
        default="worktree",
        help="serve a copy of the checkout as it is (worktree) or of its last commit (head)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 32 or (args.arrival_rate or 1) <= 0 or args.window <= 0:
        parser.error("--workers must be 1..32, --arrival-rate and --window positive")
    if args.no_spike:
        args.spike = []
    if args.warmup is None:
        args.warmup = visit_seconds(args)
    return args


def visit_seconds(args) -> float:
    """About how long one visit takes: 19 requests, a think time before each, and a margin."""
    return 20 * args.think


async def measure(port: int, spikers: list[Learner], ramp_learners, args, meter) -> list[Window]:
    windows = []
    async with Load(port, args.think, args.timeout) as load:
        # Warm-up, not measured: a few learners through the whole flow without thinking.
        async with Load(port, 0.0, args.timeout) as warm:
            now = asyncio.get_running_loop().time()
            await asyncio.gather(*(warm.take_quiz(learner, now) for learner in spikers[:WARM]))
        used = WARM
        for n in args.spike:
            group = spikers[used : used + n]
            used += n
            await asyncio.sleep(3)  # quiet between spikes
            window = await spike(load, group, meter)
            print_window(window, flush=True)
            windows.append(window)
        windows += await ramp(load, ramp_learners, args.levels, args, meter)
    return windows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # one socket per request in flight
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="capacity-"))
    servers: list[Server] = []
    schema = None
    try:
        source = snapshot_checkout(tmp / "source", args.source)
        sys.path.insert(0, str(source))  # the in-process sign-in runs the same code
        env = trainer_env(tmp / "instance", source)
        if args.database == "postgresql":
            schema, env["TRAINER_DATABASE_URL"] = postgres_schema(args.pg_url, "capacity")
        trainer = str(BIN / "trainer")
        run_command([trainer, "db", "upgrade"], env)
        run_command([trainer, "demo", "--staff", "1"], env)
        print(f"code: {args.source} of {describe_checkout()}; database: {args.database}")
        print(f"machine: {os.cpu_count()} cores; at the start: {uptime()}")

        spikers_needed = WARM + sum(args.spike)
        total = spikers_needed + max(args.levels)
        setup = time.perf_counter()
        names = create_accounts(env, total)
        learners = sign_in_all(names, args.seed)
        print(
            f"setup: {total} accounts signed in ({time.perf_counter() - setup:.0f} s, not measured)"
        )

        servers.extend(start_servers(tmp, env, args.workers))
        ours, bare = servers
        port, bare_port = ours.port, bare.port
        ours.wait_ready()
        bare.wait_ready()

        baseline = {"bare insert": OpStats(), "bare page": OpStats()}
        bare_pass(baseline, port=bare_port, concurrency=16, pids=bare.pids(), seconds=1, cap=500)
        baseline = {"bare insert": OpStats(), "bare page": OpStats()}
        bare_pass(
            baseline,
            port=bare_port,
            concurrency=16,
            pids=bare.pids(),
            seconds=args.bare_seconds,
            cap=200_000,
        )
        bare.stop()
        servers.remove(bare)
        print(f"\nbaseline (bare_app.py, gunicorn {args.workers} sync workers, 16 clients):")
        for name, s in baseline.items():
            print(
                f"  {name:<12} {s.rate:>6.0f} req/s  p50 {s.percentile(50):.1f} ms  "
                f"p99 {s.percentile(99):.1f} ms  server CPU {s.server_cpu * 1000 / s.requests:.2f}"
                f" ms/req  {s.errors} errors"
            )

        meter = Meter(ours.pids())
        print(
            f"\nquiz: {QUIZ}, think {args.think:g} s ±50 %, arrivals "
            f"{f'{args.arrival_rate:g}/s' if args.arrival_rate else 'over one visit per level'}, "
            f"window {args.window:g} s per level, gunicorn {args.workers} sync workers"
        )
        windows = asyncio.run(
            measure(port, learners[:spikers_needed], learners[spikers_needed:], args, meter)
        )
        levels = [w for w in windows if w.label.startswith("N=")]
        held = [int(w.label[2:]) for w in levels if w.held()]
        print(
            f"\nlargest N held (every operation's p95 <= {P95_LIMIT_MS:.0f} ms, 0 errors): "
            f"{max(held) if held else 'none'}"
        )
        for w in windows:
            if w.label.startswith("spike"):
                starts = [s.latency for s in w.samples]
                print(
                    f"{w.label} starts in {SPIKE_SECONDS:g} s: {w.errors()} errors, "
                    f"p99 {percentile(starts, 99):.0f} ms, max {percentile(starts, 100):.0f} ms"
                )
        print(f"at the end: {uptime()}; total run time {time.perf_counter() - began:.0f} s")
    finally:
        for server in servers:
            server.stop()
        if schema:
            drop_schema(args.pg_url, schema)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return 0


if __name__ == "__main__":
    sys.exit(main())
