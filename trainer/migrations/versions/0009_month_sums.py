"""topic_sum and month_sum: running sums behind the weak-topics and trends pages, per store
and local month, filled from graded attempts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 06:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "topic_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_topic_sum_question_id_question")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_topic_sum_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_sum")),
        sa.UniqueConstraint("store_id", "question_id", "month", name=op.f("uq_topic_sum_store_id")),
    )
    op.create_index(
        "ix_topic_sum_report",
        "topic_sum",
        ["store_id", "question_id", "month", "answered", "wrong"],
    )
    op.create_table(
        "month_sum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("sum_percent", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_month_sum_store_id_store")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_sum")),
        sa.UniqueConstraint("month", "store_id", name=op.f("uq_month_sum_month")),
    )
    # Backfill from the attempts graded so far, with the application's code (as 0008 does).
    from trainer.models import MonthSum, TopicSum
    from trainer.reports import itemsums

    session = Session(bind=op.get_bind())
    itemsums.rebuild(session, (MonthSum, TopicSum))
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_topic_sum_report", table_name="topic_sum")
    op.drop_table("month_sum")
    op.drop_table("topic_sum")
