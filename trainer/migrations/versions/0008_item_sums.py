"""item_sum and quiz_sum: running sums behind the item analysis, filled from graded attempts;
an index on user_store by store (supervisors' reports)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 05:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("stores", sa.String(length=400), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("option", sa.String(length=400), nullable=False),
        sa.Column("max_score", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_x", sa.Double(), nullable=False),
        sa.Column("sum_xx", sa.Double(), nullable=False),
        sa.Column("sum_y", sa.Double(), nullable=False),
        sa.Column("sum_yy", sa.Double(), nullable=False),
        sa.Column("sum_xy", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_item_sum_question_id_question")
        ),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], name=op.f("fk_item_sum_quiz_id_quiz")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_sum")),
        sa.UniqueConstraint(
            "quiz_id",
            "stores",
            "question_id",
            "first",
            "option",
            "max_score",
            name=op.f("uq_item_sum_quiz_id"),
        ),
    )
    op.create_table(
        "quiz_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("stores", sa.String(length=400), nullable=False),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("n_percent", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["quiz_id"], ["quiz.id"], name=op.f("fk_quiz_sum_quiz_id_quiz")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_sum")),
        sa.UniqueConstraint("quiz_id", "stores", "first", name=op.f("uq_quiz_sum_quiz_id")),
    )
    op.create_index("ix_user_store_store_id", "user_store", ["store_id", "user_id"])
    # Backfill from the attempts graded so far. This uses the application's code (the same
    # sums the grading code keeps), so it must run against the schema of this revision.
    from trainer.models import ItemSum, QuizSum
    from trainer.reports import itemsums

    session = Session(bind=op.get_bind())
    itemsums.rebuild(session, (ItemSum, QuizSum))
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_user_store_store_id", table_name="user_store")
    op.drop_table("quiz_sum")
    op.drop_table("item_sum")
