"""datasets: the dataflow a dataset reports against (an imported national structure)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 04:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dataset", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dataflow", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True)
        )


def downgrade() -> None:
    # SQLite (3.35+) drops a column in place; recreating the table would break the foreign keys
    # of the rows that refer to it.
    with op.batch_alter_table("dataset", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("dataflow")
