"""The team matrix: staff × assigned items, each cell decided by trainer.domain.tracking.

Built with a fixed number of statements whatever the number of people, items or attempts
(people; assignments; the facts trainer.tracking.standing gathers; best drill runs): each is one
query over everyone in scope, grouped in SQL where rows would multiply.

The team page reads its counts, state filter and order from the cells kept ahead by
trainer.tracking.kept (decided by ``collect`` and ``Decided.cell`` below) and builds only the
rows it shows; the export, the reminders and a person's page build every cell of theirs.

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

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day, local_zone
from trainer.domain.tracking import Cell, Facts, State, decide, effective_due
from trainer.drills.service import PersonResult, best_results
from trainer.models import Assignment, Store, TargetKind, User, user_stores
from trainer.tracking.service import Item, assignments_query, staff_query, today
from trainer.tracking.standing import Gathered, gather

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


@dataclass
class Decided:
    """Everyone's due day per (person, item key), and what deciding their cells needs."""

    rows: dict[int, Row]
    columns: dict[str, Column]
    covering: dict[tuple[int, str], list[Assignment]]
    dues: dict[tuple[int, str], date]
    known: Gathered
    runs: dict[int, dict[str, PersonResult]]

    def cell(self, uid: int, key: str, now_day: date, known: Gathered | None = None) -> Cell:
        """The cell of ``uid`` and ``key`` on ``now_day`` (facts judged at ``known.now``)."""
        known = known or self.known
        column = self.columns[key]
        kind, ref = column.item.kind, column.item.ref
        due = self.dues[(uid, key)]
        if kind == TargetKind.DRILL:
            return _drill_cell(self.runs.get(uid, {}).get(ref), due, now_day)
        return decide(
            kind, known.facts(kind, ref, uid), due, now_day, known.recertify_days(kind, ref)
        )


def collect(
    session: Session, people: Select, assignments: Select, item_key: str | None = None
) -> Decided:
    """The people ``people`` selects, the facts about them, and the due day of each of their
    cells under the open ``assignments`` (a fixed number of statements)."""
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
    return Decided(rows, columns, covering, dues, known, runs)


def _scope(
    viewer: User | None, store_id: int | None, person_id: int | None, only: list[int] | None
) -> tuple[Select, Select]:
    """The people and the open assignments of the page's scope (or of one person)."""
    if person_id is None:
        people = staff_query(viewer, store_id)
        if only is not None:
            people = people.where(User.id.in_(only))
        return people, assignments_query(viewer, store_id)
    people = select(User.id).where(User.id == person_id)
    assignments = select(Assignment).where(
        Assignment.cancelled_at.is_(None),
        (Assignment.user_id == person_id)
        | Assignment.store_id.in_(
            select(user_stores.c.store_id).where(user_stores.c.user_id == person_id)
        ),
    )
    return people, assignments


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
    people: list[int] | None = None,
    on: date | None = None,
) -> Matrix:
    """The matrix for ``viewer``'s scope with the page's filters (or one person's row, or the
    rows of ``people`` in scope), every cell decided here.

    Without a viewer (the daily reminder run) every store is in scope.
    """
    chosen_people, assignments = _scope(viewer, store_id, person_id, people)
    found = collect(session, chosen_people, assignments, item_key)
    rows, columns = found.rows, found.columns
    now_day = on or today()
    # Drill cells repeat (no run yet, or the same score) across thousands of people: each
    # distinct (best run, due day) is decided once.
    drill_cells: dict[tuple, Cell] = {}
    for (uid, key), due in found.dues.items():
        item = columns[key].item
        if item.kind == TargetKind.DRILL:
            best = found.runs.get(uid, {}).get(item.ref)
            memo = (due, best and (best.percent, best.passed, best.critical_count))
            if memo not in drill_cells:
                drill_cells[memo] = _drill_cell(best, due, now_day)
            rows[uid].cells[key] = drill_cells[memo]
            continue
        rows[uid].cells[key] = found.cell(uid, key, now_day)

    chosen = [r for r in rows.values() if r.cells or person_id is not None or people is not None]
    if state:
        chosen = [r for r in chosen if any(c.state == state for c in r.cells.values())]
    for row in chosen:
        for key, cell in row.cells.items():
            columns[key].counts[cell.state] += 1
    sort_rows(chosen, sort, lambda row, wanted: row.count(wanted))
    return Matrix(_ordered(columns), chosen, dict(found.covering))


def sort_rows(rows: list, sort: str, count) -> None:
    """Sort ``rows`` (in name order) by store or by overdue, then failed cells, in place."""
    if sort == "store":
        rows.sort(key=lambda r: (r.store_code, r.name))
    elif sort == "overdue":
        rows.sort(key=lambda r: (-count(r, State.OVERDUE), -count(r, State.FAILED), r.name))


def _ordered(columns: dict[str, Column]) -> list[Column]:
    return sorted(columns.values(), key=lambda c: (c.item.kind != TargetKind.COURSE, c.item.ref))


def _drill_cell(best: PersonResult | None, due: date, today: date) -> Cell:
    """A drill's cell from the person's best finished run (passed first, then score)."""
    if best is None:
        return decide(TargetKind.DRILL.value, Facts(), due, today)
    facts = Facts(attempts=1, best=best.percent, passed=best.passed)
    cell = decide(TargetKind.DRILL.value, facts, due, today)
    # One "attempt" stands for "has run it": the cell shows the critical error, not a count.
    critical = not best.passed and best.critical_count > 0
    return replace(cell, attempts=0, critical=critical)
