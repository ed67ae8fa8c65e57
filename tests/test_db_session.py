"""The request's database session: one connection for the whole request, returned at its end.

A request that commits and then goes on (an answer, then its round check) must not check out
a second connection (on PostgreSQL each checkout costs a pre-ping round trip); a request that
fails must leave nothing behind, neither its writes nor a connection out of the pool.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

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

    app.add_url_rule("/test/commit-twice", "commit_twice", commit_twice)
    app.add_url_rule("/test/fail", "fail_after_a_write", fail_after_a_write)
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
