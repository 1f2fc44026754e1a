"""Community observations beside official ones: which pairs compare, the gap, and why.

A published community observation (of a current release, or of the release asked for) is
compared with the official observation of each reference source that it best matches:

1. **Series**: the same SDG series code; else another series of the same indicator (the
   registry's series → indicator links, and a community series' own indicators), labelled
   "same indicator, different series".
2. **Area**: the same REF_AREA; else, for an area below a country (ISO 3166-2 in voicescount),
   the country's official figure (M49), labelled "national figure for comparison".
3. **Period**: the same TIME_PERIOD; else the same year in another notation; else the nearest
   year within ±2 (the earlier of two equally near), labelled.
4. **Disaggregations** (SEX, AGE, URBANISATION… every SDG dimension after REF_AREA): each must
   be the same code on both sides, or the official total ``_T``, which the row then says. An
   official figure for another group (women, where the community figure is for men) is never
   used.

Candidates are ranked in that order (series, area, period distance, exactness of the period,
then the fewest totals), and the first wins. ``gap`` is community − official and ``ratio``
community / official, both left out when the units (or unit multipliers) differ. Each row
carries the release (decision, caveat, citation URL) and the reference source (name, agency,
data set, loading time, SHA-256 of the file) it was made from.

Withheld community cells (no value after disclosure control) are not compared.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from voicescount.comparison.reference import BREAKDOWNS, Areas
from voicescount.errors import Conflict, InvalidInput, NotFound
from voicescount.intake.periods import InvalidPeriod, period_range
from voicescount.publishing import service as publishing
from voicescount.registry import sdg
from voicescount.storage.tables import (
    CommunitySeries,
    Dataset,
    Organisation,
    PublishedObservation,
    ReferenceObservation,
    ReferenceSource,
    Release,
    SdgSeriesIndicator,
)
from voicescount.storage.tables.intake import DIMENSIONS

#: How far apart (in years) an official figure may be and still be compared.
MAX_YEARS_APART = 2

#: Positions in a series key (``storage.tables.intake.DIMENSIONS`` order).
_SERIES, _AREA = DIMENSIONS.index("SERIES"), DIMENSIONS.index("REF_AREA")
_BREAKDOWN_START = DIMENSIONS.index(BREAKDOWNS[0])

_published: Table = PublishedObservation.__table__  # type: ignore[attr-defined]
_official: Table = ReferenceObservation.__table__  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------
# What a comparison holds


@dataclass(frozen=True)
class SourceLabel:
    """Where the official figure comes from: enough to find the very file again."""

    id: int
    name: str
    agency: str | None
    dataset: str | None
    structure: str | None
    loaded_at: datetime
    sha256: str

    @classmethod
    def of(cls, source: ReferenceSource) -> SourceLabel:
        assert source.id is not None
        return cls(
            id=source.id,
            name=source.name,
            agency=source.agency,
            dataset=source.dataset,
            structure=source.structure,
            loaded_at=source.loaded_at,
            sha256=source.blob_sha256,
        )


@dataclass(frozen=True)
class ReleaseLabel:
    """Where the community figure comes from: the release and what review decided."""

    id: int
    uid: str
    dataset: str
    provider: str
    decision: str
    caveat: str | None
    citation_url: str


@dataclass(frozen=True)
class CommunityFigure:
    value: float
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    unweighted_n: int | None
    release: ReleaseLabel
    #: The community figure's own disaggregations (codes other than ``_T``), including those
    #: compared with the official total.
    dimensions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OfficialFigure:
    value: float
    series: str
    area: str
    #: The area code as the official file wrote it (``KE`` for ``404``), when it differs.
    source_area: str | None
    period: str
    dimensions: dict[str, str]
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    attributes: dict[str, Any]
    source: SourceLabel


@dataclass(frozen=True)
class Match:
    """How the pair was matched, one code per rule (see the module docstring)."""

    #: ``same`` or ``same_indicator``.
    series: str
    #: ``same`` or ``national``.
    area: str
    #: ``exact``, ``same_year`` or ``nearest_year``.
    period: str
    #: ``exact`` or ``official_total``.
    disaggregation: str


@dataclass(frozen=True)
class ComparisonRow:
    series: str
    indicator: str | None
    area: str
    area_name: str | None
    period: str
    #: Disaggregations both sides share (codes other than ``_T``); any other is ``_T`` on both
    #: sides, or listed in ``compared_with_total``.
    dimensions: dict[str, str]
    #: Disaggregations of the community figure compared with the official total (``_T``).
    compared_with_total: tuple[str, ...]
    community: CommunityFigure
    official: OfficialFigure
    match: Match
    #: What a reader must know about the pairing, in words (empty parts are not said).
    labels: tuple[str, ...]
    gap: float | None
    ratio: float | None


@dataclass
class Comparison:
    rows: list[ComparisonRow]
    #: The reference sources the rows come from.
    sources: list[SourceLabel]
    #: Community observations in scope (with a value), and how many found no official match.
    community_observations: int = 0
    unmatched: int = 0
    query: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------
# Scope


@dataclass(frozen=True)
class _Community:
    release_id: int
    key: tuple[str, ...]
    period: str
    value: float
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    unweighted_n: int | None


@dataclass(frozen=True)
class _Official:
    id: int
    source_id: int
    key: tuple[str, ...]
    source_area: str | None
    period: str
    year: int
    value: float
    unit_measure: str | None
    unit_mult: str | None
    obs_status: str | None
    attributes: dict[str, Any]


def _releases(session: Session, release: str | None, dataset: str | None) -> list[Release]:
    if release is not None:
        found = publishing.get_release(session, release)
        if found.withdrawn_at is not None:
            raise Conflict(
                f"Release {release} was withdrawn on {found.withdrawn_at:%Y-%m-%d}; its data are "
                "no longer disseminated, nor compared."
            )
        return [found]
    if dataset is not None:
        found_dataset = session.exec(select(Dataset).where(Dataset.uid == dataset)).first()
        current = None
        if found_dataset is not None and found_dataset.id is not None:
            current = publishing.current_release(session, found_dataset.id)
        if current is None:
            raise NotFound("published dataset", dataset)
        return [current]
    return publishing.list_releases(session, current_only=True)


def _links(session: Session) -> dict[str, frozenset[str]]:
    """Series → the indicators it measures (global links and community series' own)."""
    links: dict[str, set[str]] = defaultdict(set)
    for link in session.exec(select(SdgSeriesIndicator)):
        links[link.series_code].add(link.indicator_code)
    for series in session.exec(select(CommunitySeries)):
        links[series.code].update(series.sdg_indicators)
    return {code: frozenset(indicators) for code, indicators in links.items()}


def _natural(code: str) -> tuple[Any, ...]:
    """``1.10.1`` after ``1.2.1``; ``5.a.1`` after ``5.9.1``."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


def _year(period: str) -> int | None:
    try:
        return period_range(period)[0].year
    except InvalidPeriod:
        return None


# ------------------------------------------------------------------------------------------
# The comparison


def compare(
    session: Session,
    *,
    agency: str,
    base_url: str,
    release: str | None = None,
    dataset: str | None = None,
    indicator: str | None = None,
    series: str | None = None,
    area: str | None = None,
    period: str | None = None,
    source: int | None = None,
) -> Comparison:
    """Community observations in scope beside their best official match in each source.

    Scope: a release (``release``, any but a withdrawn one), a dataset's current release
    (``dataset``), or every current release; narrowed to a series or an indicator's series,
    an area (itself, or any area within it), a period (exact, or a year) and one source.
    """
    if not any((release, dataset, indicator, series)):
        raise InvalidInput(
            "Say what to compare: a release, a dataset, an indicator or a series.",
            errors=[{"field": "release|dataset|indicator|series", "message": "give at least one"}],
        )
    areas = Areas.of(session, agency)
    links = _links(session)
    wanted_series: set[str] | None = None
    if indicator is not None:
        indicator = sdg.get_indicator(session, indicator).code
        wanted_series = {code for code, inds in links.items() if indicator in inds}
    if series is not None:
        code = sdg.normalise_series_code(series)
        wanted_series = {code} if wanted_series is None else wanted_series & {code}
    if source is not None and session.get(ReferenceSource, source) is None:
        raise NotFound("reference source", str(source))
    wanted_area = areas.normalise(area.strip()) if area else None
    period = period.strip() if period else None
    if period and _year(period) is None:
        raise InvalidInput(
            f"{period!r} is not a period; give a year (2023) or an SDMX period (2023-Q1).",
            errors=[{"field": "period", "message": "not an SDMX time period"}],
        )
    # A year asks for every period in it (2023-Q1…); any other period for itself.
    wanted_year = int(period) if period and period.isdigit() else None
    releases = _releases(session, release, dataset)
    labels = _release_labels(session, releases, base_url)
    community = [
        c
        for c in _community(session, list(labels), wanted_series)
        if (
            wanted_area is None
            or wanted_area in (areas.normalise(c.key[_AREA]), areas.country_of(c.key[_AREA]))
        )
        and (
            not period
            or c.period == period
            or (wanted_year is not None and _year(c.period) == wanted_year)
        )
    ]
    official = _official_candidates(session, community, links, indicator, areas, source)
    sources = _sources(session, {o.source_id for found in official.values() for o in found})
    ordered: list[tuple[tuple[Any, ...], ComparisonRow]] = []
    unmatched = 0
    for item in community:
        found = list(_matches(item, official, links, indicator, areas))
        if not found:
            unmatched += 1
        for candidate, match, totals in found:
            row = _row(item, candidate, match, totals, labels, sources, links, indicator, areas)
            order = (item.key[_SERIES], item.key[_AREA], item.period, item.key)
            ordered.append(((*order, row.community.release.uid, candidate.source_id), row))
    ordered.sort(key=lambda pair: pair[0])
    rows = [row for _, row in ordered]
    used = sorted({r.official.source.id for r in rows})
    return Comparison(
        rows=rows,
        sources=[sources[i] for i in used],
        community_observations=len(community),
        unmatched=unmatched,
        query={
            "release": release,
            "dataset": dataset,
            "indicator": indicator,
            "series": series,
            "area": wanted_area,
            "period": period,
            "source": source,
        },
    )


def _sources(session: Session, ids: set[int]) -> dict[int, SourceLabel]:
    if not ids:
        return {}
    statement = select(ReferenceSource).where(col(ReferenceSource.id).in_(sorted(ids)))
    return {label.id: label for label in map(SourceLabel.of, session.exec(statement))}


def _release_labels(
    session: Session, releases: list[Release], base_url: str
) -> dict[int, ReleaseLabel]:
    if not releases:
        return {}
    dataset_ids = sorted({r.dataset_id for r in releases})
    datasets = {
        d.id: d.uid for d in session.exec(select(Dataset).where(col(Dataset.id).in_(dataset_ids)))
    }
    provider_ids = sorted({r.organisation_id for r in releases})
    providers = {
        o.id: o.name
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(provider_ids)))
    }
    labels: dict[int, ReleaseLabel] = {}
    for release in releases:
        assert release.id is not None
        labels[release.id] = ReleaseLabel(
            id=release.id,
            uid=release.uid,
            dataset=datasets.get(release.dataset_id, ""),
            provider=providers.get(release.organisation_id, ""),
            decision=release.decision,
            caveat=release.caveat,
            # The release's citation, as every published observation's CITATION_REF names it.
            citation_url=f"{base_url.rstrip('/')}/api/v1/releases/{release.uid}",
        )
    return labels


def _community(
    session: Session, release_ids: list[int], series: set[str] | None
) -> Iterator[_Community]:
    if not release_ids or (series is not None and not series):
        return
    statement = select_columns(
        _published.c.release_id,
        _published.c.series_key,
        _published.c.time_period,
        _published.c.obs_value,
        _published.c.unit_measure,
        _published.c.unit_mult,
        _published.c.obs_status,
        _published.c.unweighted_n,
    ).where(
        _published.c.release_id.in_(release_ids),
        # Withheld cells have no value to compare.
        _published.c.obs_value.is_not(None),
    )
    if series is not None:
        statement = statement.where(_published.c.series.in_(sorted(series)))
    for row in session.execute(statement):
        yield _Community(
            release_id=row.release_id,
            key=tuple(row.series_key.split(".")),
            period=row.time_period,
            value=row.obs_value,
            unit_measure=row.unit_measure,
            unit_mult=row.unit_mult,
            obs_status=row.obs_status,
            unweighted_n=row.unweighted_n,
        )


def _series_candidates(
    series: str, links: dict[str, frozenset[str]], indicator: str | None
) -> list[tuple[str, str]]:
    """(official series, ``same`` | ``same_indicator``) a community series may compare with."""
    mine = links.get(series, frozenset())
    if indicator is not None:
        mine = mine & {indicator}
    others = sorted(code for code, inds in links.items() if code != series and inds & mine)
    return [(series, "same"), *((code, "same_indicator") for code in others)]


def _area_candidates(area: str, areas: Areas) -> list[tuple[str, str]]:
    """(official area, ``same`` | ``national``) a community area may compare with."""
    area = areas.normalise(area)
    country = areas.country_of(area)
    if country is None or country == area:
        return [(area, "same")]
    return [(area, "same"), (country, "national")]


def _official_candidates(
    session: Session,
    community: list[_Community],
    links: dict[str, frozenset[str]],
    indicator: str | None,
    areas: Areas,
    source: int | None,
) -> dict[tuple[str, str], list[_Official]]:
    """Official observations of every series and area the community ones may compare with,
    by (series, area), read along ``ix_reference_match``."""
    series_codes: set[str] = set()
    area_codes: set[str] = set()
    for item in community:
        series_codes.update(s for s, _ in _series_candidates(item.key[_SERIES], links, indicator))
        area_codes.update(a for a, _ in _area_candidates(item.key[_AREA], areas))
    if not series_codes:
        return {}
    statement = select_columns(_official).where(
        _official.c.series.in_(sorted(series_codes)),
        _official.c.ref_area.in_(sorted(area_codes)),
    )
    if source is not None:
        statement = statement.where(_official.c.source_id == source)
    found: dict[tuple[str, str], list[_Official]] = defaultdict(list)
    for row in session.execute(statement):
        found[row.series, row.ref_area].append(
            _Official(
                id=row.id,
                source_id=row.source_id,
                key=tuple(row.series_key.split(".")),
                source_area=row.source_area,
                period=row.time_period,
                year=row.year,
                value=row.obs_value,
                unit_measure=row.unit_measure,
                unit_mult=row.unit_mult,
                obs_status=row.obs_status,
                attributes=row.attributes or {},
            )
        )
    return found


def _breakdowns(community: tuple[str, ...], official: tuple[str, ...]) -> tuple[str, ...] | None:
    """Dimensions where the official figure is the total for a community breakdown; ``None``
    when the official figure is for another group."""
    totals = []
    for index in range(_BREAKDOWN_START, len(DIMENSIONS)):
        mine, theirs = community[index], official[index]
        if mine == theirs:
            continue
        if theirs != "_T":
            return None
        totals.append(DIMENSIONS[index])
    return tuple(totals)


def _matches(
    item: _Community,
    official: dict[tuple[str, str], list[_Official]],
    links: dict[str, frozenset[str]],
    indicator: str | None,
    areas: Areas,
) -> Iterator[tuple[_Official, Match, tuple[str, ...]]]:
    """The best official match of ``item`` in each source, if any."""
    year = _year(item.period)
    best: dict[int, tuple[tuple[Any, ...], _Official, Match, tuple[str, ...]]] = {}
    for series_rank, (series, series_match) in enumerate(
        _series_candidates(item.key[_SERIES], links, indicator)
    ):
        for area_rank, (area, area_match) in enumerate(_area_candidates(item.key[_AREA], areas)):
            for candidate in official.get((series, area), ()):
                exact = candidate.period == item.period
                if exact:
                    distance = 0
                elif year is not None:
                    distance = abs(candidate.year - year)
                else:
                    continue
                if distance > MAX_YEARS_APART:
                    continue
                totals = _breakdowns(item.key, candidate.key)
                if totals is None:
                    continue
                rank = (
                    min(series_rank, 1),
                    area_rank,
                    distance,
                    not exact,
                    len(totals),
                    candidate.year,
                    candidate.id,
                )
                held = best.get(candidate.source_id)
                if held is None or rank < held[0]:
                    period = "exact" if exact else "same_year" if distance == 0 else "nearest_year"
                    match = Match(
                        series=series_match,
                        area=area_match,
                        period=period,
                        disaggregation="official_total" if totals else "exact",
                    )
                    best[candidate.source_id] = (rank, candidate, match, totals)
    for source_id in sorted(best):
        _, candidate, match, totals = best[source_id]
        yield candidate, match, totals


def _shared_indicator(
    community: str, official: str, links: dict[str, frozenset[str]], indicator: str | None
) -> str | None:
    if indicator is not None:
        return indicator
    shared = links.get(community, frozenset()) & links.get(official, frozenset())
    return min(shared, key=_natural) if shared else None


def _row(
    item: _Community,
    candidate: _Official,
    match: Match,
    totals: tuple[str, ...],
    releases: dict[int, ReleaseLabel],
    sources: dict[int, SourceLabel],
    links: dict[str, frozenset[str]],
    indicator: str | None,
    areas: Areas,
) -> ComparisonRow:
    series, area = item.key[_SERIES], item.key[_AREA]
    official_series, official_area = candidate.key[_SERIES], candidate.key[_AREA]
    shared = _shared_indicator(series, official_series, links, indicator)
    words: list[str] = []
    if match.series == "same_indicator":
        words.append(
            f"same indicator, different series: official series {official_series}"
            + (f" (indicator {shared})" if shared else "")
        )
    if match.area == "national":
        country = areas.name(official_area) or official_area
        words.append(f"national figure for comparison: {country} ({official_area})")
    if match.period == "nearest_year":
        words.append(f"nearest year: official figure for {candidate.period}")
    elif match.period == "same_year":
        words.append(f"same year: official period {candidate.period}")
    if totals:
        named = ", ".join(d.lower() for d in totals)
        words.append(f"compared with the official total (_T) for {named}")
    gap = ratio = None
    units = _units_differ(item, candidate)
    if units:
        words.append(f"{units}: no gap computed")
    else:
        gap = round(item.value - candidate.value, 10)
        ratio = round(item.value / candidate.value, 6) if candidate.value else None
    if not words:
        words.append("same series, area, period and disaggregation")
    breakdowns = {
        DIMENSIONS[i]: item.key[i]
        for i in range(_BREAKDOWN_START, len(DIMENSIONS))
        if item.key[i] == candidate.key[i] and item.key[i] != "_T"
    }
    return ComparisonRow(
        series=series,
        indicator=shared,
        area=area,
        area_name=areas.name(area),
        period=item.period,
        dimensions=breakdowns,
        compared_with_total=totals,
        community=CommunityFigure(
            value=item.value,
            unit_measure=item.unit_measure,
            unit_mult=item.unit_mult,
            obs_status=item.obs_status,
            unweighted_n=item.unweighted_n,
            release=releases[item.release_id],
            dimensions={
                DIMENSIONS[i]: item.key[i]
                for i in range(_BREAKDOWN_START, len(DIMENSIONS))
                if item.key[i] != "_T"
            },
        ),
        official=OfficialFigure(
            value=candidate.value,
            series=official_series,
            area=official_area,
            source_area=candidate.source_area,
            period=candidate.period,
            dimensions={
                DIMENSIONS[i]: candidate.key[i]
                for i in range(_BREAKDOWN_START, len(DIMENSIONS))
                if candidate.key[i] != "_T"
            },
            unit_measure=candidate.unit_measure,
            unit_mult=candidate.unit_mult,
            obs_status=candidate.obs_status,
            attributes=candidate.attributes,
            source=sources[candidate.source_id],
        ),
        match=match,
        labels=tuple(words),
        gap=gap,
        ratio=ratio,
    )


def _units_differ(item: _Community, candidate: _Official) -> str | None:
    """Why the figures are not on one scale, or ``None`` when they are (or one side is silent)."""
    if item.unit_measure and candidate.unit_measure and item.unit_measure != candidate.unit_measure:
        return f"different units (community {item.unit_measure}, official {candidate.unit_measure})"
    mine, theirs = item.unit_mult or "0", candidate.unit_mult or "0"
    if mine != theirs:
        return f"different unit multipliers (community {mine}, official {theirs})"
    return None


# ------------------------------------------------------------------------------------------
# CSV


#: The CSV columns of a comparison, one row per pair.
CSV_COLUMNS: tuple[str, ...] = (
    "series",
    "indicator",
    "area",
    "area_name",
    "period",
    "dimensions",
    "compared_with_total",
    "community_value",
    "community_unit_measure",
    "community_unweighted_n",
    "release",
    "dataset",
    "provider",
    "decision",
    "caveat",
    "citation_url",
    "official_value",
    "official_series",
    "official_area",
    "official_period",
    "official_dimensions",
    "official_unit_measure",
    "official_obs_status",
    "source_id",
    "source_name",
    "source_agency",
    "source_dataset",
    "source_loaded_at",
    "source_sha256",
    "match_series",
    "match_area",
    "match_period",
    "match_disaggregation",
    "labels",
    "gap",
    "ratio",
)

_NUMBER = re.compile(r"\.0$")


def _number(value: float | None) -> str:
    # 23.5 → "23.5", 5.0 → "5": what the figure was, not how Python prints floats.
    return "" if value is None else _NUMBER.sub("", repr(value))


def _codes(dimensions: dict[str, str] | Iterable[str]) -> str:
    if isinstance(dimensions, dict):
        return ";".join(f"{k}={v}" for k, v in dimensions.items())
    return ";".join(dimensions)


def csv_records(comparison: Comparison) -> Iterator[list[str]]:
    """The rows of a comparison as CSV cells, in ``CSV_COLUMNS`` order (no header)."""
    for row in comparison.rows:
        release, source = row.community.release, row.official.source
        yield [
            row.series,
            row.indicator or "",
            row.area,
            row.area_name or "",
            row.period,
            _codes(row.dimensions),
            _codes(row.compared_with_total),
            _number(row.community.value),
            row.community.unit_measure or "",
            "" if row.community.unweighted_n is None else str(row.community.unweighted_n),
            release.uid,
            release.dataset,
            release.provider,
            release.decision,
            release.caveat or "",
            release.citation_url,
            _number(row.official.value),
            row.official.series,
            row.official.area,
            row.official.period,
            _codes(row.official.dimensions),
            row.official.unit_measure or "",
            row.official.obs_status or "",
            str(source.id),
            source.name,
            source.agency or "",
            source.dataset or "",
            source.loaded_at.isoformat(),
            source.sha256,
            row.match.series,
            row.match.area,
            row.match.period,
            row.match.disaggregation,
            " | ".join(row.labels),
            _number(row.gap),
            _number(row.ratio),
        ]
