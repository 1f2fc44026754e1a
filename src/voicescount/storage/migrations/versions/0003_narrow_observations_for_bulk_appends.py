"""narrow observations for bulk appends: series key + core attributes + JSON, no FKs, no key index

Storing a million observations cost per column and per index (docs/performance.md): the 15
dimension columns are replaced by the series key they were already joined into, the rare
attributes move into one JSON column, and the table is indexed for appending only. Existing rows
are copied across.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = (
    "freq", "reporting_type", "series", "ref_area", "sex", "age", "urbanisation",
    "income_wealth_quantile", "education_lev", "occupation", "cust_breakdown",
    "composite_breakdown", "disability_status", "activity", "product",
)  # fmt: skip
OTHERS = ("nature", "lower_bound", "upper_bound", "comment_obs", "time_detail", "source_detail")
KEPT = (
    "id", "version_id", "upload_id", "row_number", "series_key", "time_period", "obs_value",
    "unit_measure", "unit_mult", "obs_status", "unweighted_n",
)  # fmt: skip
BATCH = 5000


def _id_column() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def _narrow_table(name: str) -> None:
    op.create_table(
        name,
        _id_column(),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=600), nullable=False),
        sa.Column("time_period", sa.String(length=40), nullable=False),
        sa.Column("obs_value", sa.Float(), nullable=True),
        sa.Column("unit_measure", sa.String(length=60), nullable=True),
        sa.Column("unit_mult", sa.String(length=10), nullable=True),
        sa.Column("obs_status", sa.String(length=10), nullable=True),
        sa.Column("unweighted_n", sa.Integer(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("conf_status", sa.String(length=4), nullable=True),
    )


def _wide_table(name: str) -> None:
    op.create_table(
        name,
        _id_column(),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("dataset_version.id"), nullable=False),
        sa.Column("upload_id", sa.Integer(), sa.ForeignKey("upload.id"), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=600), nullable=False),
        *[sa.Column(d, sa.String(length=80), nullable=False) for d in DIMENSIONS],
        sa.Column("time_period", sa.String(length=40), nullable=False),
        sa.Column("obs_value", sa.Float(), nullable=True),
        sa.Column("unit_measure", sa.String(length=60), nullable=True),
        sa.Column("unit_mult", sa.String(length=10), nullable=True),
        sa.Column("obs_status", sa.String(length=10), nullable=True),
        sa.Column("nature", sa.String(length=10), nullable=True),
        sa.Column("unweighted_n", sa.Integer(), nullable=True),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column("comment_obs", sa.Text(), nullable=True),
        sa.Column("time_detail", sa.String(length=200), nullable=True),
        sa.Column("source_detail", sa.String(length=500), nullable=True),
        sa.Column("conf_status", sa.String(length=4), nullable=True),
    )


def _copy(source: str, target: str, columns: Sequence[str], convert) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT {', '.join(columns)} FROM {source} ORDER BY id"))
    batch: list[dict] = []
    target_table = sa.table(target, *[sa.column(c) for c in convert(dict.fromkeys(columns))])
    for row in rows:
        batch.append(convert(dict(row._mapping)))
        if len(batch) >= BATCH:
            bind.execute(target_table.insert(), batch)
            batch = []
    if batch:
        bind.execute(target_table.insert(), batch)


def _reset_sequence() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "SELECT setval(pg_get_serial_sequence('observation', 'id'), "
            "COALESCE((SELECT MAX(id) FROM observation), 0) + 1, false)"
        )


def upgrade() -> None:
    _narrow_table("observation_narrow")

    def narrow(row: dict) -> dict:
        others = {name.upper(): row.get(name) for name in OTHERS if row.get(name) is not None}
        values = {c: row.get(c) for c in KEPT}
        values["attributes"] = json.dumps(others, sort_keys=True) if others else None
        values["conf_status"] = row.get("conf_status")
        return values

    _copy("observation", "observation_narrow", (*KEPT, *OTHERS, "conf_status"), narrow)
    op.drop_table("observation")
    op.rename_table("observation_narrow", "observation")
    op.create_index("ix_observation_version", "observation", ["version_id", "id"], unique=False)
    _reset_sequence()


def downgrade() -> None:
    _wide_table("observation_wide")

    def wide(row: dict) -> dict:
        values = {c: row.get(c) for c in KEPT}
        key = row.get("series_key")
        codes = key.split(".") if isinstance(key, str) else [None] * len(DIMENSIONS)
        values.update(zip(DIMENSIONS, codes, strict=True))
        others = row.get("attributes") or {}
        if isinstance(others, str):
            others = json.loads(others)
        values.update({name: others.get(name.upper()) for name in OTHERS})
        values["conf_status"] = row.get("conf_status")
        return values

    _copy("observation", "observation_wide", (*KEPT, "attributes", "conf_status"), wide)
    op.drop_table("observation")
    op.rename_table("observation_wide", "observation")
    op.create_index(
        "ix_observation_key", "observation", ["version_id", "series_key", "time_period"]
    )
    op.create_index("ix_observation_series", "observation", ["series"])
    _reset_sequence()
