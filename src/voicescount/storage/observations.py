"""Bulk paths for observations: COPY on PostgreSQL, executemany on SQLite, streaming reads.

The ORM is far too slow for millions of rows (measured ~9,000 rows/s with ``add_all``); these
paths run inside the caller's transaction, so an upload is stored all or nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from voicescount.storage.tables.intake import DIMENSIONS, OTHER_ATTRIBUTES

#: Column order of the tuples validation produces and these functions store. ``attributes`` is
#: JSON text (or None); see ``storage.tables.intake.Observation``.
INSERT_COLUMNS: tuple[str, ...] = (
    "version_id",
    "upload_id",
    "row_number",
    "series_key",
    "time_period",
    "obs_value",
    "unit_measure",
    "unit_mult",
    "obs_status",
    "unweighted_n",
    "attributes",
)

#: What :func:`stream` reads by default: everything but the version and upload.
READ_COLUMNS: tuple[str, ...] = (*INSERT_COLUMNS[2:], "conf_status")

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


def duplicates(
    session: Session, version_id: int, limit: int = 1000
) -> list[tuple[str, str, list[tuple[int, int | None]]]]:
    """Keys (series key, period) held more than once in a version, each with every
    (row number, upload id) holding it, in upload and row order; at most ``limit`` keys.

    One grouping pass and one join, rather than a query per key: the table is indexed for
    appending (by version and id), not by key, so that storing stays fast.
    """
    result = session.execute(
        text(
            "SELECT o.series_key, o.time_period, o.row_number, o.upload_id FROM observation o "
            "JOIN (SELECT series_key, time_period FROM observation WHERE version_id = :version "
            "GROUP BY series_key, time_period HAVING COUNT(*) > 1 "
            "ORDER BY MIN(row_number) LIMIT :limit) d "
            "ON o.series_key = d.series_key AND o.time_period = d.time_period "
            "WHERE o.version_id = :version "
            "ORDER BY o.series_key, o.time_period, o.upload_id, o.row_number"
        ),
        {"version": version_id, "limit": limit},
    )
    grouped: dict[tuple[str, str], list[tuple[int, int | None]]] = {}
    for series_key, period, row_number, upload_id in result:
        grouped.setdefault((series_key, period), []).append((row_number, upload_id))
    ordered = sorted(grouped.items(), key=lambda item: min(r for r, _ in item[1]))
    return [(key, period, rows) for (key, period), rows in ordered]


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
    session: Session,
    version_id: int,
    columns: tuple[str, ...] = READ_COLUMNS,
    *,
    order: str = "storage",
) -> Iterator[tuple[Any, ...]]:
    """Observations of a version, fetched in batches (memory stays flat): in storage order, or
    by series key and period (``order="key"``, as SDMX messages list them)."""
    ordering = "series_key, time_period" if order == "key" else "id"
    result = session.execute(
        text(
            f"SELECT {', '.join(columns)} FROM observation WHERE version_id = :version "
            f"ORDER BY {ordering}"
        ).execution_options(yield_per=BATCH, stream_results=True),
        {"version": version_id},
    )
    for row in result:
        yield tuple(row)


def expand_columns() -> tuple[str, ...]:
    """The keys of :func:`expand`'s result, in a stable order."""
    return (
        "row_number",
        *(d.lower() for d in DIMENSIONS),
        *(c for c in READ_COLUMNS[2:] if c != "attributes"),
        *(a.lower() for a in OTHER_ATTRIBUTES),
    )


def expand(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row (``READ_COLUMNS`` as a mapping) with its series key split into dimensions
    and its JSON attributes spread out, keyed by lower-case component id."""
    expanded: dict[str, Any] = {"row_number": row["row_number"]}
    expanded.update(zip((d.lower() for d in DIMENSIONS), row["series_key"].split("."), strict=True))
    for column in READ_COLUMNS[2:]:
        if column != "attributes":
            expanded[column] = row[column]
    attributes = row.get("attributes")
    if isinstance(attributes, str):
        attributes = json.loads(attributes)
    for attribute_id, value in (attributes or {}).items():
        expanded[attribute_id.lower()] = value
    return expanded


def digest(session: Session, version_id: int) -> str:
    """SHA-256 over every stored observation of a version (their content, in storage order)."""
    hasher = hashlib.sha256()
    for row in stream(session, version_id):
        hasher.update(repr(row).encode("utf-8"))
        hasher.update(b"\n")
    return hasher.hexdigest()
