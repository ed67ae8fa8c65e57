"""trust: one certificate in force per person, course and major version; job attempts; rate limits

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _backfill_certificates() -> None:
    """Fill course_major and in_force; duplicates the old code let through are superseded.

    Of several certificates of one person, course and major version that are neither revoked
    nor replaced, the newest stays in force and the older ones are revoked as superseded (they
    were issued twice by a race, issue #14), so the unique index can be built.
    """
    conn = op.get_bind()
    certificate = sa.table(
        "certificate",
        sa.column("id", sa.Integer),
        sa.column("user_id", sa.Integer),
        sa.column("course_id", sa.Integer),
        sa.column("course_version", sa.String),
        sa.column("course_major", sa.Integer),
        sa.column("in_force", sa.Boolean),
        sa.column("issued_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
        sa.column("revoked_reason", sa.String),
        sa.column("revoked_note", sa.String),
    )
    rows = conn.execute(
        sa.select(
            certificate.c.id,
            certificate.c.user_id,
            certificate.c.course_id,
            certificate.c.course_version,
            certificate.c.revoked_at,
        ).order_by(certificate.c.issued_at.desc(), certificate.c.id.desc())
    ).all()
    replaced = {
        r[0]
        for r in conn.execute(sa.text("SELECT replaces_id FROM certificate")).all()
        if r[0] is not None
    }
    seen = set()
    now = sa.func.current_timestamp()
    for row in rows:
        major = int(str(row.course_version).split(".")[0] or 0)
        key = (row.user_id, row.course_id, major)
        live = row.revoked_at is None and row.id not in replaced
        values = {"course_major": major, "in_force": live and key not in seen}
        if live and key in seen:
            values.update(
                revoked_at=now,
                revoked_reason="superseded",
                revoked_note="duplicate (0002)",
            )
        if live:
            seen.add(key)
        conn.execute(certificate.update().where(certificate.c.id == row.id).values(**values))


def upgrade() -> None:
    op.create_table(
        "rate_limit_count",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_count")),
    )
    with op.batch_alter_table("rate_limit_count", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_count_expires_at"), ["expires_at"], unique=False
        )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("runner", sa.String(length=120), nullable=True))
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.alter_column("attempts", server_default=None)
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_major", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("in_force", sa.Boolean(), nullable=True))
    _backfill_certificates()
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.alter_column("course_major", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("in_force", existing_type=sa.Boolean(), nullable=False)
        batch_op.create_index(
            "uq_certificate_in_force",
            ["user_id", "course_id", "course_major"],
            unique=True,
            sqlite_where=sa.text("in_force"),
            postgresql_where=sa.text("in_force"),
        )


def downgrade() -> None:
    op.drop_table("rate_limit_count")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("runner")
        batch_op.drop_column("attempts")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index("uq_certificate_in_force")
        batch_op.drop_column("in_force")
        batch_op.drop_column("course_major")
