"""The team matrix: staff × assigned items, each cell decided by trainer.domain.tracking.

Built with a fixed number of statements whatever the number of people, items or attempts
(people; assignments; the facts trainer.tracking.standing gathers; best drill runs): each is one
query over everyone in scope, grouped in SQL where rows would multiply.

Drills get a column when they are assigned, and when a course assigned to someone requires
them (its current version's ``required_drills``): those cells share the course's due day and
show the best run's score, or its critical error.
"""

from __future__ import annotations

import functools
import gc
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day, local_zone
from trainer.domain.tracking import Cell, Facts, State, decide, effective_due
from trainer.drills.service import PersonResult, best_results
from trainer.models import Assignment, Store, TargetKind, User, user_stores
from trainer.tracking.service import Item, assignments_query, staff_query, today
from trainer.tracking.standing import gather

SORTS = ("name", "store", "overdue")


@dataclass
class Column:
    """An assigned item, with how many people are in each state."""

    item: Item
    counts: Counter = field(default_factory=Counter)


@dataclass
class Row:
    """A person and their cells by item key (no cell: not assigned to them)."""

    id: int
    name: str
    employee_no: str | None
    store_code: str
    store_id: int
    cells: dict[str, Cell] = field(default_factory=dict)

    def count(self, state: State) -> int:
        """How many of the person's cells are in ``state``."""
        return sum(1 for cell in self.cells.values() if cell.state is state)


@dataclass
class Matrix:
    """Columns and rows, filtered and sorted; ``assignments`` per (person, item) key."""

    columns: list[Column]
    rows: list[Row]
    assignments: dict[tuple[int, str], list[Assignment]]


def _cycle_collector_paused(function):
    """Run ``function`` with Python's cycle collector paused, as it was before afterwards.

    At the compliance scope a build makes some 200,000 short-lived, acyclic objects (rows,
    facts, cells); each time that many allocations pile up the collector walks every live
    object again, a third of the build's time (0.6 s of 1.7 s measured). They are freed by
    reference counting as usual; a cycle made meanwhile waits for the next collection.
    """

    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@_cycle_collector_paused
def build(
    session: Session,
    viewer: User | None,
    *,
    store_id: int | None = None,
    item_key: str | None = None,
    state: str | None = None,
    sort: str = "name",
    person_id: int | None = None,
    on: date | None = None,
) -> Matrix:
    """The matrix for ``viewer``'s scope with the page's filters (or one person's row).

    Without a viewer (the daily reminder run) every store is in scope.
    """
    if person_id is not None:
        people = select(User.id).where(User.id == person_id)
        assignments = select(Assignment).where(
            Assignment.cancelled_at.is_(None),
            (Assignment.user_id == person_id)
            | Assignment.store_id.in_(
                select(user_stores.c.store_id).where(user_stores.c.user_id == person_id)
            ),
        )
    else:
        people = staff_query(viewer, store_id)
        assignments = assignments_query(viewer, store_id)
    zone = local_zone()  # resolved once: thousands of days are taken below
    rows: dict[int, Row] = {}
    joined: dict[int, date] = {}
    for uid, name, number, created, sid, code in session.execute(
        select(User.id, User.name, User.employee_no, User.created_at, Store.id, Store.code)
        .join(user_stores, user_stores.c.user_id == User.id, isouter=True)
        .join(Store, Store.id == user_stores.c.store_id, isouter=True)
        .where(User.id.in_(people))
        .order_by(User.name, User.id)
    ):
        if uid not in rows:
            rows[uid] = Row(uid, name, number, code or "—", sid or 0)
            joined[uid] = local_day(created, zone)
    by_store: dict[int, list[int]] = defaultdict(list)
    for row in rows.values():
        by_store[row.store_id].append(row.id)
    known = gather(session, people)
    runs = best_results(session, rows)

    columns: dict[str, Column] = {}
    covering: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    # The earliest due day of the assignments covering each cell, taken while they are
    # walked: each assignment's attributes and local day are read once, not once per person
    # it covers (5,000 staff × 10 columns made 50,000 time-zone conversions).
    dues: dict[tuple[int, str], date] = {}
    for assignment in session.scalars(assignments.order_by(Assignment.id)):
        due_on = assignment.due_on
        # A store assignment gives someone who joined later as long as the others had.
        assigned_on = local_day(assignment.created_at, zone) if assignment.store_id else None
        items = [(assignment.kind, assignment.ref)]
        if assignment.kind == TargetKind.COURSE and assignment.ref in known.courses:
            required = known.courses[assignment.ref].required_drills or []
            items += [(TargetKind.DRILL.value, slug) for slug in required]
        who = [assignment.user_id] if assignment.user_id else by_store.get(assignment.store_id, [])
        who = [uid for uid in who if uid in rows]
        for kind, ref in items:
            key = f"{kind}:{ref}"
            if item_key and key != item_key:
                continue
            if key not in columns:
                columns[key] = Column(Item(kind, ref, known.title(kind, ref)))
            for uid in who:
                covering[(uid, key)].append(assignment)
                due = (
                    due_on
                    if assigned_on is None
                    else effective_due(due_on, assigned_on, joined[uid])
                )
                if (uid, key) not in dues or due < dues[(uid, key)]:
                    dues[(uid, key)] = due

    now_day = on or today()
    # Drill cells repeat (no run yet, or the same score) across thousands of people: each
    # distinct (best run, due day) is decided once.
    drill_cells: dict[tuple, Cell] = {}
    for (uid, key), due in dues.items():
        column = columns[key]
        kind, ref = column.item.kind, column.item.ref
        if kind == TargetKind.DRILL:
            best = runs.get(uid, {}).get(ref)
            memo = (due, best and (best.percent, best.passed, best.critical_count))
            if memo not in drill_cells:
                drill_cells[memo] = _drill_cell(best, due, now_day)
            rows[uid].cells[key] = drill_cells[memo]
            continue
        rows[uid].cells[key] = decide(
            kind, known.facts(kind, ref, uid), due, now_day, known.recertify_days(kind, ref)
        )

    chosen = [r for r in rows.values() if r.cells or person_id is not None]
    if state:
        chosen = [r for r in chosen if any(c.state == state for c in r.cells.values())]
    for row in chosen:
        for key, cell in row.cells.items():
            columns[key].counts[cell.state] += 1
    if sort == "store":
        chosen.sort(key=lambda r: (r.store_code, r.name))
    elif sort == "overdue":
        chosen.sort(key=lambda r: (-r.count(State.OVERDUE), -r.count(State.FAILED), r.name))
    ordered = sorted(columns.values(), key=lambda c: (c.item.kind != TargetKind.COURSE, c.item.ref))
    return Matrix(ordered, chosen, dict(covering))


def _drill_cell(best: PersonResult | None, due: date, today: date) -> Cell:
    """A drill's cell from the person's best finished run (passed first, then score)."""
    if best is None:
        return decide(TargetKind.DRILL.value, Facts(), due, today)
    facts = Facts(attempts=1, best=best.percent, passed=best.passed)
    cell = decide(TargetKind.DRILL.value, facts, due, today)
    # One "attempt" stands for "has run it": the cell shows the critical error, not a count.
    critical = not best.passed and best.critical_count > 0
    return replace(cell, attempts=0, critical=critical)
