"""The schema only changes through migrations: they match the tables and run both ways."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import voicescount.storage.tables  # noqa: F401  (registers the tables)
from tests.conftest import Store
from voicescount.storage import migrate


def test_migrations_match_the_table_definitions(store: Store) -> None:
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_migrations_run_down_and_up_again(fresh_store: Store) -> None:
    engine = fresh_store.engine
    assert migrate.current_revision(engine) == migrate.head_revision()
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert "observation" in inspect(engine).get_table_names()


def test_narrowing_observations_keeps_every_value(fresh_store: Store) -> None:
    from sqlalchemy import text

    engine = fresh_store.engine
    migrate.downgrade(engine, "0002")
    dims = ["A", "N", "SP_DYN_MRBF18", "KE-28", "F", *["_T"] * 10]
    columns = [
        "freq", "reporting_type", "series", "ref_area", "sex", "age", "urbanisation",
        "income_wealth_quantile", "education_lev", "occupation", "cust_breakdown",
        "composite_breakdown", "disability_status", "activity", "product",
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (slug, name, kind, created_at) "
                "VALUES ('O1', 'O', 'data_provider', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dataset (uid, organisation_id, title, created_at, created_by) "
                "SELECT 'ds-1', id, 'T', CURRENT_TIMESTAMP, 'x' FROM organisation"
            )
        )
        connection.execute(
            text(
                "INSERT INTO dataset_version (dataset_id, number, state, metadata, created_at, "
                "created_by, observation_count) SELECT id, 1, 'draft', '{}', CURRENT_TIMESTAMP, "
                "'x', 1 FROM dataset"
            )
        )
        version_id = connection.execute(text("SELECT id FROM dataset_version")).scalar_one()
        connection.execute(
            text(
                f"INSERT INTO observation (version_id, row_number, series_key, {', '.join(columns)}, "
                "time_period, obs_value, unit_measure, unit_mult, obs_status, unweighted_n, "
                "comment_obs, lower_bound) VALUES (:v, 2, :key, "
                + ", ".join(f":{c}" for c in columns)
                + ", '2023', 23.5, 'PT', '0', 'A', 120, 'a note', 20.5)"
            ),
            {"v": version_id, "key": ".".join(dims), **dict(zip(columns, dims, strict=True))},
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT series_key, time_period, obs_value, unweighted_n, attributes FROM observation"
            )
        ).one()
    attributes = (
        row.attributes
        if isinstance(row.attributes, dict)
        else __import__("json").loads(row.attributes)
    )
    assert (row.series_key, row.time_period, row.obs_value, row.unweighted_n) == (
        ".".join(dims),
        "2023",
        23.5,
        120,
    )
    assert attributes == {"COMMENT_OBS": "a note", "LOWER_BOUND": 20.5}
    migrate.downgrade(engine, "0002")
    with engine.connect() as connection:
        wide = connection.execute(
            text("SELECT ref_area, comment_obs, lower_bound FROM observation")
        ).one()
    assert tuple(wide) == ("KE-28", "a note", 20.5)
