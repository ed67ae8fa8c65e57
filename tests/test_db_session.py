"""The request's database session: one connection for the whole request, returned at its end.

A request that commits and then goes on (an answer, then its round check) must not check out
a second connection; a request that fails must leave nothing behind, neither its writes nor a
connection out of the pool. A pooled connection that the database closed meanwhile (a
restart) is replaced before a request uses it, and finding that out costs no round trip.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, event, select, text

from tests.conftest import BACKENDS
from trainer.db import get_session
from trainer.models import Store
from trainer.security import public


@pytest.fixture
def routes(app):
    """Two views that write: one commits twice, one fails after a flush."""

    @public
    def commit_twice():
        session = get_session()
        session.add(Store(code="ONE", name="first"))
        session.commit()
        session.add(Store(code="TWO", name="second"))
        session.commit()
        return str(len(session.scalars(select(Store)).all()))

    @public
    def fail_after_a_write():
        session = get_session()
        session.add(Store(code="LOST", name="never committed"))
        session.flush()
        raise RuntimeError("a bug after the write")

    @public
    def backend_pid():
        return str(get_session().scalar(text("SELECT pg_backend_pid()")))

    app.add_url_rule("/test/commit-twice", "commit_twice", commit_twice)
    app.add_url_rule("/test/fail", "fail_after_a_write", fail_after_a_write)
    app.add_url_rule("/test/backend-pid", "backend_pid", backend_pid)
    return app


@pytest.fixture
def checkouts(app) -> list:
    """Every checkout from the engine's pool, as it happens."""
    made: list = []
    event.listen(app.extensions["engine"].pool, "checkout", lambda *args: made.append(args))
    return made


def test_a_request_that_commits_twice_uses_one_connection(routes, session, checkouts):
    response = routes.test_client().get("/test/commit-twice")
    assert response.get_data(as_text=True) == "2"
    assert len(checkouts) == 1
    assert routes.extensions["engine"].pool.checkedout() == 0
    assert sorted(session.scalars(select(Store.code))) == ["ONE", "TWO"]


def test_a_failed_request_is_rolled_back_and_returns_its_connection(routes, session, checkouts):
    response = routes.test_client().get("/test/fail")
    assert response.status_code == 500
    assert routes.extensions["engine"].pool.checkedout() == 0
    assert session.scalar(select(Store).where(Store.code == "LOST")) is None
    # The pool hands the same connection out again, clean.
    assert routes.test_client().get("/test/commit-twice").get_data(as_text=True) == "2"


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_pooled_connection_the_database_closed_is_replaced_before_use(
    routes, backend, database_url
):
    """As after a database restart: the pooled connection's server process is gone."""
    client = routes.test_client()
    pid = int(client.get("/test/backend-pid").get_data(as_text=True))
    admin = create_engine(database_url)
    with admin.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    admin.dispose()
    # The checkout finds it closed; the pool connects afresh.
    response = client.get("/test/backend-pid")
    assert response.status_code == 200
    assert int(response.get_data(as_text=True)) != pid
    assert client.get("/test/commit-twice").get_data(as_text=True) == "2"


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_checkout_sends_nothing_to_the_server(routes, backend, tmp_path):
    """The request's first message is its BEGIN: no ping before it (one round trip fewer)."""
    client = routes.test_client()
    client.get("/test/backend-pid")  # the pool now holds a connection
    trace = tmp_path / "libpq-trace"
    with routes.extensions["engine"].connect() as conn:  # the same pooled connection
        pgconn = conn.connection.dbapi_connection.pgconn
        fd = os.open(trace, os.O_WRONLY | os.O_CREAT)
        pgconn.trace(fd)
    try:
        assert client.get("/test/backend-pid").status_code == 200
    finally:
        pgconn.untrace()
        os.close(fd)
    sent = [line.split("\t")[3:5] for line in trace.read_text().splitlines() if "\tF\t" in line]
    assert sent[0] == ["Query", ' "BEGIN"'], sent
