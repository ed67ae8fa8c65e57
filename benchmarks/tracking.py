"""Report pages at 5,000 staff / 200,000 attempts: p50/p95 per page beside a same-run baseline.

Usage:
    TRAINER_DATABASE_URL=... trainer db upgrade
    TRAINER_DATABASE_URL=... trainer bench-data --staff 5000 --attempts 200000 --seed 1
    .venv/bin/python benchmarks/tracking.py --database-url URL [--runs 20] [--computed-runs 5]
        [--items-quiz payment-errors-quiz] [--xlsx-rows 200000]

Requests go through the Flask test client in this process (no network), signed in as a
compliance officer (every store) and as a bench supervisor (three stores). Each page is
measured twice:

- ``computed``: with the report cache off (REPORT_CACHE_SECONDS=0), so every request runs
  the aggregate queries: what the first viewer after a few minutes waits;
- ``cached``: the default, what everyone else waits (the first request is left out).

The baseline is benchmarks/bare_app.py's ``GET /page`` (20 rows in a small Jinja page) through
its own test client, in the same run. The XLSX figure writes ``--xlsx-rows`` rows of attempts
(person, store, quiz, number, date, score, passed) with trainer.spreadsheets.write_xlsx in a
fresh process and reports that process's peak RSS.

Targets: p50 <= 150 ms per page; item analysis of a quiz with 200,000 attempts <= 1 s;
a 200,000-row XLSX export with peak RSS <= 300 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PASSWORD = "bench-password-2026"  # noqa: S105 (a throwaway benchmark account)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _timed(client, url: str, runs: int, skip_first: bool) -> list[float]:
    samples = []
    for i in range(runs + (1 if skip_first else 0)):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        if not (skip_first and i == 0):
            samples.append(elapsed * 1000)
    return samples


def _baseline(runs: int) -> list[float]:
    import bare_app

    folder = tempfile.mkdtemp(prefix="bare-")
    path = os.path.join(folder, "bare.db")
    bare_app.init_db(path)
    os.environ["BARE_DATABASE_PATH"] = path
    client = bare_app.create_app().test_client()
    client.get("/page")
    return _timed(client, "/page", runs, skip_first=False)


def _accounts(app) -> dict[str, str]:
    """A compliance officer and a bench supervisor with a known password."""
    from sqlalchemy import select

    from trainer.admin.service import create_user
    from trainer.models import Role, User

    with app.app_context():
        session = app.extensions["sessionmaker"]()
        officer = session.scalar(select(User).where(User.username == "bench-compliance"))
        if officer is None:
            create_user(
                session,
                username="bench-compliance",
                name="Bench compliance",
                role=Role.COMPLIANCE,
                stores=[],
                password=PASSWORD,
                language="en",
            )
        supervisor = session.scalar(
            select(User).where(User.role == Role.SUPERVISOR, User.username.like("bench-s%"))
        )
        if supervisor is None:
            raise SystemExit("no bench supervisors: run `trainer bench-data` first")
        supervisor.set_password(PASSWORD)
        supervisor.must_change_password = False
        supervisor.language = "en"
        session.commit()
        names = {"compliance": "bench-compliance", "supervisor": supervisor.username}
        session.close()
    return names


def _client(app, username: str):
    from tests.helpers import login

    client = app.test_client()
    response = login(client, username, PASSWORD)
    if response.status_code != 302:
        raise SystemExit(f"cannot sign in as {username}")
    return client


def _xlsx_child(url: str, rows: int, out: str) -> None:
    """In a fresh process: stream ``rows`` attempt rows into an XLSX; print seconds and RSS."""
    from sqlalchemy import select

    from trainer import create_app
    from trainer.models import Attempt, Quiz, Store, User, user_stores
    from trainer.spreadsheets import write_xlsx

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        query = (
            select(
                User.name,
                User.employee_no,
                Store.code,
                Quiz.slug,
                Attempt.number,
                Attempt.submitted_at,
                Attempt.percent,
                Attempt.passed,
            )
            .join(User, User.id == Attempt.user_id)
            .join(user_stores, user_stores.c.user_id == User.id)
            .join(Store, Store.id == user_stores.c.store_id)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .order_by(Attempt.id)
            .limit(rows)
            .execution_options(yield_per=2000)
        )
        headers = ["Name", "Employee number", "Store", "Quiz", "Attempt", "Date", "Score", "Passed"]
        started = time.perf_counter()
        written = write_xlsx(out, headers, session.execute(query), "Attempts")
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{written} {elapsed:.1f} {peak:.0f} {os.path.getsize(out) / 1e6:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--computed-runs", type=int, default=5)
    parser.add_argument("--items-quiz", default="payment-errors-quiz")
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--only", help="comma-separated page names to measure")
    parser.add_argument("--xlsx-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.xlsx_child:
        _xlsx_child(args.database_url, int(args.xlsx_child[0]), args.xlsx_child[1])
        return

    from sqlalchemy import func, select

    from trainer import create_app
    from trainer.models import Attempt, Quiz, Role, User, user_stores

    app = create_app(
        {"DATABASE_URL": args.database_url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": True}
    )
    names = _accounts(app)
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        staff = session.scalar(select(func.count()).select_from(User))
        attempts = session.scalar(select(func.count()).select_from(Attempt))
        quiz_attempts = session.scalar(
            select(func.count())
            .select_from(Attempt)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Quiz.slug == args.items_quiz)
        )
        # A cashier of the bench supervisor's stores: both viewers may open their page.
        supervisor = session.scalar(select(User).where(User.username == names["supervisor"]))
        cashier = session.scalar(
            select(User.id)
            .join(user_stores, user_stores.c.user_id == User.id)
            .where(User.role == Role.CASHIER, user_stores.c.store_id.in_(supervisor.store_ids))
            .order_by(User.id)
            .limit(1)
        )
        session.close()
    dialect = app.extensions["engine"].dialect.name
    print(
        f"# benchmarks/tracking.py on {dialect}: {staff} people, {attempts} attempts "
        f"({quiz_attempts} at {args.items_quiz})"
    )
    print(f"# Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")

    quiz = args.items_quiz
    pages = {
        "weak-topics": "/reports/weak-topics",
        "trends": "/reports/trends",
        "items (all attempts)": f"/reports/items/{quiz}?attempts=all",
        "items (first attempts)": f"/reports/items/{quiz}?attempts=first",
        "gaps": "/reports/gaps?course=payment-errors",
        "gaps, expiring only": "/reports/gaps?course=payment-errors&reason=expiring&within=60",
        "certificates, expiring 30 days": "/certificates/manage?expiring=30",
        "gaps CSV export": "/reports/gaps/export?course=payment-errors&format=csv",
        "team matrix": "/team",
        "person page": f"/people/{cashier}",
    }
    if args.only:
        wanted = set(args.only.split(","))
        pages = {k: v for k, v in pages.items() if k in wanted}

    base = _baseline(args.runs)
    b50, b95 = _percentiles(base)
    print(f"\nbaseline bare 20-row page: p50 {b50:.1f} ms, p95 {b95:.1f} ms ({len(base)} runs)\n")
    print(
        f"{'page':34} {'viewer':11} {'computed p50/p95 ms':>20} "
        f"{'cached p50/p95 ms':>19} {'x base':>7}"
    )
    for who in ("compliance", "supervisor"):
        client = _client(app, names[who])
        for name, url in pages.items():
            app.config["REPORT_CACHE_SECONDS"] = 0
            computed = _timed(client, url, args.computed_runs, skip_first=True)
            app.config["REPORT_CACHE_SECONDS"] = 300
            app.extensions.pop("trainer.report_cache", None)
            warm = _timed(client, url, args.runs, skip_first=True)
            c50, c95 = _percentiles(computed)
            w50, w95 = _percentiles(warm)
            print(
                f"{name:34} {who:11} {c50:9.0f} /{c95:6.0f}    "
                f"{w50:8.1f} /{w95:7.1f} {w50 / b50:7.1f}",
                flush=True,
            )

    if args.xlsx_rows:
        handle, out = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        result = subprocess.run(
            [
                sys.executable,
                __file__,
                "--database-url",
                args.database_url,
                "--xlsx-child",
                str(args.xlsx_rows),
                out,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        written, seconds, peak, size = result.stdout.split()[-4:]
        os.unlink(out)
        print(f"\nXLSX export of {written} rows: {seconds} s, peak RSS {peak} MB, file {size} MB")


if __name__ == "__main__":
    main()
