"""The team matrix: staff × assigned items, each cell decided by trainer.domain.tracking.

Built with a fixed number of statements whatever the number of people, items or attempts
(people; assignments; the facts trainer.tracking.standing gathers; best drill runs): each is one
query over everyone in scope, grouped in SQL where rows would multiply.

Drills get a column when they are assigned, and when a course assigned to someone requires
them (its current version's ``required_drills``): those cells share the course's due day and
show the best run's score, or its critical error.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day
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
            joined[uid] = local_day(created)
    by_store: dict[int, list[int]] = defaultdict(list)
    for row in rows.values():
        by_store[row.store_id].append(row.id)
    known = gather(session, people)
    runs = best_results(session, rows)

    columns: dict[str, Column] = {}
    covering: dict[tuple[int, str], list[Assignment]] = defaultdict(list)
    # Each assignment's local day once, not once per person it covers (5,000 staff × 10
    # columns made 50,000 time-zone conversions: 0.6 s of the compliance page).
    created_on: dict[int, date] = {}
    for assignment in session.scalars(assignments.order_by(Assignment.id)):
        created_on[assignment.id] = local_day(assignment.created_at)
        items = [(assignment.kind, assignment.ref)]
        if assignment.kind == TargetKind.COURSE and assignment.ref in known.courses:
            required = known.courses[assignment.ref].required_drills or []
            items += [(TargetKind.DRILL.value, slug) for slug in required]
        who = [assignment.user_id] if assignment.user_id else by_store.get(assignment.store_id, [])
        for kind, ref in items:
            key = f"{kind}:{ref}"
            if item_key and key != item_key:
                continue
            if key not in columns:
                columns[key] = Column(Item(kind, ref, known.title(kind, ref)))
            for uid in who:
                if uid in rows:
                    covering[(uid, key)].append(assignment)

    now_day = on or today()
    for (uid, key), found in covering.items():
        column = columns[key]
        due = min(
            effective_due(a.due_on, created_on[a.id], joined[uid]) if a.store_id else a.due_on
            for a in found
        )
        kind, ref = column.item.kind, column.item.ref
        if kind == TargetKind.DRILL:
            rows[uid].cells[key] = _drill_cell(runs.get(uid, {}).get(ref), due, now_day)
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
