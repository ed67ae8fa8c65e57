"""Database: declarative base, one engine per app, one session per request, Alembic glue."""

from __future__ import annotations

import select as select_module
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, g
from sqlalchemy import JSON, DateTime, MetaData, Select, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING)
    # None is SQL NULL, not the JSON text 'null': "IS NULL" then means "no value" everywhere.
    type_annotation_map = {dict: JSON(none_as_null=True), list: JSON(none_as_null=True)}


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the zone; SQLite stores text and hands back naive values. Converting here,
    once, spares every caller from guessing, and binds aware values of any zone as UTC (so a
    date filter in the stores' zone compares correctly on SQLite too).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


@dataclass
class Page:
    """One page of a query's rows, with what a pager needs."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, so an empty list still has page 1)."""
        return max(1, -(-self.total // self.per_page))


def paginate(session: Session, query: Select, page: int, per_page: int) -> Page:
    """Count the query's rows and fetch page ``page`` (1-based) of ``per_page`` rows.

    ``page`` comes from the address: a huge one is read as the last page that an OFFSET can
    reach on every database (2**63 overflowed SQLite's), which is empty anyway.
    """
    per_page = max(per_page, 1)
    page = min(max(page, 1), (2**31 - 1) // per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total or 0)


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_size=5, max_overflow=10)
    event.listen(engine, "checkout", _refuse_if_closed_by_server)
    return engine


def _refuse_if_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Keep a pooled PostgreSQL connection out of a request once the server has closed it.

    A connection resting in the pool has nothing to read. When its socket is readable, the
    server has said goodbye (it was restarted, or ended the session: an error message, then
    end of file); DisconnectionError makes the pool drop it and connect afresh. This is what
    SQLAlchemy's ``pool_pre_ping`` finds out too, with a round trip to the server at every
    checkout: one of five on an autosave. What a poll cannot see is a server whose host
    vanished without closing its connections; then the first statement fails, SQLAlchemy drops
    every pooled connection, and the next request connects afresh.
    """
    poller = select_module.poll()
    poller.register(dbapi_connection.fileno(), select_module.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("the database server closed this pooled connection")


def init_app(app: Flask) -> None:
    """Give the app an engine and a per-request session, closed on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The session of the current request (or app context), created on first use.

    It is bound to one connection, checked out here and returned to the pool at teardown: a
    request that commits and then reads or writes again (an answer, then its round check) goes
    on on the same connection. A session bound to the engine would return the connection at
    each commit and check one out again.
    """
    if "db_session" not in g:
        from flask import current_app

        connection = current_app.extensions["engine"].connect()
        g.db_session = current_app.extensions["sessionmaker"](bind=connection)
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        connection = session.bind
        try:
            if exc is not None:
                session.rollback()
            session.close()
        finally:
            connection.close()


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    # Imported here: Alembic costs seconds at start-up and only migrations need it.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    from alembic import command

    cfg = alembic_config(app.config["DATABASE_URL"])
    with app.extensions["engine"].begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
