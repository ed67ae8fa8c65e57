"""No 500 on bad input: every probe gets a clear 4xx (or a normal page), on SQLite and PostgreSQL.

Probes by category: huge integers in
URL ids and in ``page``/``per_page``, extreme dates in API and export filters, NUL bytes in
names, searches and URLs, and broken sessions. A probe fails only on a 5xx.
"""

from __future__ import annotations

import contextlib
import math

import pytest
from sqlalchemy import select

from tests.helpers import csrf_token, login_as
from trainer.api.tokens import create_client
from trainer.domain.questions.gift import GiftError, parse_gift
from trainer.models import Store, User

HUGE = [2**31, 2**63, 2**64, 10**30]
INT_RULES = [
    ("admin", "GET", "/admin/users/{}"),
    ("admin", "POST", "/admin/users/{}/active"),
    ("admin", "POST", "/admin/users/{}/reset-password"),
    ("admin", "GET", "/admin/stores/{}"),
    ("admin", "POST", "/admin/api-clients/{}/revoke"),
    ("cashier", "GET", "/attempts/{}"),
    ("cashier", "GET", "/attempts/{}/result"),
    ("cashier", "POST", "/attempts/{}/save"),
    ("cashier", "POST", "/attempts/{}/step"),
    ("cashier", "POST", "/attempts/{}/submit"),
    ("supervisor", "GET", "/grading/{}"),
]
PAGED = [
    ("admin", "/admin/users?page={}"),
    ("compliance", "/certificates/manage?page={}"),
]
EXTREME_MOMENTS = [
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "0001-01-01",
    "99999-01-01",
]
EXTREME_DAYS = ["9999-12-31", "0001-01-01", "10000-01-01", "0000-00-00"]
NUL_GETS = [
    ("anonymous", "/verify/a%00b"),
    ("anonymous", "/api/v1/verify/a%00b"),
    ("anonymous", "/verify?code=a%00b"),
    ("cashier", "/courses/search?q=void%00refund"),
    ("admin", "/admin/users?q=%00"),
    ("compliance", "/certificates/manage?q=a%00"),
    ("compliance", "/certificates/manage/TR%00"),
    ("cashier", "/quizzes/a%00b"),
    ("cashier", "/courses/a%00b/"),
]
NUL_POSTS = [
    ("anonymous", "/login", {"username": "cash\x00ier", "password": "whatever-long"}),
    ("anonymous", "/verify", {"code": "a\x00b"}),
    ("admin", "/admin/stores", {"code": "S\x009", "name": "Nul\x00Store"}),
    ("admin", "/admin/users/new", {"username": "nul\x00", "name": "N\x00", "role": "admin"}),
]


@pytest.fixture
def clients(app, people):
    made = {"anonymous": app.test_client()}
    for role in ("admin", "cashier", "supervisor", "compliance"):
        made[role] = app.test_client()
        login_as(made[role], people[role])
    return made


def _ok(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def _post(client, url: str, data: dict | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **(data or {})})


@pytest.mark.parametrize("number", HUGE)
def test_huge_ids_in_urls_are_not_found(clients, number):
    for role, method, url in INT_RULES:
        client = clients[role]
        target = url.format(number)
        response = client.get(target) if method == "GET" else _post(client, target)
        assert response.status_code == 404, f"{method} {target}: {response.status_code}"


@pytest.mark.parametrize("number", HUGE)
def test_huge_page_numbers(app, clients, session, people, number):
    for role, url in PAGED:
        for value in (number, -number):
            _ok(clients[role].get(url.format(value)), url.format(value))
    admin = session.get(User, people["admin"].user.id)
    _, token = create_client(session, "probe", actor=admin)
    session.commit()
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for value in (number, -number):
        for arg in ("page", "per_page"):
            response = api.get(f"/api/v1/certificates?{arg}={value}", headers=auth)
            _ok(response, f"{arg}={value}")


def test_extreme_dates_in_api_and_export_filters(app, clients, session, people):
    admin = session.get(User, people["admin"].user.id)
    _, token = create_client(session, "probe", actor=admin)
    session.commit()
    api = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    for moment in EXTREME_MOMENTS:
        response = api.get(f"/api/v1/certificates?updated_since={moment}", headers=auth)
        _ok(response, moment)
    compliance = clients["compliance"]
    for day in EXTREME_DAYS:
        for field in ("issued_from", "issued_to"):
            response = _post(
                compliance,
                "/certificates/export",
                {field: day, "status": "all", "language": "en"},
            )
            _ok(response, f"export {field}={day}")


def test_nul_bytes_are_refused_clearly(clients, session):
    for role, url in NUL_GETS:
        response = clients[role].get(url)
        _ok(response, url)
    for role, url, data in NUL_POSTS:
        response = _post(clients[role], url, data)
        assert response.status_code == 400, f"POST {url}: {response.status_code}"
        assert "NUL" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Store).where(Store.code.like("S%9"))) is None


@pytest.mark.parametrize("number", ["1e309", "-1e309", "1e309..2e309", "1e308..1.7e308"])
def test_gift_numbers_a_float_cannot_hold(number):
    """Stored as Infinity before; now a problem naming the line, or a finite answer."""
    try:
        result = parse_gift(f"::q:: How much? {{#{number}}}\n")
    except GiftError as exc:
        assert "<gift>:1: not a number: '" in str(exc.problems[0])
        return
    for question in result.questions:
        for answer in question.answers:
            assert answer.value is None or math.isfinite(answer.value), number
            assert answer.tolerance is None or math.isfinite(answer.tolerance)


def test_the_json_error_answer_never_fails(app):
    """An error whose description is no string still gets a JSON answer."""
    from werkzeug.exceptions import BadRequest

    from trainer.security import public

    @public
    def odd():
        raise BadRequest(description={"not", "JSON"})  # a set: json.dumps fails on it

    app.add_url_rule("/api/v1/odd-error", "odd_error", odd)
    response = app.test_client().get("/api/v1/odd-error")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["status"] == 400


def test_a_broken_database_session_gets_the_error_page(app, people):
    """A statement failed and the session was not rolled back (PendingRollbackError): the
    error page still renders, in the site's layout, instead of the server's bare 500."""
    from sqlalchemy.exc import IntegrityError

    from trainer.db import get_session
    from trainer.security import public

    @public
    def broken():
        session = get_session()
        session.add(User(username="admin", name="dup", role="admin", password_hash="x"))
        with contextlib.suppress(IntegrityError):
            session.flush()  # and forgot to roll back
        session.scalar(select(User.id))  # PendingRollbackError
        return "unreachable"

    app.add_url_rule("/broken-session", "broken_session", broken)
    client = app.test_client()
    login_as(client, people["cashier"])
    response = client.get("/broken-session")
    assert response.status_code == 500
    assert 'lang="en"' in response.get_data(as_text=True)  # our page, not a bare 500


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**30])
def test_huge_question_positions_in_an_autosave(app, clients, number):
    """The autosave names one question by position: a huge one is no question, not a 500."""
    from tests.test_certificates import FIXTURE
    from trainer.courses.importer import import_tree

    import_tree(app, FIXTURE)
    cashier = clients["cashier"]
    started = _post(cashier, "/quizzes/basics-quiz/start")
    assert started.status_code == 302, started.status_code
    attempt_url = started.location
    response = cashier.post(
        f"{attempt_url}/save",
        data={"csrf_token": csrf_token(cashier, attempt_url), "only": str(number)},
        headers={"X-Requested-With": "fetch"},
    )
    _ok(response, f"only={number}")
