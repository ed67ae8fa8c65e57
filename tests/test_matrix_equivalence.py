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
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.report_data import question_ids, record_attempt
from tests.test_cli import _run
from trainer.admin.service import create_user
from trainer.certificates.service import issue, local_day, revoke
from trainer.db import utcnow
from trainer.domain.tracking import State, decide, effective_due
from trainer.drills.service import best_results
from trainer.models import (
    Acknowledgement,
    Assignment,
    Course,
    CourseVersion,
    Drill,
    DrillParticipant,
    DrillRun,
    LessonRead,
    MatrixCell,
    MatrixStale,
    OnTimeOutcome,
    Quiz,
    RevocationReason,
    Role,
    Store,
    TargetKind,
    User,
    user_stores,
)
from trainer.quizzes.service import load_attempt, save_responses, start_attempt, submit
from trainer.tracking import kept, matrix
from trainer.tracking.service import Item, assign, cancel, change_due, today
from trainer.tracking.standing import gather


@pytest.fixture
def app_config():
    # Far from UTC, so a moment's local day differs from its UTC day for some of them.
    return {"TIMEZONE": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _in_app_context(app):
    # Days are taken in the stores' zone (the app's setting), as in a request or a command.
    with app.app_context():
        yield


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


def _reference(session, state: str | None, sort: str, at: datetime | None = None):
    """Every cell decided one by one from the gathered facts (judged at ``at``, by default
    now); rows filtered, counted, sorted."""
    people = select(User.id).where(User.active, User.role == Role.CASHIER)
    known = gather(session, people)
    if at is not None:
        known = known.at(at)
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
    on = today() if at is None else local_day(at)
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

    # The team page: counts, filter and order from the kept cells, its rows decided.
    assert kept.refresh(session)
    for state in (None, "overdue", "failed", "passed"):
        for sort in matrix.SORTS:
            rows, counts = _reference(session, state, sort)
            shown, number, total = [], 1, None
            while number == 1 or len(shown) < total:
                page, total = kept.page(
                    session, compliance, number=number, size=7, state=state, sort=sort
                )
                assert {c.item.key: dict(c.counts) for c in page.columns if c.counts} == {
                    key: dict(found) for key, found in counts.items()
                }
                shown += page.rows
                number += 1
            assert total == len(rows)
            assert [r.id for r in shown] == [r["id"] for r in rows]
            assert [r.cells for r in shown] == [r["cells"] for r in rows]
    # One store, one column, and a supervisor's scope.
    store = session.scalar(select(Store).where(Store.code.like("BENCH-%")).order_by(Store.id))
    page, _total = kept.page(session, compliance, number=1, size=1000, store_id=store.id)
    assert page.rows == matrix.build(session, compliance, store_id=store.id).rows
    page, _total = kept.page(session, compliance, number=1, size=1000, item_key="course:emergency")
    assert page.rows == matrix.build(session, compliance, item_key="course:emergency").rows


def _kept(session) -> dict:
    """The kept cells, and the trends report's kept on-time outcomes (the same marks)."""
    cells = {
        (c.user_id, c.item): (c.state, c.at1, c.state1, c.at2, c.state2, c.at3, c.state3)
        for c in session.scalars(select(MatrixCell))
    }
    outcomes = {
        ("on time", o.assignment_id, o.user_id): (o.due_on, o.met)
        for o in session.scalars(select(OnTimeOutcome))
    }
    return cells | outcomes


def _states_at(session, moment: datetime) -> dict:
    """Each kept cell of an active cashier judged at ``moment`` in SQL."""
    return {
        (uid, item): cell
        for uid, item, cell in session.execute(
            select(MatrixCell.user_id, MatrixCell.item, kept.state_at(moment))
            .join(User, User.id == MatrixCell.user_id)
            .where(User.active, User.role == Role.CASHIER)
        )
    }


def test_kept_cells_change_with_time_as_the_rules_say(app, session, people):
    """Judged at any later moment (each moment a kept cell changes, just before it, and
    others), the kept cells equal every cell decided at that moment."""
    _run(app, "content", "import")
    result = _run(app, "bench-data", "--staff", "60", "--attempts", "600", "--seed", "4")
    assert result.exit_code == 0, result.output
    _random_extras(session, random.Random(6))
    kept.rebuild(session)
    session.commit()
    moments = sorted(
        {m for c in session.scalars(select(MatrixCell)) for m in (c.at1, c.at2, c.at3) if m}
    )
    assert len(moments) > 20  # due days passing, renewals opening, certificates expiring
    rng = random.Random(7)
    now = utcnow()
    chosen = rng.sample(moments, 12) + [now + timedelta(days=d) for d in (0.5, 40, 400, 900)]
    for moment in chosen + [m - timedelta(microseconds=1) for m in chosen[:12]]:
        rows, _counts = _reference(session, None, "name", at=moment)
        want = {(r["id"], key): cell.state for r in rows for key, cell in r["cells"].items()}
        assert _states_at(session, moment) == want, moment


def _assert_kept_fresh(session, before: dict | None = None) -> dict:
    """What the marks made the next page decide again equals deciding everyone again; with
    ``before``, the change also changed some kept cell (else the check proves nothing)."""
    kept.refresh(session)
    session.commit()
    refreshed = _kept(session)
    kept.rebuild(session)
    session.commit()
    assert refreshed == _kept(session)
    if before is not None:
        assert refreshed != before
    return refreshed


def test_kept_cells_follow_every_kind_of_change(app, session, people):
    """Each way a cell's facts change marks its people, whatever code writes it."""
    _run(app, "content", "import")
    result = _run(app, "bench-data", "--staff", "40", "--attempts", "300", "--seed", "8")
    assert result.exit_code == 0, result.output
    _random_extras(session, random.Random(9))
    stores = list(
        session.scalars(select(Store).where(Store.code.like("BENCH-%")).order_by(Store.id))
    )
    compliance = session.get(User, people["compliance"].user.id)
    newcomers = [
        create_user(
            session, username=f"new{i}", name=f"New {i}", role=Role.CASHIER, stores=[stores[0]]
        ).user
        for i in range(7)
    ]
    snapshot = _assert_kept_fresh(session)
    quiz = session.scalar(select(Quiz).where(Quiz.slug == "emergency-quiz"))
    course = session.scalar(select(Course).where(Course.code == "emergency"))
    version = session.scalar(
        select(CourseVersion).where(CourseVersion.course_id == course.id, CourseVersion.current)
    )
    soon = today() + timedelta(days=3)
    for kind, ref in (("quiz", quiz.slug), ("course", course.code)):
        assign(session, compliance, Item(kind, ref, {}), soon, people=newcomers)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # An attempt started (in progress), then submitted and graded (failed: no answers).
    attempt = start_attempt(session, newcomers[0], quiz)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # An autosave changes no cell and marks nobody: the commonest request writes no mark.
    save_responses(session, load_attempt(session, attempt.id), {1: {"choice": "c0"}})
    session.commit()
    assert session.scalars(select(MatrixStale.user_id)).all() == []
    submit(session, attempt, responses={})
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # A graded attempt stored by a bulk insert, as bench data and mass starts write them.
    qid = next(iter(question_ids(session)))
    record_attempt(session, newcomers[1], quiz, [(qid, 0.0, 1.0, None)])
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # A drill run under way: joining and answering change no cell and mark nobody.
    drill = session.scalar(select(Drill).where(Drill.slug == version.required_drills[0]))
    run = DrillRun(drill_id=drill.id, definition={}, definition_hash="x", mode="solo")
    run.status = "running"
    session.add(run)
    session.flush()
    participant = DrillParticipant(run_id=run.id, user_id=newcomers[1].id, nonce="kept", answers=[])
    session.add(participant)
    session.commit()
    participant.answers = [{"step": "s1"}]
    session.commit()
    assert session.scalars(select(MatrixStale.user_id)).all() == []
    # ... then finished (the course requires it).
    run.status = "finished"
    participant.finished_at, participant.percent = utcnow(), 100.0
    participant.passed, participant.critical_count = True, 0
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # A certificate issued, then revoked.
    issued = issue(session, newcomers[2], course, version, score=95.0)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    revoke(session, issued, reason=RevocationReason.ISSUED_IN_ERROR, note="t", actor=compliance)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # Assignments to a person and to a store, their due day changed, then cancelled.
    item = Item("quiz", "card-security-quiz", {})
    made = assign(session, compliance, item, soon, people=[newcomers[3]], stores=[stores[-1]])
    personal, store_wide = sorted(made, key=lambda a: a.user_id is None)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    change_due(session, compliance, personal, today() + timedelta(days=10))
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # A cashier moving into the assigned store; its due day passing (the form refuses a past
    # day); one who joined later than recorded.
    newcomers[5].stores = [stores[-1]]
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    store_wide.due_on = today() - timedelta(days=2)
    session.commit()
    snapshot = _assert_kept_fresh(session)  # may change nothing: the random extras overlap
    newcomers[6].created_at = utcnow() + timedelta(days=30)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    cancel(session, compliance, personal)
    cancel(session, compliance, store_wide)
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # Reading and acknowledging a course.
    session.add(
        LessonRead(user_id=newcomers[4].id, course_id=course.id, lesson_slug="01-network-outage")
    )
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    session.add(
        Acknowledgement(
            user_id=newcomers[4].id,
            course_id=course.id,
            version=version.version,
            major=version.major,
        )
    )
    session.commit()
    snapshot = _assert_kept_fresh(session, snapshot)
    # Content imported again (marks everyone), the demo organisation added.
    _run(app, "content", "import")
    snapshot = _assert_kept_fresh(session)
    result = _run(app, "demo", "--staff", "3")
    assert result.exit_code == 0, result.output
    _assert_kept_fresh(session, snapshot)
