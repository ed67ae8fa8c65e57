"""reports: an index for the report queries (first graded attempts in a period)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 02:40:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attempt_reports", ["number", "status", "submitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_attempt_reports")
