"""reference sources: official SDG data loaded to compare community data with

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:28:26.474815
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import voicescount.storage.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No foreign key from reference_observation to reference_source, as for observation: rows
    # are written in bulk in the transaction that creates their source, and deleted with it.
    op.create_table(
        "reference_observation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("series_key", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
        sa.Column("series", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("ref_area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("source_area", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("time_period", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("obs_value", sa.Float(), nullable=False),
        sa.Column("unit_measure", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("unit_mult", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("obs_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reference_observation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reference_match", ["series", "ref_area", "source_id"], unique=False
        )
        batch_op.create_index("ix_reference_source", ["source_id", "id"], unique=False)

    op.create_table(
        "reference_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("dataset", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("structure", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("sender", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("prepared", voicescount.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("observation_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column(
            "loaded_at", voicescount.storage.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("loaded_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["blob.sha256"],
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("blob_sha256"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("reference_source")
    with op.batch_alter_table("reference_observation", schema=None) as batch_op:
        batch_op.drop_index("ix_reference_source")
        batch_op.drop_index("ix_reference_match")

    op.drop_table("reference_observation")
