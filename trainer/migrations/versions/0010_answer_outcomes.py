"""attempt_item.outcome: what grading found for an answer (its feedback parts), kept at submit
so that the result page shows it without grading the answer again

Attempts submitted before this have no outcome; their result page grades them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempt_item") as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attempt_item") as batch_op:
        batch_op.drop_column("outcome")
