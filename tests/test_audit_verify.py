"""`trainer audit verify` finds every kind of tampering with the hash-chained audit log, and
`trainer audit head` anchors the chain outside the database so a rewritten chain shows too."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import delete, select, update

from trainer import audit
from trainer.cli import main
from trainer.models import AuditEvent

EVENTS = 6


def _cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


@pytest.fixture
def chain(app, session):
    """Six events, ids 1-6, written as the application writes them."""
    for i in range(EVENTS):
        audit.record(session, "test.event", details={"n": i, "text": f"event {i} 李堃"})
        session.commit()
    return [e.id for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _event(session, event_id: int) -> AuditEvent:
    return session.scalar(select(AuditEvent).where(AuditEvent.id == event_id))


def _renumber(session, moves: dict[int, int]) -> None:
    """Give events new ids (through a free range, so no two rows share one meanwhile)."""
    for old in moves:
        session.execute(update(AuditEvent).where(AuditEvent.id == old).values(id=old + 10_000))
    for old, new in moves.items():
        session.execute(update(AuditEvent).where(AuditEvent.id == old + 10_000).values(id=new))
    session.commit()


def test_an_intact_chain_verifies(app, chain):
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert f"{EVENTS} entries" in result.output and "intact" in result.output


def test_an_edited_entry_is_named(app, session, chain):
    session.execute(update(AuditEvent).where(AuditEvent.id == chain[2]).values(details={"n": 99}))
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"entry {chain[2]}: edited" in result.output


def test_a_deleted_entry_is_named(app, session, chain):
    session.execute(delete(AuditEvent).where(AuditEvent.id == chain[2]))
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"entry {chain[3]}: the entry before it was deleted" in result.output


def test_an_inserted_entry_is_named(app, session, chain):
    """A forged entry with a correct hash, slipped in after entry 2 (the rest moved up)."""
    _renumber(session, {old: old + 1 for old in reversed(chain[2:])})
    before = _event(session, chain[1])
    forged = {
        "at": before.at,
        "actor_id": None,
        "action": "test.forged",
        "target_type": None,
        "target_id": None,
        "details": {"n": "forged"},
    }
    session.add(
        AuditEvent(
            id=chain[2], prev_hash=before.hash, hash=audit._digest(before.hash, forged), **forged
        )
    )
    session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"entry {chain[2]}: inserted" in result.output


def test_reordered_entries_are_named(app, session, chain):
    _renumber(session, {chain[2]: chain[3], chain[3]: chain[2]})
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1
    assert f"entry {chain[2]}: out of order" in result.output


def test_a_rewritten_chain_is_caught_by_the_anchor(app, session, chain, tmp_path):
    anchor = tmp_path / "audit-anchor.txt"
    head = _cli(app, "audit", "head", "--append", str(anchor))
    assert head.exit_code == 0
    last = _event(session, chain[-1])
    assert f"{last.id} {last.hash}" in head.output and anchor.read_text().count("\n") == 1

    # Rewrite every entry and recompute every hash: the chain in itself is consistent.
    prev = None
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        event.details = {**event.details, "n": "rewritten"}
        fields = {
            c: getattr(event, c)
            for c in ("at", "actor_id", "action", "target_type", "target_id", "details")
        }
        event.prev_hash, event.hash = prev, audit._digest(prev, fields)
        prev = event.hash
    session.commit()
    assert _cli(app, "audit", "verify").exit_code == 0

    result = _cli(app, "audit", "verify", "--anchor", str(anchor))
    assert result.exit_code == 1
    assert f"entry {last.id}: differs from the anchor" in result.output


def test_a_cut_off_tail_is_caught_by_the_anchor(app, session, chain, tmp_path):
    anchor = tmp_path / "audit-anchor.txt"
    _cli(app, "audit", "head", "--append", str(anchor))
    session.execute(delete(AuditEvent).where(AuditEvent.id >= chain[-2]))
    session.commit()
    result = _cli(app, "audit", "verify", "--anchor", str(anchor))
    assert result.exit_code == 1
    assert f"entry {chain[-1]}: anchored but missing" in result.output


def test_an_anchor_file_that_is_not_one_is_a_clear_error(app, chain, tmp_path):
    bad = tmp_path / "anchor.txt"
    bad.write_text("hello\n")
    result = _cli(app, "audit", "verify", "--anchor", str(bad))
    assert result.exit_code != 0 and f"{bad}:1:" in result.output
