"""on_time_outcome: whether each person met each assignment by their due day, kept for the
trends report

Everyone is marked, so the first team or trends page after the upgrade (or
``trainer db rebuild-sums``) decides every outcome.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "on_time_outcome",
        sa.Column("assignment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "user_id", name="pk_on_time_outcome"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO matrix_stale (user_id) SELECT 0"
        " WHERE NOT EXISTS (SELECT 1 FROM matrix_stale WHERE user_id = 0)"
    )


def downgrade() -> None:
    op.drop_table("on_time_outcome")
