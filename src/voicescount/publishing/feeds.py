"""Data queries over published releases, as streams of SDMX series for the writers.

:func:`answer` resolves the dataflow and its DSD, picks the releases the query is about
(current ones; or those valid at ``as_of``; or all, with history; or those changed since
``updated_after``, withdrawals and supersessions as deletions), narrows the observations in SQL by
series and area, and filters the rest of the key, the periods and first/last N while streaming.
Nothing but one series is ever held in memory.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from voicescount.errors import InvalidInput, NoResults, NotFound, PayloadTooLarge
from voicescount.intake import lookup
from voicescount.intake.periods import InvalidPeriod, period_range
from voicescount.registry import repository, voices
from voicescount.sdmx.data import (
    ALL_DIMENSIONS,
    Action,
    AttributeColumn,
    DataSetInfo,
    DataStructure,
    ExtraAttributes,
    Header,
    Ref,
    Series,
    SeriesBlock,
)
from voicescount.sdmx.structures import parse_ref, short_ref
from voicescount.storage import published
from voicescount.storage.tables import (
    CommunitySeries,
    Dataset,
    Organisation,
    Release,
    SdgIndicator,
    SdgSeriesIndicator,
    StructureArtefact,
)
from voicescount.storage.types import utcnow
from voicescount.types import ArtefactType

#: Attributes voicescount sets on every observation of a release, from the release itself.
RELEASE_ATTRIBUTES = (
    "PRODUCER_TYPE",
    "REVIEW_DECISION",
    "REVIEW_ORG",
    "QUALITY_OUTCOME",
    "CITATION_REF",
)


@dataclass(frozen=True)
class DataQuery:
    """A data query, whatever the URL tree it came from (SDMX-REST 1.5 or 2.x)."""

    flow_agency: str | None
    flow_id: str
    flow_version: str | None
    #: Allowed codes per series-key dimension (DSD order); ``None`` = any.
    key: tuple[frozenset[str] | None, ...] | None = None
    providers: frozenset[str] | None = None
    start_period: str | None = None
    end_period: str | None = None
    updated_after: datetime | None = None
    first_n: int | None = None
    last_n: int | None = None
    dimension_at_observation: str = "TIME_PERIOD"
    include_history: bool = False
    as_of: datetime | None = None


@dataclass
class DataAnswer:
    header: Header
    structure: DataStructure
    datasets: Iterable[tuple[DataSetInfo, Iterable[Series | SeriesBlock]]]
    last_modified: datetime | None
    #: Observations the SQL filter selected (an upper bound of what is written).
    observations: int = 0
    flow: Ref | None = None
    releases: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------
# Structures


def flow_ref(flow: StructureArtefact | FlowView) -> str:
    """``AGENCY:ID(VERSION)`` of a dataflow, as datasets name the flow they report against."""
    return short_ref(flow.agency_id, flow.artefact_id, flow.version)


def resolve_flow(session: Session, query: DataQuery, agency: str) -> StructureArtefact:
    """The dataflow a query names; ``all``/``*``/missing agency and ``latest`` versions resolve."""
    flow_agency = query.flow_agency if query.flow_agency not in (None, "*", "all", "ALL") else None
    latest = query.flow_version in (None, "latest", "~", "+", "*", "LATEST")
    rows = repository.find_artefacts(
        session,
        artefact_type=ArtefactType.DATAFLOW.value,
        agency=flow_agency,
        artefact_id=query.flow_id,
        version=None if latest else query.flow_version,
        latest=latest,
    )
    if not rows:
        raise NotFound(
            "dataflow",
            f"{query.flow_agency or '*'}:{query.flow_id}({query.flow_version or 'latest'})",
        )
    ours = [r for r in rows if r.agency_id == agency]
    return (ours or rows)[-1]


#: DataStructures by DSD row and content hash. A stored artefact never changes in place (a new
#: generation is a new row; a replaced import a new row and hash), so an entry stays true; the
#: components query and ORM loading it saves are a fifth of a one-series query.
_STRUCTURES: dict[tuple[int, str], DataStructure] = {}
_STRUCTURES_LIMIT = 256


def data_structure(session: Session, flow: StructureArtefact) -> DataStructure:
    """The writer's view of the flow's DSD: dimensions in order, attributes by attachment."""
    dsd_ref = parse_ref(flow.details["structure"])
    row = repository.get_artefact(
        session, ArtefactType.DATASTRUCTURE.value, dsd_ref.agency, dsd_ref.id, dsd_ref.version
    )
    if row is None or row.id is None:
        raise NotFound("datastructure", str(dsd_ref))
    cache_key = (row.id, row.content_hash)
    cached = _STRUCTURES.get(cache_key)
    if cached is not None:
        return cached
    structure = _build_structure(session, row.id, dsd_ref)
    if len(_STRUCTURES) >= _STRUCTURES_LIMIT:
        _STRUCTURES.clear()
    _STRUCTURES[cache_key] = structure
    return structure


def _build_structure(session: Session, artefact_pk: int, dsd_ref: Any) -> DataStructure:
    components = repository.components(session, artefact_pk)
    dimensions = tuple(c.component_id for c in components if c.role == "dimension")
    time = next((c.component_id for c in components if c.role == "time_dimension"), "TIME_PERIOD")
    measure = next((c.component_id for c in components if c.role == "measure"), "OBS_VALUE")
    observation, series, dataset = [], [], []
    for component in components:
        if component.role != "attribute":
            continue
        attachment = component.attachment
        if attachment.get("level") == "observation":
            observation.append(component.component_id)
        elif "dimensions" in attachment:
            series.append(component.component_id)
        else:
            dataset.append(component.component_id)
    return DataStructure(
        ref=Ref(dsd_ref.agency, dsd_ref.id, dsd_ref.version),
        dimensions=dimensions,
        time_dimension=time,
        measure=measure,
        dataset_attributes=tuple(dataset),
        series_attributes=tuple(series),
        observation_attributes=tuple(observation),
    )


def name_lookup(session: Session, flow: StructureArtefact) -> Any:
    """``names(component, code)`` from the codelists of the flow's DSD (for SDMX-JSON labels)."""
    dsd_ref = parse_ref(flow.details["structure"])
    row = repository.get_artefact(
        session, ArtefactType.DATASTRUCTURE.value, dsd_ref.agency, dsd_ref.id, dsd_ref.version
    )
    codelists = (
        {c.component_id: c.codelist for c in repository.components(session, row.id) if c.codelist}
        if row is not None and row.id is not None
        else {}
    )
    items = {component: lookup.codelist_items(session, ref) for component, ref in codelists.items()}

    def names(component: str, code: str) -> str | None:
        found = items.get(component)
        return found.names.get(code) if found is not None else None

    return names


# ------------------------------------------------------------------------------------------
# Releases


@dataclass(frozen=True)
class ReleaseView:
    """What the feed needs of a release."""

    id: int
    uid: str
    provider: str
    attributes: dict[str, str]
    published_at: datetime
    ended_at: datetime | None
    action: Action = Action.INFORMATION
    #: Withdrawn releases leave every feed; ``updatedAfter`` reports them as deletions only.
    withdrawn: bool = False
    #: The imported dataflow the dataset reports against (``AGENCY:ID(VERSION)``); ``None``
    #: for the community flows. A release is disseminated in its own flow only.
    flow: str | None = None


def release_views(session: Session, query: DataQuery, base_url: str) -> list[ReleaseView]:
    views = _all_release_views(session, base_url)
    if query.providers is not None:
        views = [v for v in views if v.provider in query.providers]
    return _in_scope(views, query)


def _all_release_views(session: Session, base_url: str) -> list[ReleaseView]:
    """Every release, in id order: one query of the columns the feed needs (no ORM objects)."""
    steward = aliased(Organisation)
    statement = (
        sa_select(
            Release.id,
            Release.uid,
            Organisation.slug,
            Release.producer_type,
            Release.decision,
            steward.name,
            Release.quality_outcome,
            Release.published_at,
            Release.superseded_at,
            Release.withdrawn_at,
            Dataset.dataflow,
        )
        .join(Organisation, col(Organisation.id) == col(Release.organisation_id))
        .join(Dataset, col(Dataset.id) == col(Release.dataset_id))
        .outerjoin(steward, col(steward.id) == col(Release.steward_id))
        .order_by(col(Release.id))
    )
    base = base_url.rstrip("/")
    views = []
    for row in session.execute(statement):
        (uid, producer_type, decision, steward_name, quality_outcome) = row[1], *row[3:7]
        attributes = {
            "PRODUCER_TYPE": producer_type,
            "REVIEW_DECISION": decision,
            "CITATION_REF": f"{base}/api/v1/releases/{uid}",
        }
        if steward_name is not None:
            attributes["REVIEW_ORG"] = steward_name
        if quality_outcome:
            attributes["QUALITY_OUTCOME"] = quality_outcome
        superseded_at, withdrawn_at = row[8], row[9]
        ended = [m for m in (superseded_at, withdrawn_at) if m is not None]
        views.append(
            ReleaseView(
                id=row[0],
                uid=uid,
                provider=row[2],
                attributes=attributes,
                published_at=row[7],
                ended_at=min(ended) if ended else None,
                withdrawn=withdrawn_at is not None,
                flow=row[10],
            )
        )
    return views


def _in_scope(views: list[ReleaseView], query: DataQuery) -> list[ReleaseView]:
    now = utcnow()
    if query.updated_after is not None:
        since = query.updated_after
        ended = [
            _with_action(v, Action.DELETE)
            for v in views
            if v.ended_at is not None and v.ended_at > since and v.published_at <= since
        ]
        added = [
            _with_action(v, Action.REPLACE)
            for v in views
            if v.published_at > since and v.ended_at is None
        ]
        return ended + added
    # A withdrawal (e.g. consent taken back) removes the data from history and from
    # point-in-time answers too, not only from the current feed.
    kept = [v for v in views if not v.withdrawn]
    if query.include_history:
        return [v for v in kept if v.published_at <= now]
    moment = query.as_of or now
    in_force = [
        v for v in kept if v.published_at <= moment and (v.ended_at is None or v.ended_at > moment)
    ]
    # A point-in-time answer reproduces the feed as it read then, when no end was known yet.
    return [replace(v, ended_at=None) for v in in_force] if query.as_of else in_force


def _with_action(view: ReleaseView, action: Action) -> ReleaseView:
    return replace(view, action=action)


@dataclass(frozen=True)
class Freshness:
    """How current published data and structures are, in one query."""

    #: :func:`last_change`.
    moment: datetime | None
    #: Changes whenever structures, releases or organisations are added or removed (rows are
    #: never changed in place but for a release's supersession or withdrawal, which ``moment``
    #: sees): the key of what :func:`answer` keeps between queries.
    stamp: tuple[Any, ...]


def _newest_and_count(column: Any) -> list[Any]:
    return [
        sa_select(func.max(column)).scalar_subquery(),
        sa_select(func.count(column)).scalar_subquery(),
    ]


#: Built once: every data query asks (for its ETag), and building the statement cost as much
#: as running it.
_FRESHNESS = sa_select(
    func.max(Release.published_at),
    func.max(Release.superseded_at),
    func.max(Release.withdrawn_at),
    *_newest_and_count(StructureArtefact.id),
    *_newest_and_count(Release.id),
    *_newest_and_count(Organisation.id),
)


def freshness(session: Session) -> Freshness:
    values = tuple(session.execute(_FRESHNESS).one())
    moments = [_aware(m) for m in values[:3] if m is not None]
    return Freshness(max(moments) if moments else None, values[3:])


def last_change(session: Session) -> datetime | None:
    """When published data last changed (a release, a supersession or a withdrawal)."""
    return freshness(session).moment


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------------
# Series filters


def goal_series(session: Session, goal: str) -> frozenset[str]:
    """Series that inform a goal: global series of its indicators, community series of its targets."""
    statement = (
        select(SdgSeriesIndicator.series_code)
        .join(SdgIndicator, col(SdgIndicator.code) == col(SdgSeriesIndicator.indicator_code))
        .where(SdgIndicator.goal_code == goal)
    )
    codes = set(session.exec(statement))
    for series in session.exec(select(CommunitySeries)):
        if series.sdg_target.split(".")[0] == goal:
            codes.add(series.code)
    return frozenset(codes)


def flow_series(session: Session, flow: StructureArtefact | FlowView) -> frozenset[str] | None:
    """The series a goal flow carries (``None`` for the flow of all goals)."""
    prefix = f"{voices.FLOW_ID}_G"
    if not flow.artefact_id.startswith(prefix):
        return None
    return goal_series(session, str(int(flow.artefact_id[len(prefix) :])))


class PeriodWindow:
    def __init__(self, start: str | None, end: str | None) -> None:
        try:
            self.start = period_range(start)[0] if start else None
            self.end = period_range(end)[1] if end else None
        except InvalidPeriod as exc:
            raise InvalidInput(str(exc)) from exc
        self._cache: dict[str, bool] = {}

    @property
    def open(self) -> bool:
        return self.start is None and self.end is None

    def admits(self, period: str) -> bool:
        found = self._cache.get(period)
        if found is None:
            try:
                first, last = period_range(period)
                found = (self.start is None or last >= self.start) and (
                    self.end is None or first <= self.end
                )
            except InvalidPeriod:
                found = False
            self._cache[period] = found
        return found


#: Most series keys a query may spell out for SQL (the product of its codes per dimension).
EXACT_KEYS_LIMIT = 200


def _exact_keys(
    key: tuple[frozenset[str] | None, ...],
    series_position: int | None,
    wanted_series: frozenset[str] | None,
) -> frozenset[str] | None:
    """The whole series keys a query names, if it pins every dimension to a few codes.

    A one-series query then reads its few observations along ``ix_published_release`` instead
    of every observation of its series and area (about 500 at a million) to keep a handful.
    ``None`` when some dimension is open or the keys would be too many to list.
    """
    parts = list(key)
    if series_position is not None:
        parts[series_position] = wanted_series
    size = 1
    for part in parts:
        if part is None:
            return None
        size *= len(part)
        if size > EXACT_KEYS_LIMIT:
            return None
    return frozenset(".".join(codes) for codes in itertools.product(*map(sorted, parts)))


def _key_matcher(key: tuple[frozenset[str] | None, ...] | None) -> Any:
    if key is None or all(part is None for part in key):
        return None
    cache: dict[str, bool] = {}

    def matches(series_key: str) -> bool:
        found = cache.get(series_key)
        if found is None:
            codes = series_key.split(".")
            found = all(
                allowed is None or code in allowed
                for code, allowed in zip(codes, key, strict=False)
            )
            cache[series_key] = found
        return found

    return matches


# ------------------------------------------------------------------------------------------
# The answer


@dataclass(frozen=True)
class FlowView:
    """What a data answer needs of a dataflow's row (a plain copy, safe to keep across
    sessions and threads)."""

    agency_id: str
    artefact_id: str
    version: str

    @property
    def ref(self) -> str:
        return flow_ref(self)


#: (flow, structure, every release) by query flow, agency, base URL and the
#: :class:`Freshness` of the tables they come from: what every data query resolved anew, half
#: of a one-series query's work.
_CONTEXTS: dict[tuple[Any, ...], tuple[FlowView, DataStructure, list[ReleaseView]]] = {}
_CONTEXTS_LIMIT = 256


def _context(
    session: Session, query: DataQuery, agency: str, base_url: str, fresh: Freshness
) -> tuple[FlowView, DataStructure, list[ReleaseView]]:
    key = (
        fresh,
        query.flow_agency,
        query.flow_id,
        query.flow_version,
        agency,
        base_url,
    )
    found = _CONTEXTS.get(key)
    if found is None:
        flow = resolve_flow(session, query, agency)
        structure = data_structure(session, flow)
        found = (
            FlowView(flow.agency_id, flow.artefact_id, flow.version),
            structure,
            _all_release_views(session, base_url),
        )
        if len(_CONTEXTS) >= _CONTEXTS_LIMIT:
            _CONTEXTS.clear()
        _CONTEXTS[key] = found
    return found


def answer(
    session: Session,
    query: DataQuery,
    *,
    agency: str,
    base_url: str,
    max_observations: int,
    sender: str,
    blocks: bool = False,
    fresh: Freshness | None = None,
) -> DataAnswer:
    """Everything to write a data message for ``query``; :class:`NoResults` if it matches none.

    ``blocks``: the data sets hand out :class:`~voicescount.sdmx.data.SeriesBlock` items (for
    the writers, which render them column by column), else :class:`Series` one by one.
    ``fresh``: :func:`freshness`, if the caller has just read it.
    """
    fresh = freshness(session) if fresh is None else fresh
    flow, structure, every_release = _context(session, query, agency, base_url, fresh)
    if query.key is not None and len(query.key) != len(structure.dimensions):
        raise InvalidInput(
            f"The key has {len(query.key)} parts; {flow.artefact_id} has "
            f"{len(structure.dimensions)} dimensions ({'.'.join(structure.dimensions)})."
        )
    # The community flows carry the releases of datasets reported against them; an imported
    # (national) flow those of datasets reported against it.
    own_flow = None if flow.agency_id == agency else flow.ref
    providers = query.providers
    releases = _in_scope(
        [
            r
            for r in every_release
            if r.flow == own_flow and (providers is None or r.provider in providers)
        ],
        query,
    )
    by_id = {r.id: r for r in releases}
    allowed_series = flow_series(session, flow)
    key = query.key or tuple(None for _ in structure.dimensions)
    series_position = (
        structure.dimensions.index("SERIES") if "SERIES" in structure.dimensions else None
    )
    area_position = (
        structure.dimensions.index("REF_AREA") if "REF_AREA" in structure.dimensions else None
    )
    wanted_series = key[series_position] if series_position is not None else None
    if allowed_series is not None:
        wanted_series = allowed_series if wanted_series is None else wanted_series & allowed_series
    exact = _exact_keys(key, series_position, wanted_series)
    filter_ = (
        published.Filter(release_ids=list(by_id), series_keys=exact)
        if exact is not None
        else published.Filter(
            release_ids=list(by_id),
            series=wanted_series,
            ref_areas=key[area_position] if area_position is not None else None,
        )
    )
    total = published.count(session, filter_)
    if total > max_observations:
        raise PayloadTooLarge(
            f"The query matches {total:,} observations; this service answers at most "
            f"{max_observations:,} at once. Narrow it by key, provider or period."
        )
    flow_ref = Ref(flow.agency_id, flow.artefact_id, flow.version)
    header = Header(
        id=f"VC{utcnow():%Y%m%d%H%M%S%f}",
        prepared=utcnow(),
        sender=sender,
        flow=flow_ref,
        dimension_at_observation=ALL_DIMENSIONS
        if query.dimension_at_observation.lower() == ALL_DIMENSIONS.lower()
        else structure.time_dimension,
    )
    stream = _series_stream(
        session, filter_, by_id, structure, query, key, blocks=blocks, expected=total
    )
    if own_flow is not None:
        stream = _declared_only(stream, structure)
    first = next(stream, None)
    if first is None:
        raise NoResults(f"No published observation matches this query on {flow_ref}.")
    return DataAnswer(
        header=header,
        structure=structure,
        datasets=_datasets(itertools.chain([first], stream), by_id, agency),
        last_modified=fresh.moment,
        observations=total,
        flow=flow_ref,
        releases=[r.uid for r in releases],
    )


def _datasets(
    items: Iterator[tuple[int, Series | SeriesBlock]], releases: dict[int, ReleaseView], agency: str
) -> Iterator[tuple[DataSetInfo, Iterator[Series | SeriesBlock]]]:
    for release_id, group in itertools.groupby(items, key=lambda item: item[0]):
        release = releases[release_id]
        info = DataSetInfo(
            provider=(agency, release.provider),
            action=release.action,
            valid_from=release.published_at,
            valid_to=release.ended_at,
            set_id=release.uid,
        )
        yield info, (series for _, series in group)


def _series_stream(
    session: Session,
    filter_: published.Filter,
    releases: dict[int, ReleaseView],
    structure: DataStructure,
    query: DataQuery,
    key: tuple[frozenset[str] | None, ...],
    *,
    blocks: bool = False,
    expected: int | None = None,
) -> Iterator[tuple[int, Series | SeriesBlock]]:
    """(release id, series or block) in message order; ``blocks`` hands out :class:`SeriesBlock`
    items (a fetch's worth of whole series each), else one :class:`Series` at a time."""
    matches = _key_matcher(key)
    window = PeriodWindow(query.start_period, query.end_period)
    narrowing = (
        matches is not None
        or not window.open
        or query.first_n is not None
        or query.last_n is not None
    )
    extras = _Extras()
    for release_id, rows in _whole_series(published.batches(session, filter_, expected)):
        release = releases[release_id]
        if narrowing:
            rows = _narrowed(rows, matches, window, query)
            if not rows:
                continue
        block = _block(rows, release, extras)
        if blocks:
            yield release_id, block
        else:
            for series in block.series():
                yield release_id, series


def _declared_only(
    stream: Iterator[tuple[int, Series | SeriesBlock]], structure: DataStructure
) -> Iterator[tuple[int, Series | SeriesBlock]]:
    """The stream with only the attributes ``structure`` declares, at the level it attaches them:
    a national DSD lacks the community attributes (producer type, review decision…), and a
    message may carry no attribute its DSD does not define."""
    observation = frozenset(structure.observation_attributes)
    series = frozenset(structure.series_attributes)
    for release_id, item in stream:
        if isinstance(item, SeriesBlock):
            extra = item.extra
            if extra is not None:
                extra = [
                    tuple(pair for pair in pairs if pair[0] in observation) or None
                    if pairs
                    else None
                    for pairs in extra
                ]
            yield (
                release_id,
                SeriesBlock(
                    item.keys,
                    item.times,
                    item.values,
                    attributes=[(a, c) for a, c in item.attributes if a in observation],
                    series_attributes=[(a, c) for a, c in item.series_attributes if a in series],
                    extra=extra,
                ),
            )
        else:
            yield (
                release_id,
                replace(
                    item,
                    attributes={a: v for a, v in item.attributes.items() if a in series},
                    observations=[
                        replace(
                            o,
                            attributes={a: v for a, v in o.attributes.items() if a in observation},
                        )
                        for o in item.observations
                    ],
                ),
            )


def _whole_series(
    batches: Iterator[list[tuple[Any, ...]]],
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """Fetched rows regrouped as (release id, rows of whole series of that release): the rows
    of the last series of a fetch wait for the next one, which may hold more of them."""
    carried: list[tuple[Any, ...]] = []
    for batch in batches:
        if carried:
            batch = carried + batch
        last = batch[-1]
        cut = len(batch) - 1
        while cut > 0 and batch[cut - 1][1] == last[1] and batch[cut - 1][0] == last[0]:
            cut -= 1
        carried = batch[cut:]
        yield from _by_release(batch[:cut])
    yield from _by_release(carried)


def _by_release(rows: list[tuple[Any, ...]]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    if not rows:
        return
    if rows[0][0] == rows[-1][0]:  # rows are in release order: one release
        yield rows[0][0], rows
        return
    for release_id, group in itertools.groupby(rows, key=itemgetter(0)):
        yield release_id, list(group)


def _narrowed(
    rows: list[tuple[Any, ...]], matches: Any, window: PeriodWindow, query: DataQuery
) -> list[tuple[Any, ...]]:
    """The rows the key, the period window and first/last N keep, series by series."""
    kept: list[tuple[Any, ...]] = []
    for series_key, group in itertools.groupby(rows, key=itemgetter(1)):
        if matches is not None and not matches(series_key):
            continue
        observations = [row for row in group if window.open or window.admits(row[2])]
        if query.first_n is not None:
            observations = observations[: query.first_n]
        if query.last_n is not None:
            observations = observations[-query.last_n :] if query.last_n else []
        kept += observations
    return kept


#: Attributes a release or the row's own columns set; an extra attribute of the same id (JSON
#: ``attributes``) overrides them in place.
_COLUMN_ATTRIBUTES = frozenset(
    ("OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT", "UNWEIGHTED_N", *RELEASE_ATTRIBUTES)
)


class _Texts(dict[Any, str | None]):
    """``texts[value]`` is ``str(value)``, computed once per distinct value (``map`` over a
    column then runs without Python bytecode); ``fixed`` values for some (``None``)."""

    def __init__(self, fixed: dict[Any, str | None]) -> None:
        super().__init__(fixed)
        self.fixed = fixed

    def __missing__(self, value: Any) -> str:
        if len(self) >= 10_000:
            self.clear()
            self.update(self.fixed)
        text = self[value] = str(value)
        return text


#: Column values as text: as-is for None, with OBS_STATUS "A" and CONF_STATUS "F" when unset.
_TEXT = _Texts({None: None})
_STATUS_TEXT = _Texts({None: "A", "": "A"})
_CONF_TEXT = _Texts({None: "F", "": "F"})


class _Extras(dict[Any, ExtraAttributes]):
    """JSON ``attributes`` text → (id, text) pairs, parsed once per distinct text."""

    def __missing__(self, text: str) -> ExtraAttributes:
        if len(self) >= 10_000:
            self.clear()
        loaded = json.loads(text)
        pairs = tuple((a, _text(v)) for a, v in loaded.items()) if loaded else None
        self[text] = pairs
        return pairs


def _block(rows: list[tuple[Any, ...]], release: ReleaseView, extras: _Extras) -> SeriesBlock:
    """Rows of whole series of one release as columns; what ``_observation`` made of each row
    one by one: OBS_STATUS (A when unset), CONF_STATUS (F), the release's attributes, UNIT_MULT,
    UNWEIGHTED_N, the JSON extras; UNIT_MEASURE moves to the series (its first observation's)."""
    _, keys, times, values, units, mults, statuses, counts, confs, others = zip(*rows, strict=True)
    count = len(times)
    if release.action is Action.DELETE:
        return SeriesBlock(keys, times, (None,) * count)
    columns: list[tuple[str, AttributeColumn]] = [
        ("OBS_STATUS", list(map(_STATUS_TEXT.__getitem__, statuses))),
        ("CONF_STATUS", list(map(_CONF_TEXT.__getitem__, confs))),
        *((a, [None] * count if v is None else v) for a, v in release.attributes.items()),
        ("UNIT_MULT", list(map(_TEXT.__getitem__, mults))),
        ("UNWEIGHTED_N", list(map(_TEXT.__getitem__, counts))),
    ]
    extra: list[ExtraAttributes] | None = None
    unit_column: Sequence[str | None] = units
    if any(others):
        extra = [None if o is None else extras[o] for o in others]
        if any(pair[0] in _COLUMN_ATTRIBUTES for pairs in set(extra) if pairs for pair in pairs):
            unit_column = list(units)
            _override(
                columns,
                unit_column,
                extra,
                present={"OBS_STATUS", "CONF_STATUS", *release.attributes},
            )
    return SeriesBlock(
        keys,
        times,
        values,
        attributes=columns,
        series_attributes=[("UNIT_MEASURE", unit_column)],
        extra=extra,
    )


def _override(
    columns: list[tuple[str, AttributeColumn]],
    units: list[str | None],
    extra: list[ExtraAttributes],
    present: set[str],
) -> None:
    """Extra attributes named like a column (rare) do what ``dict.update`` did to the
    attributes of one observation: replace a value the observation has, in its place (the
    ``present`` ones always have one, others when not ``None``), or else come last."""
    position = {attribute: index for index, (attribute, _) in enumerate(columns)}
    for i, pairs in enumerate(extra):
        if not pairs or not any(a in _COLUMN_ATTRIBUTES for a, _ in pairs):
            continue
        kept = []
        for attribute, value in pairs:
            if attribute == "UNIT_MEASURE":  # moves to the series in any case
                units[i] = value
                continue
            index = position.get(attribute)
            if index is None:
                kept.append((attribute, value))
                continue
            name, column = columns[index]
            if attribute not in present and (isinstance(column, str) or column[i] is None):
                kept.append((attribute, value))
                continue
            if isinstance(column, str):
                column = [column] * len(units)
                columns[index] = (name, column)
            column[i] = value  # type: ignore[index]
        extra[i] = tuple(kept) or None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
