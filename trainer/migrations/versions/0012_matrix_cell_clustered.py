"""matrix_cell stored in primary-key order on SQLite (WITHOUT ROWID)

The team page reads everyone's kept cells person by person; in a rowid table each of them was
an index entry and then a second lookup of the row. SQLite cannot change a table's storage in
place, so the table is made again and its cells copied (nothing to decide again). PostgreSQL
has no such option: nothing to do there.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from trainer.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _make(name: str, with_rowid: bool) -> None:
    op.create_table(
        name,
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
        # Named as the model's naming convention names matrix_cell's, whatever ``name`` is.
        sa.PrimaryKeyConstraint("user_id", "item", name="pk_matrix_cell"),
        sqlite_with_rowid=with_rowid,
    )


def _remake(with_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _make("matrix_cell_new", with_rowid)
    op.execute("INSERT INTO matrix_cell_new SELECT * FROM matrix_cell")
    op.drop_table("matrix_cell")
    op.rename_table("matrix_cell_new", "matrix_cell")


def upgrade() -> None:
    _remake(with_rowid=False)


def downgrade() -> None:
    _remake(with_rowid=True)
