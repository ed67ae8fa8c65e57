"""The team matrix equals a plain recomputation of every cell, on random data, both databases.

The reference below is the matrix's earlier, straightforward loop: each cell's assignments
collected per person, the due day the earliest of theirs (a store assignment giving someone
who joined later as long as the others had), each day taken in the stores' time zone one by
one, every drill cell decided on its own. trainer.tracking.matrix now takes those shortcuts
(the zone once, the due day while assignments are walked, equal drill cells decided once);
this test holds it to the same cells, counts, order and rows.

Data: bench-data's organisation (random people joining over 2.5 years, attempts,
certificates, store-wide course assignments), plus random personal and store assignments of
courses, quizzes and drills with overlapping due days, some cancelled, and random drill runs.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.test_cli import _run
from trainer.certificates.service import local_day
from trainer.db import utcnow
from trainer.domain.tracking import State, decide, effective_due
from trainer.drills.service import best_results
from trainer.models import (
    Assignment,
    Drill,
    DrillParticipant,
    DrillRun,
    Quiz,
    Role,
    Store,
    TargetKind,
    User,
    user_stores,
)
from trainer.tracking import matrix
from trainer.tracking.service import today
from trainer.tracking.standing import gather


@pytest.fixture
def app_config():
    # Far from UTC, so a moment's local day differs from its UTC day for some of them.
    return {"TIMEZONE": "Asia/Shanghai"}


def _random_extras(session, rng: random.Random) -> None:
    """Personal and store assignments of every kind, overlapping; random drill runs."""
    stores = list(session.scalars(select(Store.id).where(Store.code.like("BENCH-%"))))
    cashiers = list(
        session.scalars(
            select(User.id)
            .join(user_stores, user_stores.c.user_id == User.id)
            .where(User.role == Role.CASHIER)
            .order_by(User.id)
        )
    )
    quizzes = list(session.scalars(select(Quiz.slug).where(Quiz.active)))
    drills = list(session.execute(select(Drill.id, Drill.slug)))
    items = [("course", "emergency"), ("course", "card-security")]
    items += [("quiz", slug) for slug in quizzes[:3]] + [("drill", s) for _i, s in drills[:2]]
    now = utcnow()
    for n in range(40):
        kind, ref = rng.choice(items)
        store_wide = rng.random() < 0.3
        session.add(
            Assignment(
                kind=kind,
                ref=ref,
                user_id=None if store_wide else rng.choice(cashiers),
                store_id=rng.choice(stores) if store_wide else None,
                due_on=(now + timedelta(days=rng.randint(-200, 60))).date(),
                created_at=now - timedelta(days=rng.randint(0, 900), hours=rng.randint(0, 23)),
                cancelled_at=now if n % 9 == 0 else None,
            )
        )
    for drill_id, _slug in drills[:2]:
        run = DrillRun(drill_id=drill_id, definition={}, definition_hash="x", mode="solo")
        run.status = "finished"
        session.add(run)
        session.flush()
        for uid in rng.sample(cashiers, len(cashiers) // 2):
            percent = rng.choice([40.0, 70.0, 90.0, 100.0])
            session.add(
                DrillParticipant(
                    run_id=run.id,
                    user_id=uid,
                    nonce=f"n{run.id}-{uid}",
                    answers=[],
                    finished_at=now - timedelta(days=rng.randint(0, 300)),
                    percent=percent,
                    passed=percent >= 80,
                    critical_count=rng.choice([0, 0, 1]),
                )
            )
    session.commit()


def _reference(session, state: str | None, sort: str):
    """Every cell decided one by one from the gathered facts; rows filtered, counted, sorted."""
    people = select(User.id).where(User.active, User.role == Role.CASHIER)
    known = gather(session, people)
    rows: dict[int, dict] = {}
    joined, members = {}, defaultdict(list)
    for uid, name, created, code, sid in session.execute(
        select(User.id, User.name, User.created_at, Store.code, Store.id)
        .join(user_stores, user_stores.c.user_id == User.id, isouter=True)
        .join(Store, Store.id == user_stores.c.store_id, isouter=True)
        .where(User.id.in_(people))
        .order_by(User.name, User.id)
    ):
        if uid not in rows:
            rows[uid] = {"id": uid, "name": name, "store": code or "—", "cells": {}}
            joined[uid] = local_day(created)
            members[sid].append(uid)
    runs = best_results(session, rows)
    covering = defaultdict(list)
    for a in session.scalars(
        select(Assignment).where(Assignment.cancelled_at.is_(None)).order_by(Assignment.id)
    ):
        keys = [f"{a.kind}:{a.ref}"]
        if a.kind == TargetKind.COURSE and a.ref in known.courses:
            keys += [f"drill:{slug}" for slug in known.courses[a.ref].required_drills or []]
        for uid in [a.user_id] if a.user_id else members.get(a.store_id, []):
            if uid in rows:
                for key in keys:
                    covering[(uid, key)].append(a)
    on = today()
    for (uid, key), found in covering.items():
        due = min(
            effective_due(a.due_on, local_day(a.created_at), joined[uid])
            if a.store_id
            else a.due_on
            for a in found
        )
        kind, ref = key.split(":", 1)
        if kind == "drill":
            cell = matrix._drill_cell(runs.get(uid, {}).get(ref), due, on)
        else:
            facts = known.facts(kind, ref, uid)
            cell = decide(kind, facts, due, on, known.recertify_days(kind, ref))
        rows[uid]["cells"][key] = cell
    chosen = [r for r in rows.values() if r["cells"]]
    if state:
        chosen = [r for r in chosen if any(c.state == state for c in r["cells"].values())]
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in chosen:
        for key, cell in row["cells"].items():
            counts[key][cell.state] += 1

    def count(row, wanted):
        return sum(1 for c in row["cells"].values() if c.state is wanted)

    if sort == "store":
        chosen.sort(key=lambda r: (r["store"], r["name"]))
    elif sort == "overdue":
        chosen.sort(key=lambda r: (-count(r, State.OVERDUE), -count(r, State.FAILED), r["name"]))
    return chosen, counts


def test_matrix_equals_a_cell_by_cell_recomputation(app, session, people):
    _run(app, "content", "import")
    result = _run(app, "bench-data", "--staff", "60", "--attempts", "600", "--seed", "3")
    assert result.exit_code == 0, result.output
    _random_extras(session, random.Random(5))
    compliance = session.get(User, people["compliance"].user.id)
    seen_states = set()
    for state in (None, "overdue", "failed", "passed"):
        for sort in matrix.SORTS:
            built = matrix.build(session, compliance, state=state, sort=sort)
            rows, counts = _reference(session, state, sort)
            assert [r.id for r in built.rows] == [r["id"] for r in rows]
            for got, want in zip(built.rows, rows, strict=True):
                assert got.cells == want["cells"]
                seen_states |= {c.state for c in got.cells.values()}
            assert {c.item.key: dict(c.counts) for c in built.columns if c.counts} == {
                key: dict(found) for key, found in counts.items()
            }
    # The random data reaches the states that matter for counts and the overdue order.
    assert {State.OVERDUE, State.FAILED, State.PASSED, State.NOT_STARTED} <= seen_states
