"""Published observations: written once per release (inside the database), read for SDMX feeds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

BATCH = 10_000
#: Rows per round trip of :func:`batches`: big enough that fetching costs little per row, small
#: enough (a MiB or two of tuples) to keep a download's memory flat.
FETCH_ROWS = 2_000

#: What :func:`rows` yields per observation, in order.
ROW_COLUMNS: tuple[str, ...] = (
    "release_id",
    "series_key",
    "time_period",
    "obs_value",
    "unit_measure",
    "unit_mult",
    "obs_status",
    "unweighted_n",
    "conf_status",
    "attributes",
)


def publish_version(session: Session, release_id: int, version_id: int) -> int:
    """Copy a version's observations into the release, inside the database; returns the count.

    Disclosure control's verdicts (table ``suppression``) apply on the way: a withheld cell
    (CONF_STATUS A or D) loses its value, its unweighted n and its other attributes (bounds or
    a comment would give the value away); OBS_STATUS becomes Q, or U for low reliability.

    One INSERT … SELECT: nothing crosses into Python, and no generator reads from the
    connection while it writes (which a PostgreSQL COPY would not allow).
    """
    withheld = "s.conf_status IN ('A', 'D')"
    result = session.execute(
        text(
            "INSERT INTO published_observation (release_id, series_key, series, ref_area, "
            "time_period, obs_value, unit_measure, unit_mult, obs_status, unweighted_n, "
            "conf_status, attributes) "
            "SELECT :release, o.series_key, split_part(o.series_key, '.', 3), "
            "split_part(o.series_key, '.', 4), o.time_period, "
            f"CASE WHEN {withheld} THEN NULL ELSE o.obs_value END, o.unit_measure, o.unit_mult, "
            "COALESCE(s.obs_status, o.obs_status), "
            f"CASE WHEN {withheld} THEN NULL ELSE o.unweighted_n END, "
            "COALESCE(s.conf_status, o.conf_status), "
            f"CASE WHEN {withheld} THEN NULL ELSE o.attributes END "
            "FROM observation o LEFT JOIN suppression s "
            "ON s.version_id = o.version_id AND s.observation_id = o.id "
            "WHERE o.version_id = :version ORDER BY o.series_key, o.time_period"
        ),
        {"release": release_id, "version": version_id},
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Filter:
    """Which published observations a query wants, as far as SQL can narrow it down."""

    release_ids: Sequence[int]
    series: frozenset[str] | None = None
    ref_areas: frozenset[str] | None = None
    #: Whole series keys, when the query names few enough of them: ``ix_published_release``
    #: then reads exactly their observations instead of every key of a series and area.
    series_keys: frozenset[str] | None = None


def _where(filter_: Filter, placeholder: str = ":{}") -> tuple[str, dict[str, Any]]:
    """The WHERE clause and its parameters; ``placeholder`` spells a named parameter (SQLAlchemy
    and sqlite3 ``:name``, psycopg ``%(name)s``)."""
    clauses = [f"release_id IN ({', '.join(str(int(r)) for r in filter_.release_ids)})"]
    params: dict[str, Any] = {}
    for column, values in (
        ("series", filter_.series),
        ("ref_area", filter_.ref_areas),
        ("series_key", filter_.series_keys),
    ):
        if values is not None:
            names = []
            for index, value in enumerate(sorted(values)):
                params[f"{column}{index}"] = value
                names.append(placeholder.format(f"{column}{index}"))
            clauses.append(f"{column} IN ({', '.join(names)})" if names else "1 = 0")
    return " AND ".join(clauses), params


def rows(session: Session, filter_: Filter) -> Iterator[tuple[Any, ...]]:
    """Observations in release, series-key and period order, fetched in batches."""
    if not filter_.release_ids:
        return
    where, params = _where(filter_)
    result = session.execute(
        text(
            f"SELECT {', '.join(ROW_COLUMNS)} FROM published_observation WHERE {where} "
            "ORDER BY release_id, series_key, time_period"
        ).execution_options(yield_per=BATCH, stream_results=True),
        params,
    )
    for row in result:
        yield tuple(row)


def batches(
    session: Session, filter_: Filter, expected: int | None = None
) -> Iterator[list[tuple[Any, ...]]]:
    """:func:`rows` as lists of plain tuples straight from the driver, ``attributes`` as JSON
    text on both databases.

    The SDMX feeds' path: no SQLAlchemy row objects, :data:`FETCH_ROWS` rows per fetch, and on
    PostgreSQL a server-side cursor, so a million rows stream in flat memory; for at most
    ``expected`` ≤ :data:`FETCH_ROWS` rows (a count the caller has made), a plain cursor, which
    saves the cursor's two extra round trips. The cursor runs on the session's connection,
    hence in its transaction.
    """
    if not filter_.release_ids:
        return
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    where, params = _where(filter_, "%({})s" if postgres else ":{}")
    columns = [*ROW_COLUMNS[:-1], "CAST(attributes AS TEXT)"]
    statement = (
        f"SELECT {', '.join(columns)} FROM published_observation WHERE {where} "
        "ORDER BY release_id, series_key, time_period"
    )
    driver = connection.connection.driver_connection
    server_side = postgres and (expected is None or expected > FETCH_ROWS)
    cursor = driver.cursor(name=f"vc_feed_{id(filter_):x}") if server_side else driver.cursor()
    try:
        cursor.execute(statement, params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            yield batch
    finally:
        # A reader that stopped early may finalise this generator after its session closed
        # the connection (and the cursor with it): nothing is left to close then.
        with suppress(Exception):
            cursor.close()


def count(session: Session, filter_: Filter) -> int:
    if not filter_.release_ids:
        return 0
    where, params = _where(filter_)
    return int(
        session.execute(
            text(f"SELECT COUNT(*) FROM published_observation WHERE {where}"), params
        ).scalar_one()
    )


def keys(session: Session, filter_: Filter) -> Iterator[tuple[int, str, str]]:
    """(release id, series key, period) of matching observations (for availability)."""
    if not filter_.release_ids:
        return
    where, params = _where(filter_)
    result = session.execute(
        text(
            f"SELECT release_id, series_key, time_period FROM published_observation WHERE {where}"
        ).execution_options(yield_per=BATCH, stream_results=True),
        params,
    )
    for row in result:
        yield (row[0], row[1], row[2])
