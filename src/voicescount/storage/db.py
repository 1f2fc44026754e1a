"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

#: Seconds to wait for PostgreSQL to accept a connection.
CONNECT_TIMEOUT = 10


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs to be safe under concurrent use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that accepts connections and never answers must not hang requests (and /health,
    # which the compose healthcheck calls) for ever; a URL's own connect_timeout wins.
    if "connect_timeout" not in parsed.query:
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run while a writer commits; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # PostgreSQL's split_part, so the same SQL can cut series keys into dimensions on both.
    dbapi_connection.create_function("split_part", 3, _split_part, deterministic=True)


def _split_part(text: str | None, delimiter: str, position: int) -> str | None:
    if text is None:
        return None
    parts = text.split(delimiter)
    return parts[position - 1] if 0 < position <= len(parts) else ""


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One session; rolled back if the block raises, closed in any case. Callers commit."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def probe(engine: Engine) -> dict[str, Any]:
    """Check that the database answers and report its kind and schema revision."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        revision = None
        try:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no migrations applied yet: report it rather than fail the probe
            connection.rollback()
        return {"backend": engine.dialect.name, "revision": revision}
