"""`trainer backup` takes a consistent snapshot while the site writes; `trainer restore` puts
it into an empty database (and refuses a non-empty one). Every row and the audit chain
come back, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import tarfile
import threading
import uuid

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text

from tests.conftest import PG_URL, _pg, _test_config
from tests.helpers import login, login_as
from tests.test_certificate_races import course  # noqa: F401 (fixture)
from trainer import audit, create_app
from trainer.cli import main
from trainer.db import Base
from trainer.models import User


def _cli(app, *args):
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            out[table.name] = [
                tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in r)
                for r in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
    return out


@pytest.fixture
def filled(app, client, session, people, course):  # noqa: F811
    """A site with history made through its own pages and services."""
    from trainer.certificates import service

    login(client, "cashier", "a-wrong-password")
    login_as(client, people["cashier"])
    for who in ("cashier", "cashier2"):
        user = session.get(User, people[who].user.id)
        service.issue(session, user, course, course.current_version, score=91.5)
    session.commit()
    return app


@pytest.fixture
def empty_target(backend, tmp_path):
    """A second, empty database (and instance folder) to restore into."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    base = _pg(PG_URL).rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def _restored_app(url: str, instance, schema: str | None):
    if schema:  # the backup's schema (a test session's own on PostgreSQL)
        url += f"?options=-csearch_path%3D{schema}"
    return create_app(_test_config(url, instance))


def test_backup_during_writes_restores_every_row_and_the_chain(
    filled, session, backend, empty_target, tmp_path
):
    app = filled
    stop = threading.Event()
    written = []

    def writer():  # the site keeps working while the backup runs
        maker = app.extensions["sessionmaker"]
        while not stop.is_set():
            with maker() as own:
                audit.record(own, "test.during_backup", details={"n": len(written)})
                own.commit()
            written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = _cli(app, "backup", str(tmp_path / "site.tar.gz"))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert written, "no write happened during the backup"
    with tarfile.open(tmp_path / "site.tar.gz") as archive:
        names = set(archive.getnames())
    assert {"manifest.json", "instance/secret_key"} <= names

    schema = None
    if backend == "postgresql":
        with app.extensions["engine"].connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar()
    target = _restored_app(empty_target, tmp_path / "new-instance", schema)
    try:
        restored = _cli(target, "restore", str(tmp_path / "site.tar.gz"))
        assert restored.exit_code == 0, restored.output
        # the instance's key came back (the source's instance folder is tmp_path)
        key = (tmp_path / "secret_key").read_text()
        assert (tmp_path / "new-instance" / "secret_key").read_text() == key
        after, before = _rows(target.extensions["engine"]), _rows(app.extensions["engine"])
        # A snapshot: every restored row is as it was, and the audit log is a prefix.
        for table, rows in after.items():
            assert set(rows) <= set(before[table]), table
        events = after["audit_event"]
        assert events == before["audit_event"][: len(events)]
        assert len(after["certificate"]) == 2 and len(after["user"]) == len(before["user"])
        with target.app_context():
            from trainer.db import get_session

            count, problem = audit.verify_chain(get_session())
        assert problem is None and count == len(events)

        # Restoring again, now into a database that holds data: refused, nothing changed.
        again = _cli(target, "restore", str(tmp_path / "site.tar.gz"))
        assert again.exit_code != 0 and "not empty" in again.output
        assert _rows(target.extensions["engine"]) == after
    finally:
        target.extensions["engine"].dispose()


def test_restore_refuses_an_archive_that_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = _cli(app, "restore", str(bogus))
    assert result.exit_code != 0 and "not a trainer backup" in result.output
