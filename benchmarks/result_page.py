"""The result page and the submit against the bare insert, in CPU time (issue #17).

    .venv/bin/python benchmarks/result_page.py [--flows 30]
    .venv/bin/python benchmarks/result_page.py --checkout ../other-worktree   # the same, there

One process, request_floor.py's app and signed-in client: ``--flows`` quiz flows on
``placement`` (the mean CPU time of their submits), then the last attempt's result page, the
bare insert and a signed-in empty page, each as the best of 7 rounds of 50 requests, so that
waiting for a core does not count. To compare two checkouts, run it for each in turn, several
times: on a shared machine one run still moves by more than a small change.
``--kept`` instead times the result page of one checkout with and without the outcomes kept
at submit (the same attempt, alternating rounds; without them the page grades again).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROUNDS, PER_ROUND = 7, 50


def best_of(call) -> float:
    """CPU seconds per call, the best of ROUNDS rounds of PER_ROUND calls."""
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(PER_ROUND):
            call()
        best = min(best, (time.process_time() - started) / PER_ROUND)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=30)
    parser.add_argument("--checkout", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--kept", action="store_true")
    args = parser.parse_args(argv)
    checkout = args.checkout.resolve()
    sys.path[:0] = [str(checkout), str(checkout / "benchmarks")]
    import request_floor as rf
    from quiz_load import CSRF_RE, QUIZ, User, demo_password

    rf.Timer.clock = staticmethod(time.process_time)
    with tempfile.TemporaryDirectory(prefix="result-page-") as tmp:
        instance = Path(tmp) / "instance"
        env = rf.trainer_env(instance, checkout)
        rf.run_command([str(rf.BIN / "trainer"), "db", "upgrade"], env)
        rf.run_command(
            [str(rf.BIN / "trainer"), "demo", "--staff", "1", "--keep-demo-passwords"], env
        )
        os.environ["BARE_DATABASE_PATH"] = str(Path(tmp) / "bare.db")
        import bare_app

        bare_app.init_db(os.environ["BARE_DATABASE_PATH"])
        bare = bare_app.create_app().test_client()
        app, client, _event = rf.trainer_client(instance, env)
        user = User("cashier01", demo_password("cashier01"), rng=random.Random(7))
        user.csrf = CSRF_RE.search(client.get(f"/quizzes/{QUIZ}").get_data(as_text=True))[1]
        rf.quiz_flow(client, rf.Timer(), user)  # warm up
        timer = rf.Timer()
        for _ in range(args.flows):
            rf.quiz_flow(client, timer, user)
        quiz_page = client.get(f"/quizzes/{QUIZ}").get_data(as_text=True)
        attempt_id = max(map(int, re.findall(r"/attempts/(\d+)/result", quiz_page)))
        url = f"/attempts/{attempt_id}/result"
        insert = lambda: bare.post("/insert", data={"name": "x"})  # noqa: E731
        result = lambda: client.get(url)  # noqa: E731
        for _ in range(20):
            insert(), result(), client.get("/_probe/page")
        if args.kept:
            return _kept(app, attempt_id, insert, result)
        base = best_of(insert)
        empty = best_of(lambda: client.get("/_probe/page"))
        page = best_of(result)
        submit = timer.seconds["submit"] / timer.count["submit"]
    print(
        f"{checkout.name}: bare insert {base * 1000:.2f} ms, signed-in empty page "
        f"{empty * 1000:.2f} ms, result page {page * 1000:.2f} ms = {page / base:.1f}x, "
        f"submit (mean of {timer.count['submit']}) {submit * 1000:.2f} ms = {submit / base:.1f}x"
    )
    return 0


def _kept(app, attempt_id: int, insert, result) -> int:
    """The result page with and without the outcomes kept at submit, rounds alternating."""
    from sqlalchemy import select, update

    from trainer.db import get_session
    from trainer.models import AttemptItem

    with app.app_context():
        kept = dict(
            get_session()
            .execute(
                select(AttemptItem.id, AttemptItem.outcome).where(
                    AttemptItem.attempt_id == attempt_id
                )
            )
            .all()
        )

    def keep(on: bool) -> None:
        with app.app_context():
            session = get_session()
            for item_id, outcome in kept.items():
                session.execute(
                    update(AttemptItem)
                    .where(AttemptItem.id == item_id)
                    .values(outcome=outcome if on else None)
                )
            session.commit()

    best = {"bare insert": float("inf"), "kept": float("inf"), "graded again": float("inf")}
    for _ in range(3):
        best["bare insert"] = min(best["bare insert"], best_of(insert))
        for row in ("kept", "graded again"):
            keep(row == "kept")
            best[row] = min(best[row], best_of(result))
    base = best["bare insert"]
    print(", ".join(f"{row} {s * 1000:.2f} ms = {s / base:.2f}x" for row, s in best.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
