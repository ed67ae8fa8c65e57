"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tests.conftest import _test_config
from trainer import create_app, db
from trainer.db import Base


def test_migrated_schema_matches_the_models(app):
    with app.extensions["engine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_kept_cells_are_stored_in_key_order_on_sqlite(tmp_path):
    """Migration 0012 makes SQLite keep matrix_cell in primary-key order (WITHOUT ROWID: the
    team page reads the cells person by person), and keeps its cells both ways."""
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "instance"))
    engine = app.extensions["engine"]

    def stored() -> tuple[str, list]:
        with engine.connect() as conn:
            sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'matrix_cell'"))
            cells = conn.execute(text("SELECT user_id, item, state FROM matrix_cell")).all()
        return sql.upper(), [tuple(cell) for cell in cells]

    db.upgrade(app, "0011")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO matrix_cell (user_id, item, state) VALUES (7, 'quiz:q', 'passed')")
        )
    assert "WITHOUT ROWID" not in stored()[0]
    db.upgrade(app)
    sql, cells = stored()
    assert "WITHOUT ROWID" in sql and "PK_MATRIX_CELL" in sql
    assert cells == [(7, "quiz:q", "passed")]
    with engine.begin() as conn:
        config = db.alembic_config(app.config["DATABASE_URL"])
        config.attributes["connection"] = conn
        command.downgrade(config, "0011")
    sql, cells = stored()
    assert "WITHOUT ROWID" not in sql and cells == [(7, "quiz:q", "passed")]
    engine.dispose()
