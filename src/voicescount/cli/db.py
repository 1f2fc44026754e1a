"""``voicescount db``: schema migrations."""

from __future__ import annotations

import click

from voicescount.cli.common import CONTEXT_SETTINGS, engine_from_settings
from voicescount.storage import migrate


@click.group(context_settings=CONTEXT_SETTINGS)
def db() -> None:
    """Database schema migrations (Alembic)."""


@db.command(context_settings=CONTEXT_SETTINGS)
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    engine = engine_from_settings()
    try:
        migrate.upgrade(engine, revision)
        click.echo(
            f"database at revision {migrate.current_revision(engine)} ({engine.dialect.name})"
        )
    finally:
        engine.dispose()


@db.command(context_settings=CONTEXT_SETTINGS)
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION ('base' empties the schema)."""
    engine = engine_from_settings()
    try:
        migrate.downgrade(engine, revision)
        click.echo(f"database at revision {migrate.current_revision(engine)}")
    finally:
        engine.dispose()


@db.command(context_settings=CONTEXT_SETTINGS)
def current() -> None:
    """Show the applied and the newest revision."""
    engine = engine_from_settings()
    try:
        click.echo(f"current: {migrate.current_revision(engine)}  head: {migrate.head_revision()}")
    finally:
        engine.dispose()
