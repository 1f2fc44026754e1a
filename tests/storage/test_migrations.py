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
