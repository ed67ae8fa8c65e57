"""The audit log's hash chain stays one line when several writers append at once."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from sqlalchemy import select

from trainer import audit
from trainer.models import AuditEvent, Counter


def _chain(session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.mark.parametrize("wrote_first", [False, True], ids=["event only", "after a write"])
def test_concurrent_writers_do_not_fork_the_chain(app, session, monkeypatch, wrote_first):
    """Each event links to the one before it, however the writers interleave.

    Also when the event follows other writes in its transaction (as a started or submitted
    attempt's does): on SQLite those writes hold the lock, and no lock statement is run.
    """
    digest = audit._digest

    def slow_digest(prev, event):  # widens the gap between reading the head and appending
        time.sleep(0.002)
        return digest(prev, event)

    monkeypatch.setattr(audit, "_digest", slow_digest)
    maker = app.extensions["sessionmaker"]
    errors = []

    def writer(n: int) -> None:
        try:
            for i in range(8):
                own = maker()
                if wrote_first:
                    Counter.increment(own, f"test.writer.{n}")
                audit.record(own, "test.concurrent", details={"writer": n, "i": i})
                own.commit()
                own.close()
        except Exception as exc:  # reported below, in the test's own thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    events = _chain(session)
    written = [e for e in events if e.action == "test.concurrent"]
    assert len(written) == 48
    for before, event in itertools.pairwise(events):
        assert event.prev_hash == before.hash, f"event {event.id} does not follow {before.id}"
    for event in events:
        assert event.hash == digest(
            event.prev_hash,
            {
                c: getattr(event, c)
                for c in ("at", "actor_id", "action", "target_type", "target_id", "details")
            },
        )
