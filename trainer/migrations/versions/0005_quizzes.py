"""Quizzes: question ids unique within a bank; quizzes assembled on the web (issue #16).

Moodle's question names need not be unique, so the same GIFT file imports into two banks.
A quiz's origin says whether it comes from the content files or was assembled on the web.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_question_qid"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_question_bank_id"), ["bank_id", "qid"])
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=20), server_default="content", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("quiz", schema=None) as batch_op:
        batch_op.drop_column("origin")
    # Fails (as it should) when two banks share a question id.
    with op.batch_alter_table("question", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_question_bank_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_question_qid"), ["qid"])
