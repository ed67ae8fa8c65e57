"""Fixtures: an app on a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set TRAINER_TEST_DATABASE_URL=postgresql://… to run every database test on PostgreSQL too;
.ci/run sets it when the local server answers. Each test session works in its own schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.helpers import Actor
from trainer import create_app
from trainer.db import Base
from trainer.models import Role, Store

PG_URL = os.environ.get("TRAINER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """scrypt costs ~50 ms a hash; tests hash hundreds of passwords."""
    from trainer.models import people

    people.PASSWORD_METHOD = "pbkdf2:sha256:1000"
    yield
    people.PASSWORD_METHOD = "scrypt"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    app = create_app(_test_config(f"sqlite:///{path}", tmp_path_factory.mktemp("inst")))
    from trainer import db

    db.upgrade(app)
    app.extensions["engine"].dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema(tmp_path_factory):
    """A private PostgreSQL schema for this test session, migrated once, dropped at the end."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg(PG_URL))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _pg(PG_URL) + ("&" if "?" in PG_URL else "?") + f"options=-csearch_path%3D{schema}"
    app = create_app(_test_config(url, tmp_path_factory.mktemp("inst")))
    from trainer import db

    db.upgrade(app)
    app.extensions["engine"].dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _test_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "VERIFY_RATE_LIMIT": "1000 per minute",
        "BASE_URL": "http://localhost",
        # Assertions read English text; tests of the Chinese pages ask for zh explicitly.
        "DEFAULT_LANGUAGE": "en",
        # Tests compare with UTC dates; tests of the time zone set their own.
        "TIMEZONE": "UTC",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "INSTANCE_PATH": str(instance),
    }


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Which database this test runs on."""
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> str:
    """A clean, migrated database for one test."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_schema")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def app_config() -> dict:
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    """The application on a fresh database.

    No app context stays pushed: requests made by test clients must each get their own, as in
    production (a shared context would share ``g``: the CSRF token, the database session).
    """
    app = create_app({**_test_config(database_url, tmp_path), **app_config})
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def session(app):
    """A database session of the test's own, separate from the requests' sessions."""
    session = app.extensions["sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def stores(session) -> dict[str, Store]:
    """Two stores, S1 and S2."""
    made = {code: Store(code=code, name=f"Store {code}") for code in ("S1", "S2")}
    session.add_all(made.values())
    session.commit()
    return made


@pytest.fixture
def people(session, stores) -> dict[str, Actor]:
    """One account of every role (passwords known, no forced change)."""
    from trainer.admin.service import create_user

    specs = {
        "cashier": (Role.CASHIER, [stores["S1"]]),
        "cashier2": (Role.CASHIER, [stores["S2"]]),
        "supervisor": (Role.SUPERVISOR, [stores["S1"]]),
        "compliance": (Role.COMPLIANCE, []),
        "admin": (Role.ADMIN, []),
    }
    out = {}
    for username, (role, user_stores) in specs.items():
        password = f"pw-{username}-long-enough"
        new = create_user(
            session,
            username=username,
            name=f"Test {username}",
            role=role,
            stores=user_stores,
            password=password,
            employee_no=f"E-{username}",
        )
        out[username] = Actor(new.user, password)
    session.commit()
    return out


@pytest.fixture
def content(app, tmp_path, session, people):
    """The quiz tests' content tree (tests/fixtures/content plus test_quizzes.QUIZZES),
    imported; everyone reads in English. Shared here: eight modules test against it."""
    from tests.test_quizzes import import_quiz_content

    return import_quiz_content(app, tmp_path, session, people)
