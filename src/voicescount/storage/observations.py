"""Bulk paths for observations: COPY on PostgreSQL, executemany on SQLite, streaming reads.

The ORM is far too slow for millions of rows (measured ~9,000 rows/s with ``add_all``); these
paths run inside the caller's transaction, so an upload is stored all or nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from voicescount.storage.tables.intake import DIMENSION_COLUMNS

#: Column order of the tuples validation produces and these functions store.
INSERT_COLUMNS: tuple[str, ...] = (
    "version_id",
    "upload_id",
    "row_number",
    "series_key",
    *DIMENSION_COLUMNS,
    "time_period",
    "obs_value",
    "unit_measure",
    "unit_mult",
    "obs_status",
    "nature",
    "unweighted_n",
    "lower_bound",
    "upper_bound",
    "comment_obs",
    "time_detail",
    "source_detail",
)

BATCH = 10_000


def insert(session: Session, rows: Iterable[tuple[Any, ...]]) -> int:
    """Store observation tuples in the session's transaction; returns how many were stored.

    ``rows`` may be a generator, but it must not use the database while it yields: on
    PostgreSQL the connection is busy with the COPY until the last row.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, rows)
    return _executemany(connection, rows)


def _copy(connection: Any, rows: Iterable[tuple[Any, ...]]) -> int:
    # psycopg's COPY runs on the same DBAPI connection, hence in the same transaction.
    driver = connection.connection.driver_connection
    count = 0
    columns = ", ".join(INSERT_COLUMNS)
    with driver.cursor() as cursor, cursor.copy(f"COPY observation ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _executemany(connection: Any, rows: Iterable[tuple[Any, ...]]) -> int:
    cursor = connection.connection.driver_connection.cursor()
    placeholders = ", ".join("?" for _ in INSERT_COLUMNS)
    statement = f"INSERT INTO observation ({', '.join(INSERT_COLUMNS)}) VALUES ({placeholders})"
    count = 0
    batch: list[tuple[Any, ...]] = []
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(statement, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def duplicate_keys(session: Session, version_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    """Observations of a version that share series key and period: each with their row numbers."""
    rows = session.execute(
        text(
            "SELECT series_key, time_period, COUNT(*) AS n, MIN(row_number) AS first_row, "
            "MAX(row_number) AS last_row FROM observation WHERE version_id = :version "
            "GROUP BY series_key, time_period HAVING COUNT(*) > 1 "
            "ORDER BY MIN(row_number) LIMIT :limit"
        ),
        {"version": version_id, "limit": limit},
    )
    return [dict(row._mapping) for row in rows]


def rows_for_key(
    session: Session, version_id: int, series_key: str, time_period: str
) -> list[tuple[int, int | None]]:
    """(row number, upload id) of every observation with this key, in row order."""
    result = session.execute(
        text(
            "SELECT row_number, upload_id FROM observation WHERE version_id = :version "
            "AND series_key = :key AND time_period = :period ORDER BY upload_id, row_number"
        ),
        {"version": version_id, "key": series_key, "period": time_period},
    )
    return [(row[0], row[1]) for row in result]


def count(session: Session, version_id: int) -> int:
    return int(
        session.execute(
            text("SELECT COUNT(*) FROM observation WHERE version_id = :version"),
            {"version": version_id},
        ).scalar_one()
    )


def delete_upload(session: Session, upload_id: int) -> int:
    result = session.execute(
        text("DELETE FROM observation WHERE upload_id = :upload"), {"upload": upload_id}
    )
    return int(getattr(result, "rowcount", 0) or 0)


def copy_version(session: Session, source_version: int, target_version: int) -> int:
    """Copy every observation of one version into another, inside the database."""
    columns = [c for c in INSERT_COLUMNS if c != "version_id"]
    listed = ", ".join(columns)
    result = session.execute(
        text(
            f"INSERT INTO observation (version_id, {listed}, conf_status) "
            f"SELECT :target, {listed}, conf_status FROM observation WHERE version_id = :source"
        ),
        {"source": source_version, "target": target_version},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def stream(
    session: Session, version_id: int, columns: tuple[str, ...] = INSERT_COLUMNS[2:]
) -> Iterator[tuple[Any, ...]]:
    """Observations of a version in storage order, fetched in batches (memory stays flat)."""
    result = session.execute(
        text(
            f"SELECT {', '.join(columns)} FROM observation WHERE version_id = :version ORDER BY id"
        ).execution_options(yield_per=BATCH, stream_results=True),
        {"version": version_id},
    )
    for row in result:
        yield tuple(row)


def digest(session: Session, version_id: int) -> str:
    """SHA-256 over every stored observation of a version (their content, in storage order)."""
    hasher = hashlib.sha256()
    for row in stream(session, version_id):
        hasher.update(repr(row).encode("utf-8"))
        hasher.update(b"\n")
    return hasher.hexdigest()
