"""simulator: runs on the POS terminal simulator (sim_run)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sim_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column("scenario_id", sa.String(length=120), nullable=False),
        sa.Column("scenario", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("actions", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grade", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("context", sa.String(length=10), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("question_key", sa.String(length=200), nullable=True),
        sa.Column("drill_participant_id", sa.Integer(), nullable=True),
        sa.Column("drill_step", sa.String(length=120), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_sim_run_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["drill_participant_id"],
            ["drill_participant.id"],
            name=op.f("fk_sim_run_drill_participant_id_drill_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_sim_run_store_id_store")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_sim_run_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sim_run")),
    )
    with op.batch_alter_table("sim_run", schema=None) as batch_op:
        batch_op.create_index("ix_sim_run_attempt", ["attempt_id", "question_key"], unique=False)
        batch_op.create_index(
            "ix_sim_run_drill", ["drill_participant_id", "drill_step"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sim_run_store_id"), ["store_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sim_run_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sim_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sim_run_user_id"))
        batch_op.drop_index(batch_op.f("ix_sim_run_store_id"))
        batch_op.drop_index("ix_sim_run_drill")
        batch_op.drop_index("ix_sim_run_attempt")
    op.drop_table("sim_run")
