"""A bare Flask + SQLAlchemy app: the in-run baseline that benchmarks/quiz_load.py compares with.

Two endpoints, as in /work/shared/BASELINES.md:

- ``POST /insert``: insert one row and commit (SQLite WAL, the same pragmas as trainer.db);
- ``GET /page``: read 20 rows by primary key and render them in a small Jinja page.

The database file comes from ``BARE_DATABASE_PATH``. Create and seed it once before starting
gunicorn (``python benchmarks/bare_app.py init PATH``) so the workers never race on the schema;
then ``gunicorn --pythonpath benchmarks 'bare_app:create_app()'``.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime

from flask import Flask, g, render_template, request
from sqlalchemy import DateTime, String, create_engine, event, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

SEED_ROWS = 10_000

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rows from {{ start }}</title></head>
<body><h1>Rows from {{ start }}</h1>
<table>
<thead><tr><th>id</th><th>name</th><th>created</th></tr></thead>
<tbody>
{% for row in rows %}<tr><td>{{ row.id }}</td><td>{{ row.name }}</td>
<td>{{ row.created_at.isoformat() }}</td></tr>
{% endfor %}</tbody></table></body></html>
"""


class Base(DeclarativeBase):
    """Declarative base of the one table."""


class Row(Base):
    """One row per insert."""

    __tablename__ = "row"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def make_engine(path: str) -> Engine:
    """SQLite with the pragmas trainer.db.make_engine sets (WAL, busy timeout, NORMAL sync)."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 5})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


def init_db(path: str, rows: int = SEED_ROWS) -> None:
    """Create the table and seed ``rows`` rows (so /page reads from a non-trivial table)."""
    engine = make_engine(path)
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        if not session.scalar(select(func.count()).select_from(Row)):
            session.execute(
                insert(Row), [{"name": f"row {i}", "created_at": now} for i in range(rows)]
            )
            session.commit()
    engine.dispose()


def create_app() -> Flask:
    """The app: one engine, one session per request, closed on teardown (like trainer.db)."""
    app = Flask(__name__)
    path = os.environ["BARE_DATABASE_PATH"]
    engine = make_engine(path)
    maker = sessionmaker(engine, expire_on_commit=False)
    # Compiled once, as a template file is: render_template_string compiles on every call.
    page_template = app.jinja_env.from_string(PAGE)

    def get_session() -> Session:
        if "db_session" not in g:
            g.db_session = maker()
        return g.db_session

    @app.teardown_appcontext
    def _close(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.post("/insert")
    def insert_row():
        session = get_session()
        row = Row(name=request.form.get("name", "x")[:200], created_at=datetime.now(UTC))
        session.add(row)
        session.commit()
        return {"ok": True, "id": row.id}

    @app.get("/page")
    def page():
        start = random.randrange(1, SEED_ROWS - 20)
        rows = get_session().scalars(select(Row).where(Row.id >= start).order_by(Row.id).limit(20))
        return render_template(page_template, rows=list(rows), start=start)

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "init":
        sys.exit("usage: python benchmarks/bare_app.py init DATABASE_PATH")
    init_db(sys.argv[2])
