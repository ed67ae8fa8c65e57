"""The team matrix's cells decided ahead, so its counts, filter and order need no Python per cell.

At compliance scope the page counts and sorts 50,000 cells (5,000 staff × 10 items) for each
request; deciding each of them from its facts took about a second. Here every cell is decided
once, by the matrix's own rules (``matrix.collect`` and ``Decided.cell``: the same code as the
page's rows), and kept in ``matrix_cell`` with the moments its state changes by time alone, so
SQL judges it against now.

Which cells to decide again is written by database triggers (``TRIGGERS``): a change to a
person's attempts, certificates, reading, acknowledgements, drill runs, stores or assignments
marks them in ``matrix_stale``; a content change or a store assignment marks everyone concerned
(user id 0: everyone). Triggers rather than calls in the services, because attempts and
certificates are also written by bulk statements (mass starts, bench data) that no ORM event
sees. The next team page decides the marked people again before it reads (``refresh``).

The same marks keep the trends report's on-time outcomes (trainer.tracking.ontime), which
follow the same facts: ``refresh`` decides both, and the trends page calls it too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, Select, case, delete, func, insert, inspect, select
from sqlalchemy.orm import Session

from trainer.certificates.service import local_day, local_zone
from trainer.db import utcnow
from trainer.domain.tracking import State
from trainer.models import MatrixCell, MatrixStale, Store, TargetKind, User, user_stores
from trainer.tracking import matrix, ontime
from trainer.tracking.service import assignments_query, staff_query

#: Moments a cell's state may change by time alone, at most: a certificate comes up for renewal,
#: expires, then its due day passes (passed, expiring, expired, overdue).
MOMENTS = 3
#: Beyond this many marked people, deciding everyone again is as quick and one statement shorter.
EVERYONE_FROM = 1000
_BATCH = 5000

# --- the triggers that mark people -----------------------------------------------------------

#: (table, operations, who is concerned: a SELECT of user ids, ``{row}`` being NEW or OLD)
TRIGGERS: list[tuple[str, tuple[str, ...], str]] = [
    *(
        (table, ("INSERT", "UPDATE", "DELETE"), "SELECT {row}.user_id")
        for table in (
            "attempt",
            "certificate",
            "lesson_read",
            "acknowledgement",
            "user_store",
        )
    ),
    # Only a finished run counts (drills.service.best_results): a live drill rewrites each
    # participant's row at every answer, and those answers change no cell until the last.
    (
        "drill_participant",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT {row}.user_id WHERE {row}.finished_at IS NOT NULL",
    ),
    (
        "assignment",
        ("INSERT", "UPDATE", "DELETE"),
        "SELECT {row}.user_id WHERE {row}.user_id IS NOT NULL"
        " UNION SELECT user_id FROM user_store WHERE store_id = {row}.store_id",
    ),
    # A store assignment gives a later joiner as long as the others had: the day they joined.
    ("user", ("UPDATE OF created_at",), "SELECT {row}.id"),
    *(
        (table, ("INSERT", "UPDATE", "DELETE"), "SELECT 0")
        for table in ("course", "course_version", "lesson", "quiz", "drill")
    ),
]


def _rows(operation: str) -> tuple[str, ...]:
    return {"INSERT": ("NEW",), "DELETE": ("OLD",)}.get(operation.split()[0], ("NEW", "OLD"))


def trigger_ddl(bind: Connection) -> list[str]:
    """The statements that create the triggers on ``bind``'s database (SQLite or PostgreSQL).

    An UPDATE that changes nothing marks nobody: a row written again with the values it had
    changes no cell, and marking it would add a write, and on PostgreSQL a wait behind a team
    page deciding that person again, to the request that wrote it.

    SQLite compares the columns the table has when the trigger is created (PostgreSQL compares
    whole rows): a migration that adds a column to one of these tables must drop and create
    the triggers again, or a change to that column alone marks nobody on SQLite.
    """
    dialect = bind.dialect.name
    statements = []
    for table, operations, who in TRIGGERS:
        name = f"matrix_stale_{table}"
        if dialect == "postgresql":
            # json has no equality operator; jsonb does, so the row is compared as jsonb.
            unchanged = (
                " IF TG_OP = 'UPDATE' AND to_jsonb(NEW) = to_jsonb(OLD) THEN RETURN NULL; END IF;"
            )
            body = unchanged + "".join(
                f" IF TG_OP = '{operation.split()[0]}' THEN"
                + "".join(
                    f" INSERT INTO matrix_stale (user_id) {who.format(row=row)}"
                    " ON CONFLICT DO NOTHING;"
                    for row in _rows(operation)
                )
                + " END IF;"
                for operation in operations
            )
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN{body} RETURN NULL; END $$"
            )
            statements.append(
                f'CREATE TRIGGER {name} AFTER {" OR ".join(operations)} ON "{table}"'
                f" FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
            continue
        for operation in operations:
            inserts = "".join(
                f" INSERT OR IGNORE INTO matrix_stale (user_id) {who.format(row=row)};"
                for row in _rows(operation)
            )
            suffix = operation.split()[0].lower()
            when = ""
            if suffix == "update":
                columns = [f'"{column["name"]}"' for column in inspect(bind).get_columns(table)]
                when = (
                    f" WHEN ({', '.join(f'OLD.{c}' for c in columns)})"
                    f" IS NOT ({', '.join(f'NEW.{c}' for c in columns)})"
                )
            statements.append(
                f'CREATE TRIGGER {name}_{suffix} AFTER {operation} ON "{table}"'
                f" FOR EACH ROW{when} BEGIN{inserts} END"
            )
    return statements


def drop_trigger_ddl(dialect: str) -> list[str]:
    """The statements that drop what ``trigger_ddl`` created."""
    statements = []
    for table, operations, _who in TRIGGERS:
        name = f"matrix_stale_{table}"
        if dialect == "postgresql":
            statements.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
            statements.append(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for operation in operations:
                statements.append(f"DROP TRIGGER IF EXISTS {name}_{operation.split()[0].lower()}")
    return statements


# --- deciding cells ahead ---------------------------------------------------------------------


def _midnight(day: date, zone) -> datetime:
    """The moment ``day`` begins in the stores' time zone."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def timeline(found: matrix.Decided, uid: int, key: str, zone) -> list[tuple[datetime | None, str]]:
    """A cell's state from now on: (None, state now), then (moment, state) for each change.

    Each state is the matrix's own decision at that moment (``Decided.cell``); only the
    moments where one may change are listed here: the day after the due day begins, and for
    a course each certificate's expiry and the day its renewal window opens.
    """
    now = found.known.now
    item = found.columns[key].item
    moments = {_midnight(found.dues[(uid, key)] + timedelta(days=1), zone)}
    course = found.known.courses.get(item.ref) if item.kind == TargetKind.COURSE else None
    if course is not None:
        for cert in found.known.certificates.get((uid, course.id), []):
            if cert.revoked_at is None and cert.expires_at is not None:
                renew = local_day(cert.expires_at, zone) - timedelta(course.recertify_days)
                moments |= {cert.expires_at, _midnight(renew, zone)}
    states = [(None, found.cell(uid, key, local_day(now, zone)).state)]
    for moment in sorted(m for m in moments if m > now):
        state = found.cell(uid, key, local_day(moment, zone), found.known.at(moment)).state
        if state != states[-1][1]:
            states.append((moment, state))
    if len(states) > MOMENTS + 1:
        raise ValueError(f"cell {uid} {key} changes state {len(states) - 1} times: {states}")
    return states


def _kept_row(uid: int, key: str, states: list[tuple[datetime | None, str]]) -> dict:
    row = {"user_id": uid, "item": key, "state": states[0][1]}
    for n in range(1, MOMENTS + 1):
        at, state = states[n] if n < len(states) else (None, None)
        row[f"at{n}"], row[f"state{n}"] = at, state
    return row


def refresh(session: Session, everyone: bool = False) -> bool:
    """Decide again the cells and on-time outcomes of everyone marked stale (or everyone's);
    whether any were.

    The marks are taken away first: a change committed while this runs marks its person
    again, so it is seen by the next page rather than lost.
    """
    stale = set(session.scalars(select(MatrixStale.user_id)))
    if not stale and not everyone:
        return False
    session.execute(delete(MatrixStale).where(MatrixStale.user_id.in_(stale)))
    whole = everyone or 0 in stale or len(stale) >= EVERYONE_FROM
    if whole:
        people = select(User.id)
        session.execute(delete(MatrixCell))
    else:
        people = select(User.id).where(User.id.in_(stale))
        session.execute(delete(MatrixCell).where(MatrixCell.user_id.in_(stale)))
    found = matrix.collect(session, people, assignments_query(None))
    zone = local_zone()
    rows = [_kept_row(uid, key, timeline(found, uid, key, zone)) for uid, key in found.dues]
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(MatrixCell), rows[start : start + _BATCH])
    # The trends report's outcomes follow the same facts, so the same marks.
    ontime.keep(session, people, everyone=whole)
    return True


def rebuild(session: Session) -> None:
    """Decide every cell and outcome again (after bulk changes, or a change of
    TRAINER_TIMEZONE)."""
    refresh(session, everyone=True)


# --- reading them -----------------------------------------------------------------------------


def state_at(now: datetime):
    """A kept cell's state at ``now``, as SQL."""
    c = MatrixCell
    return case(
        (c.at3 <= now, c.state3), (c.at2 <= now, c.state2), (c.at1 <= now, c.state1), else_=c.state
    )


@dataclass
class Counted:
    """A person in scope with how many of their cells are in the states the order needs."""

    id: int
    name: str
    store_code: str
    states: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    """The people in scope with cells (in the state filter's state, if any), in name order,
    and the counts of their cells per column and state."""

    rows: list[Counted]
    counts: dict[str, Counter]


def tally(
    session: Session, people: Select, item_key: str | None, state: str | None, now: datetime
) -> Tally:
    """Everyone's kept cells in scope, counted in SQL (two statements)."""
    in_scope = [MatrixCell.user_id.in_(people)]
    if item_key:
        in_scope.append(MatrixCell.item == item_key)
    # Each cell judged once (a subquery), then counted.
    cells = select(MatrixCell.user_id, MatrixCell.item, state_at(now).label("state")).where(
        *in_scope
    )
    if state:
        having = select(MatrixCell.user_id).where(*in_scope, state_at(now) == state)
        cells = cells.where(MatrixCell.user_id.in_(having))
    cells = cells.subquery()
    per_person = (
        select(
            cells.c.user_id,
            *(
                func.count().filter(cells.c.state == s).label(s)
                for s in (State.OVERDUE, State.FAILED)
            ),
        )
        .group_by(cells.c.user_id)
        .subquery()
    )
    rows: dict[int, Counted] = {}
    for uid, name, code, overdue, failed in session.execute(
        select(User.id, User.name, Store.code, per_person.c.overdue, per_person.c.failed)
        .join(per_person, per_person.c.user_id == User.id)
        .join(user_stores, user_stores.c.user_id == User.id, isouter=True)
        .join(Store, Store.id == user_stores.c.store_id, isouter=True)
        .order_by(User.name, User.id)
    ):
        if uid not in rows:
            rows[uid] = Counted(
                uid, name, code or "—", {State.OVERDUE: overdue, State.FAILED: failed}
            )
    counts: dict[str, Counter] = {}
    for key, cell, n in session.execute(
        select(cells.c.item, cells.c.state, func.count()).group_by(cells.c.item, cells.c.state)
    ):
        counts.setdefault(key, Counter())[State(cell)] = n
    return Tally(list(rows.values()), counts)


def page(
    session: Session,
    viewer: User | None,
    *,
    number: int,
    size: int,
    store_id: int | None = None,
    item_key: str | None = None,
    state: str | None = None,
    sort: str = "name",
) -> tuple[matrix.Matrix, int]:
    """One page of the team matrix, and how many rows all its pages hold.

    The counts per column, the state filter and the order are read from the kept cells;
    only the page's rows are decided by ``matrix.build`` (tests/test_matrix_equivalence.py
    holds both to a cell-by-cell recomputation). Call ``refresh`` first.
    """
    people = staff_query(viewer, store_id)
    counted = tally(session, people, item_key, state, utcnow())
    chosen = counted.rows
    matrix.sort_rows(chosen, sort, lambda row, wanted: row.states.get(wanted, 0))
    shown = [row.id for row in chosen[(number - 1) * size : number * size]]
    built = matrix.build(session, viewer, store_id=store_id, item_key=item_key, people=shown)
    for column in built.columns:
        column.counts = counted.counts.get(column.item.key, Counter())
    by_id = {row.id: row for row in built.rows}
    rows = [by_id[uid] for uid in shown if uid in by_id]
    return matrix.Matrix(built.columns, rows, built.assignments), len(chosen)
