"""Data availability (SDMX-REST ``availableconstraint`` / ``availability``): an actual content
constraint listing the values a data query's answer holds, per dimension.

``mode=exact`` gives the values of the observations the query selects; ``mode=available``
gives, for each dimension, the values that would still select data given the query's choices
on the *other* dimensions (what a data browser offers next).
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session

from voicescount.errors import InvalidInput, NoResults
from voicescount.publishing import feeds
from voicescount.sdmx.query import semantic_error
from voicescount.sdmx.structures import ArtefactRecord
from voicescount.storage import published
from voicescount.types import ArtefactType


def available(
    session: Session,
    query: feeds.DataQuery,
    *,
    agency: str,
    base_url: str,
    mode: str = "exact",
    component: str | None = None,
) -> ArtefactRecord:
    """The actual constraint of ``query``'s answer; :class:`NoResults` if it has none."""
    mode = (mode or "exact").strip().lower()
    if mode not in ("exact", "available"):
        raise InvalidInput(f"mode must be exact or available, not {mode!r}.")
    flow = feeds.resolve_flow(session, query, agency)
    structure = feeds.data_structure(session, flow)
    dimensions = structure.dimensions
    wanted = component if component not in (None, "", "all", "*") else None
    if wanted is not None and wanted not in (*dimensions, structure.time_dimension):
        raise semantic_error(f"{wanted} is not a dimension of {flow.artefact_id}.")
    key = query.key or tuple(None for _ in dimensions)
    if len(key) != len(dimensions):
        raise InvalidInput(f"The key has {len(key)} parts; the flow has {len(dimensions)}.")
    own_flow = None if flow.agency_id == agency else feeds.flow_ref(flow)
    releases = [r for r in feeds.release_views(session, query, base_url) if r.flow == own_flow]
    allowed = feeds.flow_series(session, flow)
    filter_ = published.Filter(release_ids=[r.id for r in releases], series=allowed)
    window = feeds.PeriodWindow(query.start_period, query.end_period)
    values: dict[str, set[str]] = defaultdict(set)
    series_seen: set[tuple[int, str]] = set()
    observations = 0
    for release_id, series_key, period in published.keys(session, filter_):
        if not window.open and not window.admits(period):
            continue
        codes = series_key.split(".")
        misses = [
            i
            for i, allowed_codes in enumerate(key)
            if allowed_codes is not None and codes[i] not in allowed_codes
        ]
        if not misses:
            observations += 1
            series_seen.add((release_id, series_key))
            values[structure.time_dimension].add(period)
        for position, code in enumerate(codes):
            # exact: the observation must match the whole key; available: all but this position.
            if not misses or (mode == "available" and misses == [position]):
                values[dimensions[position]].add(code)
    if observations == 0:
        raise NoResults(f"No published observation matches this query on {flow.artefact_id}.")
    members = {
        dimension: {"included": True, "values": sorted(values[dimension])}
        for dimension in (*dimensions, structure.time_dimension)
        if (wanted is None or dimension == wanted) and values.get(dimension)
    }
    record = ArtefactRecord(
        type=ArtefactType.CONTENTCONSTRAINT,
        agency=agency,
        id=f"CC_{flow.artefact_id}",
        version="1.0.0",
        is_final=False,
        names={"en": f"Data available in {flow.artefact_id} for this query"},
        annotations=[
            {"id": "series_count", "title": str(len(series_seen))},
            {"id": "obs_count", "title": str(observations)},
            {"id": "mode", "title": mode},
        ],
        details={
            "role": "actual",
            "attachment": [
                {"type": "dataflow", "ref": f"{flow.agency_id}:{flow.artefact_id}({flow.version})"}
            ],
            "cube_regions": [{"included": True, "members": members}],
        },
    )
    return record
