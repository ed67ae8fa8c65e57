"""The audit log: writing one event per call in the caller's transaction, and checking the
hash chain (`trainer audit verify`, `trainer audit head`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import Connection, false, func, insert, select, update
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.models import AuditEvent, User

_EVENTS = AuditEvent.__table__
_LAST_HASH = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT_EVENT = insert(_EVENTS)
_HEX64 = re.compile(r"[0-9a-f]{64}")
# Appending to the chain is serialised: a writer holds the chain until its transaction ends,
# so two writers cannot both read the same last event and fork the chain. PostgreSQL: an
# advisory lock for the transaction. SQLite: any write takes the database's one write lock
# until the commit, and this one changes nothing (see _hold_chain).
_CHAIN_LOCK_KEY = 0x61756469  # "audi"
_LOCK_POSTGRESQL = select(func.pg_advisory_xact_lock(_CHAIN_LOCK_KEY))
_LOCK_SQLITE = update(_EVENTS).where(false()).values(id=_EVENTS.c.id)


def _digest(prev: str | None, event: dict) -> str:
    payload = json.dumps(
        {
            "prev": prev,
            "at": event["at"].isoformat(),
            "actor": event["actor_id"],
            "action": event["action"],
            "target": [event["target_type"], event["target_id"]],
            "details": event["details"],
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _hold_chain(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_POSTGRESQL)
    elif not conn.connection.dbapi_connection.in_transaction:
        # pysqlite opens a transaction only just before a write, and the write takes the lock:
        # a transaction under way (an attempt just inserted …) holds it already.
        conn.execute(_LOCK_SQLITE)


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    target: object | None = None,
    details: dict | None = None,
) -> None:
    """Write an audit event in ``session``'s transaction: it commits or rolls back with the
    caller's work.

    ``target`` is a model (named by its class, or its ``AUDIT_TYPE``) with a ``serial`` or an
    ``id``. The event is one INSERT, not an object for the unit of work, because some of the
    busiest requests (starting and submitting attempts) write one.
    """
    target_type = target_id = None
    if target is not None:
        target_type = getattr(target, "AUDIT_TYPE", None) or type(target).__name__.lower()
        target_id = str(getattr(target, "serial", None) or getattr(target, "id", None))
    session.flush()  # rows this event refers to go first (no autoflush on the connection)
    conn = session.connection()
    _hold_chain(conn)
    prev = conn.execute(_LAST_HASH).scalar()
    event = {
        "at": utcnow(),
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "details": details or {},
        "ip": request.remote_addr if has_request_context() else None,
        "prev_hash": prev,
    }
    event["hash"] = _digest(prev, event)
    conn.execute(_INSERT_EVENT, event)


# --- checking the chain ----------------------------------------------------------------------

#: The columns an event's hash covers (see _digest).
HASHED = ("at", "actor_id", "action", "target_type", "target_id", "details")


@dataclass(frozen=True)
class ChainProblem:
    """The first place where the log is not what was written."""

    event_id: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.event_id}: {self.message}"


@dataclass(frozen=True)
class Anchor:
    """A chain head recorded outside the database (`trainer audit head --append FILE`)."""

    event_id: int
    hash: str
    at: str = ""

    def line(self) -> str:
        """The anchor as one line of an anchor file."""
        return f"{self.at} {self.event_id} {self.hash}"


class AnchorFileError(ValueError):
    """A line of an anchor file that is not an anchor (the message names file and line)."""


def chain_head(session: Session) -> Anchor | None:
    """The newest event's id and hash, stamped with the current time; None for an empty log."""
    row = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    return Anchor(row.id, row.hash, utcnow().isoformat(timespec="seconds"))


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors in a file written by `trainer audit head --append`."""
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit() or not _HEX64.fullmatch(parts[2]):
            raise AnchorFileError(
                f"{path}:{number}: not an anchor line (expected: TIME ENTRY-ID SHA-256)"
            )
        anchors.append(Anchor(int(parts[1]), parts[2], parts[0]))
    return anchors


def verify_chain(session: Session, anchors: list[Anchor] = ()) -> tuple[int, ChainProblem | None]:
    """Walk the log in id order; return how many entries it has and the first problem.

    Every entry's hash must match its content (else it was edited) and name the entry before
    it (else one was deleted before it, it was inserted, or entries were reordered: told
    apart by where the hash it names is). ``anchors`` then catch what a consistent chain
    cannot show by itself: a chain rewritten from some entry on, or its end cut off.
    """
    count, before = 0, None
    rows = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.prev_hash, _EVENTS.c.hash, *(_EVENTS.c[c] for c in HASHED))
        .order_by(_EVENTS.c.id)
        .execution_options(yield_per=1000)
    )
    try:
        for row in rows:
            count += 1
            if _digest(row.prev_hash, row._mapping) != row.hash:
                return count, ChainProblem(row.id, "edited (its content does not match its hash)")
            expected = before.hash if before is not None else None
            if row.prev_hash != expected:
                return count, _link_problem(session, row, before)
            before = row
    finally:
        rows.close()  # a server-side cursor on PostgreSQL
    for anchor in anchors:
        found = session.scalar(select(_EVENTS.c.hash).where(_EVENTS.c.id == anchor.event_id))
        if found is None:
            return count, ChainProblem(
                anchor.event_id, "anchored but missing (the chain was cut off or rewritten)"
            )
        if found != anchor.hash:
            return count, ChainProblem(
                anchor.event_id,
                f"differs from the anchor of {anchor.at} (the chain was rewritten)",
            )
    return count, None


def _link_problem(session: Session, row, before) -> ChainProblem:
    """Why ``row`` does not follow ``before``, the entry just before it by id."""
    if before is not None and row.prev_hash == before.prev_hash:
        # row follows the entry before ``before``: ``before`` was slipped in between
        return ChainProblem(before.id, "inserted (the entry after it skips it)")
    named = session.scalar(select(_EVENTS.c.id).where(_EVENTS.c.hash == row.prev_hash))
    if named is not None and named > row.id:
        return ChainProblem(row.id, f"out of order (it follows entry {named}, which comes later)")
    return ChainProblem(row.id, "the entry before it was deleted (it names a hash not in the log)")
