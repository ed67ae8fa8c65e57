"""Alembic environment: runs on the connection trainer.db.upgrade() hands over."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import trainer.models  # noqa: F401  (registers every table on Base.metadata)
from trainer.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Migrate using the given connection, or one made from sqlalchemy.url."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
