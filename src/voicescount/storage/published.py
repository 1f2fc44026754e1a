"""Published observations: written once per release (inside the database), read for SDMX feeds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

BATCH = 10_000

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

    One INSERT … SELECT: nothing crosses into Python, and no generator reads from the
    connection while it writes (which a PostgreSQL COPY would not allow).
    """
    result = session.execute(
        text(
            "INSERT INTO published_observation (release_id, series_key, series, ref_area, "
            "time_period, obs_value, unit_measure, unit_mult, obs_status, unweighted_n, "
            "conf_status, attributes) "
            "SELECT :release, series_key, split_part(series_key, '.', 3), "
            "split_part(series_key, '.', 4), time_period, obs_value, unit_measure, unit_mult, "
            "obs_status, unweighted_n, conf_status, attributes FROM observation "
            "WHERE version_id = :version ORDER BY series_key, time_period"
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


def _where(filter_: Filter) -> tuple[str, dict[str, Any]]:
    clauses = [f"release_id IN ({', '.join(str(int(r)) for r in filter_.release_ids)})"]
    params: dict[str, Any] = {}
    for column, values in (("series", filter_.series), ("ref_area", filter_.ref_areas)):
        if values is not None:
            names = []
            for index, value in enumerate(sorted(values)):
                params[f"{column}{index}"] = value
                names.append(f":{column}{index}")
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
