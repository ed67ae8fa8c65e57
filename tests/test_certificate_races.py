"""At most one valid certificate per person, course and major version, held by the database.

Real concurrency: threads post to the app at once, each with its own test client, session
cookie and database connection, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.helpers import csrf_token, login_as
from tests.test_certificates import FIXTURE, _passed_attempt
from trainer.certificates import service
from trainer.courses.importer import import_tree
from trainer.courses.service import mark_read
from trainer.models import Certificate, Course, User

THREADS = 6


@pytest.fixture
def course(app, session):
    """The fixture course 'basics' (its quiz required), imported."""
    import_tree(app, FIXTURE)
    return session.scalar(select(Course).where(Course.code == "basics"))


def _valid(session, user_id: int) -> list[Certificate]:
    session.expire_all()
    rows = session.scalars(select(Certificate).where(Certificate.user_id == user_id)).all()
    return [c for c in rows if service.status_of(c) == "valid"]


def _at_once(clients, url: str) -> list[int]:
    """POST ``url`` from every client at the same moment; the status codes."""
    tokens = [csrf_token(c, "/") for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def send(client, token):
        try:
            barrier.wait()
            statuses.append(client.post(url, data={"csrf_token": token}).status_code)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


def test_the_database_refuses_a_second_valid_certificate(session, people, course):
    user = session.get(User, people["cashier"].user.id)
    version = course.current_version
    service.issue(session, user, course, version, score=90)
    session.commit()
    with pytest.raises(IntegrityError):
        service.issue(session, user, course, version, score=91)
        session.flush()
    session.rollback()


def test_a_new_certificate_after_expiry_or_revocation(session, people, course):
    """The index counts certificates in force: an expired or revoked one leaves room."""
    from datetime import timedelta

    from trainer.db import utcnow
    from trainer.models import RevocationReason

    user = session.get(User, people["cashier"].user.id)
    version = course.current_version
    old = service.issue(session, user, course, version, score=90, issued_at=utcnow())
    old.expires_at = utcnow() - timedelta(days=1)
    session.commit()
    renewed = service.issue(session, user, course, version, score=92)
    session.commit()
    service.revoke(session, renewed, reason=RevocationReason.OTHER, note="", actor=user)
    service.issue(session, user, course, version, score=93)
    session.commit()
    assert len(_valid(session, user.id)) == 1


def test_parallel_acknowledgements_issue_one_certificate(app, session, people, course):
    user = session.get(User, people["cashier"].user.id)
    version = course.current_version
    for lesson in version.lessons:
        mark_read(session, user, course, version, lesson.slug)
    _passed_attempt(session, user, "basics-quiz")
    session.commit()
    clients = [app.test_client() for _ in range(THREADS)]
    for client in clients:
        login_as(client, people["cashier"])

    statuses = _at_once(clients, "/courses/basics/acknowledge")

    assert statuses == [302] * THREADS
    assert len(_valid(session, user.id)) == 1


def test_reissue_is_idempotent(app, client, session, people, course):
    user = session.get(User, people["cashier"].user.id)
    first = service.issue(session, user, course, course.current_version, score=90)
    session.commit()
    login_as(client, people["compliance"])
    token = csrf_token(client, "/")
    url = f"/certificates/manage/{first.serial}/reissue"
    locations = {client.post(url, data={"csrf_token": token}).location for _ in range(10)}
    assert len(locations) == 1  # every post leads to the one replacement
    valid = _valid(session, user.id)
    assert len(valid) == 1 and valid[0].replaces_id == first.id


def test_parallel_reissues_make_one_replacement(app, session, people, course):
    user = session.get(User, people["cashier"].user.id)
    first = service.issue(session, user, course, course.current_version, score=90)
    session.commit()
    clients = [app.test_client() for _ in range(THREADS)]
    for client in clients:
        login_as(client, people["compliance"])

    statuses = _at_once(clients, f"/certificates/manage/{first.serial}/reissue")

    assert statuses == [302] * THREADS
    valid = _valid(session, user.id)
    assert len(valid) == 1 and valid[0].replaces_id == first.id
