"""matrix_cell and matrix_stale: the team matrix's cells decided ahead, with triggers that mark
whose cells to decide again

Every cell is decided by the first team page after the upgrade (everyone is marked), or at
once by ``trainer db rebuild-sums``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 14:45:00
"""

import sqlalchemy as sa
from alembic import op

from trainer.db import UTCDateTime
from trainer.tracking.kept import drop_trigger_ddl, trigger_ddl

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matrix_cell",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=140), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        *(
            column
            for n in (1, 2, 3)
            for column in (
                sa.Column(f"at{n}", UTCDateTime(), nullable=True),
                sa.Column(f"state{n}", sa.String(length=20), nullable=True),
            )
        ),
        sa.PrimaryKeyConstraint("user_id", "item"),
    )
    op.create_table(
        "matrix_stale",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    for statement in trigger_ddl(op.get_bind()):
        op.execute(statement)
    op.execute("INSERT INTO matrix_stale (user_id) VALUES (0)")


def downgrade() -> None:
    for statement in drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("matrix_stale")
    op.drop_table("matrix_cell")
