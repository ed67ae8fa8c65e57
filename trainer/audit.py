"""Writing the audit log: one call per event, in the caller's transaction."""

from __future__ import annotations

import hashlib
import json

from flask import has_request_context, request
from sqlalchemy import Connection, false, func, insert, select, update
from sqlalchemy.orm import Session

from trainer.db import utcnow
from trainer.models import AuditEvent, User

_EVENTS = AuditEvent.__table__
_LAST_HASH = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT_EVENT = insert(_EVENTS)
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
