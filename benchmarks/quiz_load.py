"""Quiz load benchmark: trainer's quiz flow against a bare Flask + SQLAlchemy app, in one run.

    .venv/bin/python benchmarks/quiz_load.py [--users 50] [--concurrency 16] [--workers 2]
                                             [--duration 30] [--requests 20000] [--profile]

What it does, on 127.0.0.1 only, and then cleans up after itself:

1. a fresh temporary instance (SQLite, WAL): ``trainer db upgrade``, ``trainer demo --staff N``;
   ``trainer serve`` (gunicorn sync workers) on a free local port; waits for /healthz;
2. the bare app (benchmarks/bare_app.py) under gunicorn with the same worker count and the same
   gunicorn settings as ``trainer serve`` (sync workers, access log on);
3. every cashier signs in (not measured), then rounds of the quiz flow on the ``placement`` quiz
   (no attempt limit, no cool-down): every user starts an attempt, then views it ``--views``
   times, saves answers ``--saves`` times, and submits. Each operation runs as its own phase
   with ``--concurrency`` clients, so its req/s is the server's throughput for that operation
   alone and can be compared with the bare app's insert endpoint, measured before and after;
4. prints one table (requests, errors, req/s, p50, p99, server CPU per request, ratio to the
   bare insert's req/s; target >= 0.5) and exits 0: it is a measurement, not a test.

Sign-in: POST /login is rate limited (LOGIN_RATE_LIMIT, 10 per minute per client address, per
worker), and every benchmark client has the address 127.0.0.1. With ``--login auto`` users sign
in over HTTP until the first 429; the rest sign in through the same login view in this process
(the app's test client, rate limiting off), and their session cookie is used over HTTP.

Clients are Python threads using http.client; gunicorn's sync workers close the connection
after every response, so each request opens a new local TCP connection, for both apps.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import io
import json
import multiprocessing
import os
import pstats
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HOST = "127.0.0.1"  # never any other address
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
QUIZ = "placement"
USER_AGENT = "quiz-load/1.0"
TARGET_RATIO = 0.5
OPERATIONS = ("start", "view", "save", "submit")
BARE_OPERATIONS = ("bare insert", "bare page")

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE_RE = re.compile(r'<input type="(radio|checkbox)" name="(q\d+)" value="([^"]*)"')
ATTEMPT_RE = re.compile(r"/attempts/(\d+)$")


# --------------------------------------------------------------------------- HTTP client


class Client:
    """One benchmark client: a keep-alive-capable http.client connection and a cookie jar."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def request(
        self,
        method: str,
        path: str,
        *,
        cookies: dict[str, str] | None = None,
        form: dict | list | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, bytes, float]:
        """Send one request; returns status, headers, body and the seconds it took."""
        sent = {"User-Agent": USER_AGENT, "Host": f"{HOST}:{self.conn.port}"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        sent.update(headers or {})
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0, http.client.HTTPMessage(), b"", time.perf_counter() - start
        elapsed = time.perf_counter() - start
        if resp.will_close:
            self.conn.close()
        if cookies is not None:
            update_cookies(cookies, resp.msg)
        return resp.status, resp.msg, data, elapsed

    def close(self) -> None:
        self.conn.close()


def update_cookies(jar: dict[str, str], msg: http.client.HTTPMessage) -> None:
    """Apply Set-Cookie headers to a name -> value jar (deletions included)."""
    for header in msg.get_all("Set-Cookie") or []:
        pair, _, attrs = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = "max-age=0" in attrs.lower() or "expires=thu, 01 jan 1970" in attrs.lower()
        if expired or not value:
            jar.pop(name, None)
        else:
            jar[name] = value


def location_path(msg: http.client.HTTPMessage) -> str:
    """The path of a redirect's Location header."""
    return urlsplit(msg.get("Location", "")).path


# --------------------------------------------------------------------------- measurement


@dataclass
class OpStats:
    """Everything measured for one operation, summed over its phases."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_cpu: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
        return ordered[index] * 1000


CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pids: Iterable[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICK
    return total


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICK


def run_phase(
    stats: OpStats,
    tasks: Iterable,
    action: Callable[[Client, object], tuple[bool, float, str]],
    *,
    port: int,
    concurrency: int,
    server_pids: list[int],
    deadline: float | None = None,
) -> None:
    """Run ``action`` over ``tasks`` with ``concurrency`` client threads; add to ``stats``."""
    iterator: Iterator = iter(tasks)
    lock = threading.Lock()
    latencies: list[float] = []
    problems: list[str] = []

    def worker() -> None:
        client = Client(port)
        try:
            while True:
                with lock:
                    if deadline is not None and time.perf_counter() >= deadline:
                        return
                    task = next(iterator, None)
                if task is None:
                    return
                ok, elapsed, problem = action(client, task)
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        problems.append(problem)
        finally:
            client.close()

    cpu_before, busy_before, own_before = (
        process_cpu(server_pids),
        machine_busy(),
        time.process_time(),
    )
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.wall += time.perf_counter() - started
    server = process_cpu(server_pids) - cpu_before
    stats.server_cpu += server
    own = time.process_time() - own_before
    stats.client_cpu += own
    stats.other_cpu += max(0.0, machine_busy() - busy_before - server - own)
    stats.latencies.extend(latencies)
    stats.errors += len(problems)
    stats.error_samples.extend(problems[: max(0, 3 - len(stats.error_samples))])


# --------------------------------------------------------------------------- servers


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (the OS picks them)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((HOST, 0))
            ports.append(sock.getsockname()[1])
        return ports


class Server:
    """A gunicorn server started by this script, in its own process group."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, port: int):
        self.name, self.port, self.log = name, port, log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        """Wait until ``path`` answers 200, or fail with the end of the server's log."""
        limit = time.monotonic() + timeout
        while time.monotonic() < limit:
            if self.proc.poll() is not None:
                break
            status = Client(self.port).request("GET", path)[0]
            if status == 200:
                return
            time.sleep(0.2)
        tail = self.log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{self.name} did not become ready on port {self.port}:\n{tail}")

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            pids += [int(p) for p in children.read_text().split()]
        return pids

    def stop(self) -> None:
        """SIGTERM the process group this script created; SIGKILL it if it lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log_file.close()


def start_servers(tmp: Path, env: dict[str, str], workers: int) -> tuple[Server, Server]:
    """``trainer serve`` and the bare app (same gunicorn settings) on free ports; not yet ready."""
    port, bare_port = free_ports(2)
    serve = ["serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    ours = Server(
        "trainer serve",
        [str(BIN / "trainer"), *serve],
        env,
        tmp / "trainer-serve.log",
        port,
    )
    bare_db = tmp / "bare.db"
    bare_env = {**os.environ, "BARE_DATABASE_PATH": str(bare_db)}
    run_command([sys.executable, str(HERE / "bare_app.py"), "init", str(bare_db)], bare_env)
    bare = Server(
        "bare app",
        [
            str(BIN / "gunicorn"),
            *f"--bind {HOST}:{bare_port} --workers {workers} --worker-class sync".split(),
            *["--access-logfile", "-", "--timeout", "120"],
            *("--pythonpath", str(HERE), "bare_app:create_app()"),
        ],
        bare_env,
        tmp / "bare.log",
        bare_port,
    )
    return ours, bare


def demo_password(username: str) -> str:
    """The password `trainer demo` gives a demo account (trainer/demo.py)."""
    from trainer.demo import demo_password as printed

    return printed(username)


def trainer_env(instance: Path, source: Path | None) -> dict[str, str]:
    """Environment for the trainer commands: a fresh instance with its own SQLite database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINER_")}
    env.update(
        TRAINER_INSTANCE_PATH=str(instance),
        TRAINER_DATABASE_URL=f"sqlite:///{instance / 'trainer.db'}",
        TRAINER_SECRET_KEY="quiz-load-" + os.urandom(16).hex(),
        TRAINER_BASE_URL=f"http://{HOST}",
    )
    if source is not None:  # the copy shadows the editable install
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    return env


PG_URL = "postgresql://postgres@127.0.0.1:5432/test"  # the machine's local server


def postgres_schema(url: str, prefix: str) -> tuple[str, str]:
    """A new private schema on PostgreSQL ``url``; returns (schema, the URL that uses it).

    The caller drops it in a ``finally``. A SIGTERM (``timeout``, ``kill``) would end the
    process without running it and leave the schema on the shared server, so from here on it
    exits the way Ctrl+C does, through the ``finally``.
    """
    from sqlalchemy import create_engine, text

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return schema, url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    """Drop a schema made by :func:`postgres_schema`, with everything in it."""
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def describe_checkout() -> str:
    """The checkout's commit and how many tracked files differ from it (read-only git)."""
    git = ["git", "--no-optional-locks", "-C", str(HERE.parent)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{head}" + (f" + {len(changed)} modified tracked file(s)" if changed else "")


def snapshot_checkout(target: Path, source: str) -> Path:
    """A copy of the code to serve, so edits made during the run do not change what is measured.

    ``worktree``: the checkout as it is now; ``head``: its last commit (read-only `git archive`).
    """
    root = HERE.parent
    if source == "head":
        target.mkdir(parents=True)
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", "HEAD"],
            capture_output=True,
            check=True,
        )
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    else:
        skip = shutil.ignore_patterns(
            ".git", ".venv", "instance", "__pycache__", "*.egg-info", "tests", "docs"
        )
        shutil.copytree(root, target, ignore=skip)
    return target


def run_command(argv: list[str], env: dict[str, str]) -> float:
    """Run a setup command; returns the seconds it took, raises with its output on failure."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- sign-in


@dataclass
class User:
    """A cashier taking the quiz: session cookie, CSRF token, current attempt and its fields."""

    username: str
    password: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    attempt_id: int | None = None
    choices: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def answers(self) -> list[tuple[str, str]]:
        """A random answer to every question on the page (one radio, some checkboxes)."""
        form = [("csrf_token", self.csrf)]
        for name, (kind, values) in self.choices.items():
            if kind == "radio":
                form.append((name, self.rng.choice(values)))
            else:
                picked = self.rng.sample(values, self.rng.randint(1, len(values)))
                form.extend((name, value) for value in picked)
        return form


def http_sign_in(client: Client, user: User) -> str:
    """Sign in through POST /login over HTTP: 'ok', 'limited' (429) or an error message."""
    status, _, body, _ = client.request("GET", "/login", cookies=user.cookies)
    match = CSRF_RE.search(body.decode())
    if status != 200 or not match:
        return f"GET /login answered {status}"
    form = {"username": user.username, "password": user.password, "csrf_token": match[1]}
    status, msg, _, _ = client.request("POST", "/login", cookies=user.cookies, form=form)
    if status == 429:
        user.cookies.clear()
        return "limited"
    if status != 302 or location_path(msg) == "/login":
        return f"POST /login answered {status} to {msg.get('Location')}"
    return "ok"


_APP = None


def _in_process_app():
    """The app in this process (created once; forked sign-in processes inherit it)."""
    global _APP
    if _APP is None:
        from trainer import create_app

        _APP = create_app({"RATELIMIT_ENABLED": False})
    return _APP


def _in_process_sign_in(username: str, password: str) -> str:
    """Sign in through the app's own login view in this process; returns the session cookie."""
    client = _in_process_app().test_client()
    client.environ_base.update(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR=HOST)
    page = client.get("/login").get_data(as_text=True)
    form = {"username": username, "password": password, "csrf_token": CSRF_RE.search(page)[1]}
    response = client.post("/login", data=form)
    if response.status_code != 302 or urlsplit(response.location).path == "/login":
        raise RuntimeError(f"in-process sign-in of {username} failed: {response.status_code}")
    return client.get_cookie("session").value


def sign_in_all(users: list[User], port: int, mode: str, env: dict[str, str]) -> dict[str, int]:
    """Sign every user in (HTTP first in 'auto' mode); fetch the quiz page for a CSRF token."""
    counts = {"http": 0, "in-process": 0}
    pending = list(users)
    if mode in ("auto", "http"):
        client = Client(port)
        while pending:
            outcome = http_sign_in(client, pending[0])
            if outcome == "limited" and mode == "auto":
                break
            if outcome != "ok":
                raise RuntimeError(f"sign-in of {pending[0].username}: {outcome}")
            counts["http"] += 1
            pending.pop(0)
        client.close()
    if pending:
        os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINER_")})
        _in_process_app()  # before forking: app creation is slow, password hashing is CPU-bound
        fork = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=fork) as pool:
            cookies = pool.map(
                _in_process_sign_in, [u.username for u in pending], [u.password for u in pending]
            )
            for user, cookie in zip(pending, cookies, strict=True):
                user.cookies["session"] = cookie
                counts["in-process"] += 1
    client = Client(port)
    for user in users:
        status, _, body, _ = client.request("GET", f"/quizzes/{QUIZ}", cookies=user.cookies)
        match = CSRF_RE.search(body.decode())
        if status != 200 or not match:
            raise RuntimeError(f"{user.username} is not signed in: /quizzes/{QUIZ} -> {status}")
        user.csrf = match[1]
    client.close()
    return counts


# --------------------------------------------------------------------------- the quiz flow


def do_start(client: Client, user: User) -> tuple[bool, float, str]:
    status, msg, _, elapsed = client.request(
        "POST", f"/quizzes/{QUIZ}/start", cookies=user.cookies, form={"csrf_token": user.csrf}
    )
    match = ATTEMPT_RE.search(location_path(msg)) if status == 302 else None
    if not match:
        user.attempt_id = None
        return False, elapsed, f"start: {status} {msg.get('Location')}"
    user.attempt_id = int(match[1])
    return True, elapsed, ""


def do_view(client: Client, user: User) -> tuple[bool, float, str]:
    if user.attempt_id is None:
        return False, 0.0, "view: no attempt"
    status, _, body, elapsed = client.request(
        "GET", f"/attempts/{user.attempt_id}", cookies=user.cookies
    )
    page = body.decode(errors="replace")
    if status != 200:
        return False, elapsed, f"view: {status}"
    choices: dict[str, tuple[str, list[str]]] = {}
    for kind, name, value in CHOICE_RE.findall(page):
        choices.setdefault(name, (kind, []))[1].append(value)
    if not choices:
        return False, elapsed, "view: no questions on the page"
    user.choices = choices
    token = CSRF_RE.search(page)
    if token:
        user.csrf = token[1]
    return True, elapsed, ""


def do_save(client: Client, user: User) -> tuple[bool, float, str]:
    if user.attempt_id is None or not user.choices:
        return False, 0.0, "save: no attempt"
    # As the page's autosave does after one change: the whole form, naming the changed question.
    form = user.answers()
    changed = user.rng.choice(sorted(user.choices))
    form.append(("only", changed.removeprefix("q")))
    status, _, body, elapsed = client.request(
        "POST",
        f"/attempts/{user.attempt_id}/save",
        cookies=user.cookies,
        form=form,
        headers={"X-Requested-With": "fetch", "Accept": "application/json"},
    )
    try:
        ok = status == 200 and json.loads(body).get("ok") is True
    except ValueError:
        ok = False
    return ok, elapsed, "" if ok else f"save: {status} {body[:120]!r}"


def do_submit(client: Client, user: User) -> tuple[bool, float, str]:
    if user.attempt_id is None or not user.choices:
        return False, 0.0, "submit: no attempt"
    status, msg, _, elapsed = client.request(
        "POST", f"/attempts/{user.attempt_id}/submit", cookies=user.cookies, form=user.answers()
    )
    expected = f"/attempts/{user.attempt_id}/result"
    user.attempt_id, user.choices = None, {}
    ok = status == 302 and location_path(msg) == expected
    return ok, elapsed, "" if ok else f"submit: {status} {msg.get('Location')}"


def quiz_round(users, stats, *, port, concurrency, pids, views, saves) -> None:
    """Every user starts, views, saves and submits one attempt; one phase per operation."""
    plan = [
        ("start", users, do_start),
        ("view", [u for _ in range(views) for u in users], do_view),
        ("save", [u for _ in range(saves) for u in users], do_save),
        ("submit", users, do_submit),
    ]
    for name, tasks, action in plan:
        run_phase(
            stats[name],
            tasks,
            action,
            port=port,
            concurrency=concurrency,
            server_pids=pids,
        )


def bare_insert(client: Client, n: int) -> tuple[bool, float, str]:
    status, _, _, elapsed = client.request("POST", "/insert", form={"name": f"row {n}"})
    return status == 200, elapsed, "" if status == 200 else f"insert: {status}"


def bare_page(client: Client, _n: int) -> tuple[bool, float, str]:
    status, _, body, elapsed = client.request("GET", "/page")
    ok = status == 200 and b"<table>" in body
    return ok, elapsed, "" if ok else f"page: {status}"


def bare_pass(stats, *, port, concurrency, pids, seconds, cap) -> None:
    """Each bare endpoint for ``seconds`` (at most ``cap`` requests)."""
    for name, action in (("bare insert", bare_insert), ("bare page", bare_page)):
        run_phase(
            stats[name],
            range(cap),
            action,
            port=port,
            concurrency=concurrency,
            server_pids=pids,
            deadline=time.perf_counter() + seconds,
        )


# --------------------------------------------------------------------------- profiling


def _where(filename: str, funcname: str) -> str:
    """A profile entry's package: trainer.<module>, a site-package, or the C call's object."""
    path = filename.replace(os.sep, "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/trainer/" in path:
        return "trainer." + path.rsplit("/trainer/", 1)[1].removesuffix(".py").replace("/", ".")
    if path.endswith(".html"):
        return "templates (compiled)"
    if filename == "~":
        if "sqlite3" in funcname:
            return "sqlite3 (C)"
        return "builtins (C)"
    return "stdlib"


def profile_operations(env: dict[str, str], user: User, cycles: int, top: int) -> str:
    """cProfile ``cycles`` requests of each operation in this process (the app's test client).

    Two unprofiled attempts first warm imports, templates and caches. For each operation the
    report gives the mean time and SQL statements per request, own time grouped by package, and
    the functions with the most own time.
    """
    os.environ.update({k: v for k, v in env.items() if k.startswith("TRAINER_")})
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    app = _in_process_app()
    statements = {"n": 0}

    @event.listens_for(app.extensions["engine"], "before_cursor_execute")
    def _count(*_args):
        statements["n"] += 1

    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR=HOST)
    client.set_cookie("session", user.cookies["session"])
    profilers = {name: cProfile.Profile() for name in OPERATIONS}
    spent = dict.fromkeys(OPERATIONS, 0.0)
    queries = dict.fromkeys(OPERATIONS, 0)

    def run(name: str, call: Callable, profile: bool):
        if not profile:
            return call()
        before = statements["n"]
        started = time.perf_counter()
        profilers[name].enable()
        response = call()
        profilers[name].disable()
        spent[name] += time.perf_counter() - started
        queries[name] += statements["n"] - before
        return response

    for cycle in range(2 + cycles):
        profile = cycle >= 2
        response = run(
            "start",
            lambda: client.post(f"/quizzes/{QUIZ}/start", data={"csrf_token": user.csrf}),
            profile,
        )
        attempt = int(ATTEMPT_RE.search(urlsplit(response.location).path)[1])
        page = run("view", lambda a=attempt: client.get(f"/attempts/{a}"), profile)
        page = page.get_data(as_text=True)
        user.choices = {}
        for kind, name, value in CHOICE_RE.findall(page):
            user.choices.setdefault(name, (kind, []))[1].append(value)
        user.csrf = CSRF_RE.search(page)[1]
        run(
            "save",
            lambda a=attempt: client.post(
                f"/attempts/{a}/save",
                data=MultiDict(user.answers()),
                headers={"X-Requested-With": "fetch"},
            ),
            profile,
        )
        run(
            "submit",
            lambda a=attempt: client.post(f"/attempts/{a}/submit", data=MultiDict(user.answers())),
            profile,
        )

    out = io.StringIO()
    out.write(f"\nProfile: {cycles} requests of each operation in one process (test client)\n")
    for name in OPERATIONS:
        stats = pstats.Stats(profilers[name])
        total = sum(entry[2] for entry in stats.stats.values()) or 1.0
        groups: dict[str, float] = {}
        for (filename, _line, funcname), entry in stats.stats.items():
            key = _where(filename, funcname)
            groups[key] = groups.get(key, 0.0) + entry[2]
        out.write(
            f"\n--- {name}: {spent[name] * 1000 / cycles:.1f} ms per request under cProfile, "
            f"{queries[name] / cycles:.1f} SQL statements per request\n"
        )
        ranked = sorted(groups.items(), key=lambda kv: -kv[1])[:8]
        out.write(
            "own time by package: "
            + ", ".join(f"{key} {value * 100 / total:.0f}%" for key, value in ranked)
            + "\n"
        )
        stream = io.StringIO()
        stats.stream = stream
        stats.strip_dirs().sort_stats("tottime").print_stats(top)
        listing = stream.getvalue()
        out.write(listing[listing.find("   ncalls") :])
    return out.getvalue()


# --------------------------------------------------------------------------- report


def print_report(stats: dict[str, OpStats], args, notes: list[str]) -> None:
    bare = stats["bare insert"]
    bare_cpu = bare.server_cpu * 1000 / bare.requests if bare.requests else float("nan")
    header = (
        f"{'operation':<12} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'srv CPU ms/req':>14} {'client %CPU':>11} {'others %CPU':>11} "
        f"{'vs bare insert':>14} {'CPU ratio':>9}"
    )
    print()
    print(header)
    print("-" * len(header))
    for name in (*OPERATIONS, *BARE_OPERATIONS):
        s = stats[name]
        ratio = s.rate / bare.rate if bare.rate else float("nan")
        verdict = "" if name.startswith("bare") else (" ok" if ratio >= TARGET_RATIO else " LOW")
        cpu = s.server_cpu * 1000 / s.requests if s.requests else float("nan")
        others = s.other_cpu * 100 / s.wall if s.wall else float("nan")
        client = s.client_cpu * 100 / s.wall if s.wall else float("nan")
        cpu_ratio = bare_cpu / cpu if cpu else float("nan")
        print(
            f"{name:<12} {s.requests:>8} {s.errors:>6} {s.rate:>8.1f} {s.percentile(50):>8.1f} "
            f"{s.percentile(99):>8.1f} {cpu:>14.2f} {client:>11.0f} {others:>11.0f} "
            f"{ratio:>11.2f}{verdict:<3} "
            f"{cpu_ratio:>9.2f}"
        )
    print()
    print(
        f"cores: {os.cpu_count()}  gunicorn sync workers: {args.workers}  "
        f"concurrency: {args.concurrency}  users: {args.users}  "
        f"target: each quiz operation >= {TARGET_RATIO} x bare insert req/s"
    )
    print(
        "srv CPU ms/req: CPU of the gunicorn master + workers per request. client / others "
        "%CPU: CPU used by this load generator / by every other process on the machine during "
        "the phase (100 = one core). CPU ratio: bare insert's srv CPU per request divided by "
        "this operation's, a capacity ratio that depends less on what else the machine is doing."
    )
    measured = [stats[name] for name in (*OPERATIONS, *BARE_OPERATIONS)]
    wall = sum(s.wall for s in measured)
    busy = sum(s.other_cpu for s in measured) / wall * 100 if wall else 0.0
    if busy > 25:
        print(
            f"WARNING: other processes used {busy:.0f}% CPU on average (of "
            f"{(os.cpu_count() or 1) * 100}%) during the measurement: absolute req/s and "
            "latencies are depressed and noisy; the CPU ratio is the steadier comparison."
        )
    for note in notes:
        print(note)
    for name in (*OPERATIONS, *BARE_OPERATIONS):
        for sample in stats[name].error_samples:
            print(f"error sample ({name}): {sample}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=50, help="demo cashiers (default 50)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument(
        "--duration",
        type=float,
        default=30,
        help="seconds of quiz load; rounds stop once this is reached (default 30)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=20_000,
        help="at most this many measured quiz requests (default 20000)",
    )
    parser.add_argument("--views", type=int, default=2, help="page views per attempt (2)")
    parser.add_argument("--saves", type=int, default=3, help="autosaves per attempt (3)")
    parser.add_argument(
        "--bare-seconds",
        type=float,
        default=4,
        help="seconds per bare endpoint, measured before and again after the quiz load (4)",
    )
    parser.add_argument(
        "--login",
        choices=("auto", "http", "in-process"),
        default="auto",
        help="how users sign in (see the module docstring; default auto)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the load, cProfile each operation in-process and say where time goes",
    )
    parser.add_argument(
        "--profile-cycles", type=int, default=20, help="requests per operation profiled (20)"
    )
    parser.add_argument(
        "--source",
        choices=("worktree", "head", "live"),
        default="worktree",
        help="serve a copy of the checkout as it is now (worktree, default), of its last commit "
        "(head, via git archive), or the checkout itself (live: edits during the run apply)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 5000:
        parser.error("--users must be 1..5000")
    if not 1 <= args.concurrency <= 256 or not 1 <= args.workers <= 16:
        parser.error("--concurrency must be 1..256 and --workers 1..16")
    if not 0 < args.duration <= 600 or not 0 < args.bare_seconds <= 120:
        parser.error("--duration must be in (0, 600] and --bare-seconds in (0, 120]")
    args.requests = max(1, min(args.requests, 1_000_000))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="quiz-load-"))
    servers: list[Server] = []
    notes: list[str] = []
    stats = {name: OpStats() for name in (*OPERATIONS, *BARE_OPERATIONS)}
    try:
        instance = tmp / "instance"
        source = None
        if args.source != "live":
            source = snapshot_checkout(tmp / "source", args.source)
            sys.path.insert(0, str(source))  # for the in-process sign-in and --profile
        env = trainer_env(instance, source)
        trainer = str(BIN / "trainer")
        upgrade_s = run_command([trainer, "db", "upgrade"], env)
        demo_s = run_command(
            [trainer, "demo", "--staff", str(args.users), "--keep-demo-passwords"], env
        )
        print(f"code: {args.source} of {describe_checkout()}")
        print(f"setup: db upgrade {upgrade_s:.1f} s, demo --staff {args.users} {demo_s:.1f} s")

        servers.extend(start_servers(tmp, env, args.workers))
        ours, bare = servers
        port, bare_port = ours.port, bare.port
        ours.wait_ready()
        bare.wait_ready()
        ours_pids, bare_pids = ours.pids(), bare.pids()

        users = [
            User(f"cashier{i + 1:02d}", demo_password(f"cashier{i + 1:02d}"))
            for i in range(args.users)
        ]
        signing = time.perf_counter()
        counts = sign_in_all(users, port, args.login, env)
        print(
            f"sign-in: {counts['http']} over HTTP, {counts['in-process']} in-process "
            f"({time.perf_counter() - signing:.1f} s, not measured)"
        )

        # Warm-up (not measured): one round for a few users, and some bare requests.
        warm = {name: OpStats() for name in (*OPERATIONS, *BARE_OPERATIONS)}
        quiz_round(
            users[: min(len(users), 2 * args.concurrency)],
            warm,
            port=port,
            concurrency=args.concurrency,
            pids=ours_pids,
            views=1,
            saves=1,
        )
        bare_pass(
            warm, port=bare_port, concurrency=args.concurrency, pids=bare_pids, seconds=1, cap=500
        )
        bare_cap = 200_000
        bare_pass(
            stats,
            port=bare_port,
            concurrency=args.concurrency,
            pids=bare_pids,
            seconds=args.bare_seconds,
            cap=bare_cap,
        )
        before = stats["bare insert"].rate
        print(f"bare insert before the quiz load: {before:.0f} req/s")

        load_began, rounds = time.perf_counter(), 0
        per_round = args.users * (2 + args.views + args.saves)
        done = 0
        while True:
            quiz_round(
                users,
                stats,
                port=port,
                concurrency=args.concurrency,
                pids=ours_pids,
                views=args.views,
                saves=args.saves,
            )
            rounds += 1
            done += per_round
            elapsed = time.perf_counter() - load_began
            if elapsed >= args.duration or done + per_round > args.requests:
                break
        print(f"quiz load: {rounds} rounds, {done} requests in {elapsed:.1f} s")

        insert_before = OpStats(**{**stats["bare insert"].__dict__})
        insert_before.latencies = list(insert_before.latencies)
        bare_pass(
            stats,
            port=bare_port,
            concurrency=args.concurrency,
            pids=bare_pids,
            seconds=args.bare_seconds,
            cap=bare_cap,
        )
        after_n = stats["bare insert"].requests - insert_before.requests
        after_wall = stats["bare insert"].wall - insert_before.wall
        after = after_n / after_wall if after_wall else 0.0
        notes.append(
            f"bare insert req/s before / after the quiz load: {before:.0f} / {after:.0f} "
            "(the table uses both passes together)"
        )
        load1, load5, _ = os.getloadavg()
        notes.append(f"load average at the end: {load1:.2f} (1 min), {load5:.2f} (5 min)")

        print_report(stats, args, notes)
        for server in servers:
            server.stop()
        if args.profile:
            print(profile_operations(env, users[0], cycles=args.profile_cycles, top=12))
        print(f"\ntotal run time: {time.perf_counter() - began:.0f} s")
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
