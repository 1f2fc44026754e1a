"""What the public pages show, gathered from the services and the store. No FastAPI here.

Each page has one function (:func:`home`, :func:`catalogue`, :func:`dataset`,
:func:`indicator`) that returns a plain dataclass for its template; every text it makes is
already in the page's language (a :class:`~voicescount.web.i18n.Translator`).

Reading the store, the pages stay fast whatever the number and size of releases: the catalogue
lists the current releases in one light query and builds each one's entry (metadata, findings,
and what its observations cover, each read in one query for all new releases) only the first
time the process meets it, as a release never changes; observation tables are read a page at a
time along ``ix_published_release``, and charts from at most :data:`CHART_OBSERVATIONS` rows.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text
from sqlmodel import Session, col, select

from voicescount.config import Settings
from voicescount.errors import NotFound
from voicescount.intake import licences
from voicescount.intake import service as intake
from voicescount.provenance import citation
from voicescount.publishing import citing, discovery, rules
from voicescount.publishing import service as publishing
from voicescount.registry import sdg, search, voices
from voicescount.review import rubric as rubrics
from voicescount.review import service as review
from voicescount.storage.tables import (
    CommunitySeries,
    Dataset,
    DatasetVersion,
    Finding,
    Organisation,
    Release,
    ReviewTransition,
    SdgGoal,
    SdgIndicator,
    SdgSeriesIndicator,
    SdgTarget,
)
from voicescount.storage.tables.intake import DIMENSIONS
from voicescount.web import comparisons, labels
from voicescount.web.comparisons import ComparisonSection
from voicescount.web.i18n import Translator
from voicescount.web.observations import (
    MAX_CHARTS,
    ChartView,
    CodeNames,
    Row,
    Table,
    Text,
    charts_of,
    observation_table,
    release_rows,
    series_chart,
    series_rows,
)

#: Catalogue results per page.
PAGE_SIZE = 20
#: Observation rows per page of a dataset's table.
TABLE_PAGE_SIZE = 50
#: Most observations read to draw one page's charts (the table pages through all of them).
CHART_OBSERVATIONS = 5000
#: Releases the home page lists.
LATEST = 6
#: Releases whose catalogue entry and coverage a process keeps (least recently built go first).
_KEPT = 4096


@dataclass(frozen=True)
class Option:
    """A choice of a filter: the value sent, its label, how many datasets it has."""

    value: str
    label: str
    count: int
    lang: str | None = None


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    total: int
    first: int
    last: int
    previous_url: str | None
    next_url: str | None


def _pager(page: int, total: int, size: int, url: Any) -> Pager:
    pages = max(1, math.ceil(total / size))
    page = min(max(page, 1), pages)
    return Pager(
        page=page,
        pages=pages,
        total=total,
        first=0 if total == 0 else (page - 1) * size + 1,
        last=min(page * size, total),
        previous_url=url(page - 1) if page > 1 else None,
        next_url=url(page + 1) if page < pages else None,
    )


def int_param(value: str | None, default: int = 1) -> int:
    """A page number from a query parameter; anything that is not a positive number is 1."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if number >= 1 else default


# ------------------------------------------------------------------------------------------
# The catalogue's view of a release


@dataclass(frozen=True)
class Coverage:
    """What a release's observations cover (series, areas, first and last period)."""

    series: tuple[str, ...]
    areas: tuple[str, ...]
    first: str | None
    last: str | None


def coverage(session: Session, release_ids: Sequence[int]) -> dict[int, Coverage]:
    """Series, areas and periods of each release's observations, in one grouped query."""
    if not release_ids:
        return {}
    ids = ", ".join(str(int(i)) for i in sorted(release_ids))
    rows = session.execute(
        text(
            "SELECT release_id, series, ref_area, MIN(time_period), MAX(time_period) "
            f"FROM published_observation WHERE release_id IN ({ids}) "
            "GROUP BY release_id, series, ref_area"
        )
    )
    parts: dict[int, list[tuple[str, str, str, str]]] = {int(i): [] for i in release_ids}
    for release_id, series, area, first, last in rows:
        parts[int(release_id)].append((series, area, first, last))
    return {
        release_id: Coverage(
            series=tuple(sorted({s for s, _, _, _ in found})),
            areas=tuple(sorted({a for _, a, _, _ in found})),
            first=min((f for _, _, f, _ in found), default=None),
            last=max((last for _, _, _, last in found), default=None),
        )
        for release_id, found in parts.items()
    }


_release_coverage: OrderedDict[tuple[str, str], Coverage] = OrderedDict()
_release_coverage_lock = threading.Lock()


def release_coverage(session: Session, release: Release) -> Coverage:
    """What one release's observations cover; read once per process (a release never changes,
    and a large one takes a while to group)."""
    key = (release.uid, release.content_hash)
    with _release_coverage_lock:
        known = _release_coverage.get(key)
    if known is not None:
        return known
    assert release.id is not None
    found = coverage(session, [release.id])[release.id]
    with _release_coverage_lock:
        _release_coverage[key] = found
        while len(_release_coverage) > _KEPT:
            _release_coverage.popitem(last=False)
    return found


@dataclass(frozen=True)
class SeriesLinks:
    """Which SDG indicators (and targets) each series informs: global and community series."""

    indicators: dict[str, tuple[str, ...]]
    targets: dict[str, tuple[str, ...]]


def series_links(session: Session, codes: Iterable[str]) -> SeriesLinks:
    wanted = sorted(set(codes))
    indicators: dict[str, set[str]] = {}
    targets: dict[str, set[str]] = {}
    if wanted:
        for series, indicator in session.exec(
            select(SdgSeriesIndicator.series_code, SdgSeriesIndicator.indicator_code).where(
                col(SdgSeriesIndicator.series_code).in_(wanted)
            )
        ):
            indicators.setdefault(series, set()).add(indicator)
        for community in session.exec(
            select(CommunitySeries).where(col(CommunitySeries.code).in_(wanted))
        ):
            indicators.setdefault(community.code, set()).update(community.sdg_indicators)
            targets.setdefault(community.code, set()).add(community.sdg_target)
    for series, found in indicators.items():
        targets.setdefault(series, set()).update(_target_of(i) for i in found)
    return SeriesLinks(
        indicators={k: tuple(sorted(v, key=code_order)) for k, v in indicators.items()},
        targets={k: tuple(sorted(v, key=code_order)) for k, v in targets.items()},
    )


def _target_of(indicator: str) -> str:
    return ".".join(indicator.split(".")[:2])


def _goal_of(code: str) -> str:
    return code.split(".")[0]


def code_order(code: str) -> tuple[Any, ...]:
    """SDG codes in framework order: 1.2 < 1.10 < 1.a."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in code.split("."))


@dataclass(frozen=True)
class Entry:
    """A current release as the catalogue lists and filters it."""

    release: str
    dataset: str
    version: int
    title: Text
    abstract: Text
    provider: str
    provider_name: str
    steward_name: str | None
    decision: str
    quality_outcome: str | None
    published_at: datetime
    country: str | None
    areas: tuple[str, ...]
    goals: tuple[str, ...]
    targets: tuple[str, ...]
    indicators: tuple[str, ...]
    groups: tuple[str, ...]
    series: tuple[str, ...]
    keywords: tuple[str, ...]
    observations: int
    findings: int
    first: str | None
    last: str | None
    #: Titles in other languages (from the metadata's ``title_translations``).
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_in(self, locale: str) -> Text:
        translated = self.titles.get(locale)
        return Text(translated, locale) if translated else self.title


def content_language(metadata: Mapping[str, Any]) -> str:
    """The language the coalition most likely wrote its metadata in.

    The metadata do not say it: ``languages`` lists the languages of the data and documents.
    Coalitions write the metadata for the statistics office, in English where it is among
    them (as in every pilot), so English when listed, else the first language listed.
    """
    languages = [str(tag).split("-")[0].lower() for tag in metadata.get("languages") or []]
    if not languages or "en" in languages:
        return "en"
    return languages[0]


def _mapped_codes(metadata: Mapping[str, Any]) -> tuple[set[str], set[str], set[str]]:
    goals: set[str] = set()
    targets: set[str] = set()
    indicators: set[str] = set()
    for mapping in metadata.get("sdg_mappings") or []:
        if not isinstance(mapping, Mapping) or not mapping.get("indicator"):
            continue
        indicator = str(mapping["indicator"])
        indicators.add(indicator)
        targets.add(str(mapping.get("target") or _target_of(indicator)))
        goals.add(str(mapping.get("goal") or _goal_of(indicator)))
    return goals, targets, indicators


#: Entries already built, by what they are made of: a release, its version's metadata and its
#: observations never change, so only a renamed dataset or organisation makes a new one.
_entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
_entries_lock = threading.Lock()


def entries(session: Session) -> list[Entry]:
    """Every current release (neither superseded nor withdrawn), newest first.

    One light query lists them; the metadata, findings and observations of a release are read
    (in one query each for all of them) only the first time the process meets it.
    """
    statement = (
        select(Release, Dataset, Organisation)
        .join(Dataset, col(Dataset.id) == col(Release.dataset_id))
        .join(Organisation, col(Organisation.id) == col(Release.organisation_id))
        .where(col(Release.superseded_at).is_(None), col(Release.withdrawn_at).is_(None))
        .order_by(col(Release.published_at).desc(), col(Release.id).desc())
    )
    rows = list(session.exec(statement))
    steward_ids = sorted({r.steward_id for r, _, _ in rows if r.steward_id is not None})
    stewards = (
        {
            o.id: o.name
            for o in session.exec(select(Organisation).where(col(Organisation.id).in_(steward_ids)))
        }
        if steward_ids
        else {}
    )
    keyed = [
        (
            (
                release.uid,
                release.content_hash,
                dataset.title,
                provider.slug,
                provider.name,
                provider.country,
                stewards.get(release.steward_id),
            ),
            (release, dataset, provider),
        )
        for release, dataset, provider in rows
    ]
    with _entries_lock:
        missing = [(key, row) for key, row in keyed if key not in _entries]
    if missing:
        built = _build_entries(session, [row for _, row in missing], stewards)
        with _entries_lock:
            for (key, _), entry in zip(missing, built, strict=True):
                _entries[key] = entry
            while len(_entries) > _KEPT:
                _entries.popitem(last=False)
    with _entries_lock:
        return [_entries[key] for key, _ in keyed]


def _findings_by_version(
    session: Session, version_ids: Sequence[int]
) -> dict[int, list[tuple[list[str], list[str], list[str]]]]:
    """(areas, target groups, SDG targets) of each version's findings."""
    found: dict[int, list[tuple[list[str], list[str], list[str]]]] = {}
    if not version_ids:
        return found
    for version_id, areas, groups, targets in session.exec(
        select(Finding.version_id, Finding.areas, Finding.target_groups, Finding.sdg_targets).where(
            col(Finding.version_id).in_(version_ids)
        )
    ):
        found.setdefault(version_id, []).append(
            (list(areas or []), list(groups or []), list(targets or []))
        )
    return found


def _build_entries(
    session: Session,
    rows: Sequence[tuple[Release, Dataset, Organisation]],
    stewards: Mapping[int | None, str],
) -> list[Entry]:
    version_ids = [release.version_id for release, _, _ in rows]
    versions = {
        v.id: v
        for v in session.exec(select(DatasetVersion).where(col(DatasetVersion.id).in_(version_ids)))
    }
    covered = coverage(session, [release.id for release, _, _ in rows if release.id is not None])
    findings_of = _findings_by_version(session, version_ids)
    links = series_links(session, {s for c in covered.values() for s in c.series})
    result = []
    for release, dataset, provider in rows:
        assert release.id is not None
        version = versions[release.version_id]
        metadata: Mapping[str, Any] = version.metadata_ or {}
        lang = content_language(metadata)
        found = covered.get(release.id, Coverage((), (), None, None))
        findings = findings_of.get(release.version_id, [])
        goals, targets, indicators = _mapped_codes(metadata)
        for series in found.series:
            indicators.update(links.indicators.get(series, ()))
            targets.update(links.targets.get(series, ()))
        targets.update(t for _, _, ts in findings for t in ts)
        goals.update(_goal_of(code) for code in (*targets, *indicators))
        geography = metadata.get("geography") or {}
        areas = set(found.areas) | {str(a) for a in geography.get("areas") or []}
        areas.update(a for fa, _, _ in findings for a in fa)
        groups = {
            str(g.get("code"))
            for g in metadata.get("target_groups") or []
            if isinstance(g, Mapping) and g.get("code")
        }
        groups.update(g for _, fg, _ in findings for g in fg)
        translations = metadata.get("title_translations") or {}
        result.append(
            Entry(
                release=release.uid,
                dataset=dataset.uid,
                version=version.number,
                title=Text(dataset.title, lang),
                abstract=Text(str(metadata.get("abstract") or "").strip(), lang),
                provider=provider.slug,
                provider_name=provider.name,
                steward_name=stewards.get(release.steward_id),
                decision=release.decision,
                quality_outcome=release.quality_outcome,
                published_at=release.published_at,
                country=str(geography.get("country") or provider.country or "") or None,
                areas=tuple(sorted(areas)),
                goals=tuple(sorted(goals, key=code_order)),
                targets=tuple(sorted(targets, key=code_order)),
                indicators=tuple(sorted(indicators, key=code_order)),
                groups=tuple(sorted(groups)),
                series=found.series,
                keywords=tuple(str(k) for k in metadata.get("keywords") or []),
                observations=release.observation_count,
                findings=len(findings),
                first=found.first,
                last=found.last,
                titles={
                    str(k).split("-")[0].lower(): str(v)
                    for k, v in (translations.items() if isinstance(translations, Mapping) else ())
                },
            )
        )
    return result


# ------------------------------------------------------------------------------------------
# Catalogue


@dataclass(frozen=True)
class Filters:
    """The catalogue's search and filters, as the query string gives them."""

    q: str = ""
    goal: str = ""
    target: str = ""
    country: str = ""
    area: str = ""
    group: str = ""
    coalition: str = ""
    decision: str = ""
    page: int = 1

    FIELDS = ("q", "goal", "target", "country", "area", "group", "coalition", "decision")

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Filters:
        values = {name: (params.get(name) or "").strip()[:200] for name in cls.FIELDS}
        return cls(**values, page=int_param(params.get("page")))

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.FIELDS)

    def url(self, **changes: Any) -> str:
        """``/catalogue`` with these filters (and ``changes``); empty ones left out."""
        changed = replace(self, **changes)
        params = {name: getattr(changed, name) for name in self.FIELDS if getattr(changed, name)}
        if changed.page > 1:
            params["page"] = str(changed.page)
        query = urlencode(params)
        return "/catalogue" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Result:
    entry: Entry
    title: Text
    country: str
    decision: str
    goals: tuple[Link, ...]


@dataclass(frozen=True)
class Facet:
    """One filter: its query parameter, label and choices."""

    name: str
    label: str
    any_label: str
    options: tuple[Option, ...]
    selected: str


@dataclass(frozen=True)
class CataloguePage:
    filters: Filters
    results: tuple[Result, ...]
    total: int
    facets: tuple[Facet, ...]
    pager: Pager
    #: Filters set to values that no dataset has (the page says so).
    unknown: tuple[str, ...]


def _search_documents(entries_: Sequence[Entry], titles: Mapping[str, str]) -> list[Any]:
    documents = []
    for number, entry in enumerate(entries_):
        documents.append(
            search.Document(
                kind="indicator",
                code=str(number),
                title=entry.title.text,
                fields={
                    "title": [entry.title.text, *entry.titles.values()],
                    "abstract": entry.abstract.text,
                    "keywords": list(entry.keywords),
                    "provider": [entry.provider_name, entry.provider],
                    "codes": [*entry.indicators, *entry.targets, *entry.series, *entry.areas],
                    "sdg": [titles[c] for c in entry.indicators if c in titles],
                },
                position=number,
            )
        )
    return documents


#: BM25F field weights of the catalogue's text search (see ``registry.search``): the title
#: counts most, then the abstract, keywords and codes, then the SDG texts the data relate to.
SEARCH_WEIGHTS = {
    "indicator": {
        "title": 2.0,
        "abstract": 1.0,
        "keywords": 1.0,
        "provider": 1.0,
        "codes": 1.5,
        "sdg": 0.5,
    },
    "series": {},
}


def _search(found: Sequence[Entry], q: str, titles: Mapping[str, str]) -> list[Entry]:
    """The entries holding every word of ``q`` (or a close variant: ``married`` for
    ``marriage``), most relevant first (BM25F, as the SDG search ranks)."""
    terms = list(dict.fromkeys(search.tokens(q)))
    if not terms:
        return list(found)
    index = search.Index(_search_documents(found, titles), field_weights=SEARCH_WEIGHTS)
    matching: set[int] | None = None
    for term in terms:
        holding = {n for word, _ in index.expand(term) for n in index.postings[word]}
        matching = holding if matching is None else matching & holding
    scores = index.score(q)
    ranked = sorted(matching or (), key=lambda n: (-scores.get(n, 0.0), n))
    return [found[n] for n in ranked]


def _matches(entry: Entry, filters: Filters) -> bool:
    checks = (
        (filters.goal, entry.goals),
        (filters.target, entry.targets),
        (filters.area, entry.areas),
        (filters.group, entry.groups),
    )
    if any(value and value not in values for value, values in checks):
        return False
    if filters.country and (entry.country or "").upper() != filters.country.upper():
        return False
    if filters.coalition and entry.provider != filters.coalition:
        return False
    return not (filters.decision and entry.decision != filters.decision.upper())


def _indicator_titles(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """The official title of each SDG indicator code (one query)."""
    if not codes:
        return {}
    statement = select(SdgIndicator).where(col(SdgIndicator.code).in_(codes))
    return {i.code: i.title for i in session.exec(statement)}


def catalogue(
    session: Session, settings: Settings, tr: Translator, filters: Filters
) -> CataloguePage:
    everything = entries(session)
    names = CodeNames(session, settings.agency_id, tr.locale)
    goal_titles = {g.code: g.short_title for g in session.exec(select(SdgGoal))}
    indicator_codes = sorted({c for e in everything for c in e.indicators})
    indicator_titles = _indicator_titles(session, indicator_codes)
    chosen = [e for e in everything if _matches(e, filters)]
    if filters.q:
        chosen = _search(chosen, filters.q, indicator_titles)
    facets = _facets(session, tr, names, everything, filters, goal_titles)
    known = {f.name: {o.value for o in f.options} for f in facets}
    unknown = tuple(
        facet.label
        for facet in facets
        if facet.selected and facet.selected not in known[facet.name]
    )
    pager = _pager(filters.page, len(chosen), PAGE_SIZE, lambda p: filters.url(page=p))
    shown = chosen[(pager.page - 1) * PAGE_SIZE : pager.page * PAGE_SIZE]
    results = tuple(
        Result(
            entry=e,
            title=e.title_in(tr.locale),
            country=tr.territory(e.country),
            decision=labels.translate(tr, labels.DECISIONS, e.decision),
            goals=tuple(
                Link(tr.gettext("Goal %(goal)s", goal=g), filters.url(goal=g, page=1))
                for g in e.goals
            ),
        )
        for e in shown
    )
    return CataloguePage(
        filters=filters,
        results=results,
        total=len(chosen),
        facets=facets,
        pager=pager,
        unknown=unknown,
    )


def _options(
    values: Iterable[str], label: Any, *, order: Any = None, lang: Any = None
) -> tuple[Option, ...]:
    counts = Counter(values)
    ordered = sorted(counts, key=order) if order else sorted(counts, key=lambda v: label(v).lower())
    return tuple(
        Option(value, label(value), counts[value], lang(value) if lang else None)
        for value in ordered
    )


def _sdg_options(codes: Iterable[str], label: Any) -> tuple[Option, ...]:
    """Options of SDG goals or targets: in code order, labelled with their English titles."""
    return _options(codes, label, order=code_order, lang=lambda _: "en")


def _facets(
    session: Session,
    tr: Translator,
    names: CodeNames,
    everything: Sequence[Entry],
    filters: Filters,
    goal_titles: Mapping[str, str],
) -> tuple[Facet, ...]:
    targets = sorted({t for e in everything for t in e.targets}, key=code_order)
    target_titles = (
        {
            t.code: t.title
            for t in session.exec(select(SdgTarget).where(col(SdgTarget.code).in_(targets)))
        }
        if targets
        else {}
    )
    areas = names.codes("REF_AREA", {a for e in everything for a in e.areas})
    groups = names.codes("CUST_BREAKDOWN", {g for e in everything for g in e.groups})
    providers = {e.provider: e.provider_name for e in everything}

    def goal_label(code: str) -> str:
        title = goal_titles.get(code)
        return f"{code}. {title}" if title else code

    def target_label(code: str) -> str:
        title = target_titles.get(code, "")
        return f"{code} {_clip(title, 70)}".strip()

    return (
        Facet(
            "goal",
            tr.gettext("SDG goal"),
            tr.gettext("Any goal"),
            _sdg_options((g for e in everything for g in e.goals), goal_label),
            filters.goal,
        ),
        Facet(
            "target",
            tr.gettext("SDG target"),
            tr.gettext("Any target"),
            _sdg_options((t for e in everything for t in e.targets), target_label),
            filters.target,
        ),
        Facet(
            "country",
            tr.gettext("Country"),
            tr.gettext("Any country"),
            _options((e.country for e in everything if e.country), tr.territory),
            filters.country.upper(),
        ),
        Facet(
            "area",
            tr.gettext("Area"),
            tr.gettext("Any area"),
            _options(
                (a for e in everything for a in e.areas),
                lambda a: f"{areas[a].text} ({a})" if areas[a].text != a else a,
                lang=lambda a: areas[a].lang,
            ),
            filters.area,
        ),
        Facet(
            "group",
            tr.gettext("Target group"),
            tr.gettext("Any group"),
            _options(
                (g for e in everything for g in e.groups),
                lambda g: groups[g].text,
                lang=lambda g: groups[g].lang,
            ),
            filters.group,
        ),
        Facet(
            "coalition",
            tr.gettext("Coalition"),
            tr.gettext("Any coalition"),
            _options((e.provider for e in everything), lambda p: providers[p]),
            filters.coalition,
        ),
        Facet(
            "decision",
            tr.gettext("Review decision"),
            tr.gettext("Any decision"),
            _options(
                (e.decision for e in everything),
                lambda d: labels.translate(tr, labels.DECISIONS, d),
                order=list(labels.DECISIONS).index,
            ),
            filters.decision.upper(),
        ),
    )


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


# ------------------------------------------------------------------------------------------
# Home


@dataclass(frozen=True)
class HomePage:
    latest: tuple[Result, ...]
    datasets: int
    coalitions: int
    goals: tuple[Option, ...]
    indicators: tuple[Option, ...]


def home(session: Session, settings: Settings, tr: Translator) -> HomePage:
    everything = entries(session)
    goal_titles = {g.code: g.short_title for g in session.exec(select(SdgGoal))}
    indicator_codes = sorted({c for e in everything for c in e.indicators}, key=code_order)
    titles = _indicator_titles(session, indicator_codes)
    latest = tuple(
        Result(
            entry=e,
            title=e.title_in(tr.locale),
            country=tr.territory(e.country),
            decision=labels.translate(tr, labels.DECISIONS, e.decision),
            goals=(),
        )
        for e in everything[:LATEST]
    )
    goals = Counter(g for e in everything for g in e.goals)
    indicators = Counter(i for e in everything for i in e.indicators)
    return HomePage(
        latest=latest,
        datasets=len(everything),
        coalitions=len({e.provider for e in everything}),
        goals=tuple(
            Option(g, goal_titles.get(g, g), goals[g], "en") for g in sorted(goals, key=code_order)
        ),
        indicators=tuple(
            Option(i, titles.get(i, i), indicators[i], "en") for i in indicator_codes if i in titles
        ),
    )


# ------------------------------------------------------------------------------------------
# Dataset (release) page


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    lang: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Criterion:
    name: str
    rating: str
    gating: bool
    passed: bool | None


@dataclass(frozen=True)
class ReviewView:
    steward: str | None
    #: The CL_REVIEW_DECISION code and its label.
    code: str
    decision: str
    meaning: str
    outcome: str
    score: str | None
    minimum: str | None
    gating_passed: bool | None
    rubric: str | None
    #: The language of the rubric's texts, where known (the default rubric is in English).
    rubric_lang: str | None
    criteria: tuple[Criterion, ...]
    reason: str | None
    conditions: str | None
    decided_at: datetime | None


@dataclass(frozen=True)
class FindingView:
    statement: Text
    method: str
    targets: tuple[str, ...]
    areas: tuple[Text, ...]
    groups: tuple[Text, ...]
    evidence: Text | None


@dataclass(frozen=True)
class Event:
    at: datetime
    label: str
    organisation: str | None
    reason: str | None


@dataclass(frozen=True)
class CitationView:
    format: str
    label: str
    text: str
    url: str


@dataclass(frozen=True)
class Download:
    label: str
    url: str
    media_type: str
    #: The name a browser saves it under (SDMX-REST answers name no file).
    filename: str


@dataclass(frozen=True)
class DatasetPage:
    release: str
    dataset: str
    version: int
    status: str
    status_label: str
    title: Text
    other_titles: tuple[Text, ...]
    abstract: Text
    provider: str
    provider_name: str
    steward_name: str | None
    published_at: datetime
    caveat: Text | None
    superseded_by: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    doi: str | None
    keywords: tuple[str, ...]
    sdg: tuple[Link, ...]
    summary: tuple[Fact, ...]
    method: tuple[Fact, ...]
    review: ReviewView | None
    findings: tuple[FindingView, ...]
    charts: tuple[ChartView, ...]
    chart_note: str
    table: Table | None
    pager: Pager
    downloads: tuple[Download, ...]
    descriptions: tuple[Link, ...]
    citations: tuple[CitationView, ...]
    citation_url: str
    timeline: tuple[Event, ...]
    provenance_url: str
    api_url: str
    #: The release's figures beside official ones, where a reference source matches.
    comparisons: ComparisonSection | None = None


def _release_or_current(session: Session, release_id: str) -> Release:
    """The release ``release_id``; a dataset id stands for its current release (or, with none
    current, its newest: a withdrawn one still has a page)."""
    try:
        return publishing.get_release(session, release_id)
    except NotFound:
        dataset = session.exec(select(Dataset).where(Dataset.uid == release_id)).first()
        if dataset is not None and dataset.id is not None:
            current = publishing.current_release(session, dataset.id)
            if current is not None:
                return current
            released = list(publishing.releases_of_dataset(session, dataset.id))
            if released:
                return released[-1]
        raise


def resolve_release(session: Session, release_id: str) -> str:
    """The release uid a dataset page shows for ``release_id`` (:class:`NotFound` if none)."""
    return _release_or_current(session, release_id).uid


def dataset(
    session: Session, settings: Settings, tr: Translator, release_id: str, page: int = 1
) -> DatasetPage:
    release = publishing.get_release(session, release_id)
    described = publishing.describe(session, release)
    version = session.get(DatasetVersion, release.version_id)
    assert version is not None and version.id is not None and release.id is not None
    metadata: dict[str, Any] = dict(version.metadata_ or {})
    lang = content_language(metadata)
    names = CodeNames(session, settings.agency_id, tr.locale)
    withdrawn = release.withdrawn_at is not None
    translations = metadata.get("title_translations") or {}
    title = Text(described["title"], lang)
    if tr.locale != lang and translations.get(tr.locale):
        title = Text(str(translations[tr.locale]), tr.locale)
    other_titles = tuple(
        Text(str(value), str(code))
        for code, value in sorted(translations.items())
        if str(value) != title.text
    )
    if title.text != described["title"]:
        other_titles = (Text(described["title"], lang), *other_titles)
    # Observations: a withdrawn release's data left every feed, and leave its page too.
    rows: list[Row] = []
    sample: list[Row] = []
    total = 0 if withdrawn else release.observation_count
    pager = _pager(page, total, TABLE_PAGE_SIZE, lambda p: f"?page={p}#observations")
    if total:
        sample = release_rows(session, release.id, limit=CHART_OBSERVATIONS)
        offset = (pager.page - 1) * TABLE_PAGE_SIZE
        rows = (
            sample[offset : offset + TABLE_PAGE_SIZE]
            if len(sample) == total
            else release_rows(session, release.id, limit=TABLE_PAGE_SIZE, offset=offset)
        )
    covered = release_coverage(session, release)
    chart_note = ""
    if total > len(sample) and sample:
        chart_note = tr.gettext(
            "The charts show the first %(shown)s of %(total)s observations.",
            shown=tr.number(len(sample)),
            total=tr.number(total),
        )
    links = series_links(session, covered.series)
    _, _, indicators = _mapped_codes(metadata)
    for series in covered.series:
        indicators.update(links.indicators.get(series, ()))
    sdg_links = tuple(
        Link(tr.gettext("Indicator %(code)s", code=code), f"/indicators/{code}")
        for code in sorted(indicators, key=code_order)
    )
    steward = described["steward"]
    caveat = _caveat(tr, release, described)
    return DatasetPage(
        release=release.uid,
        dataset=described["dataset"],
        version=described["version"],
        status=described["status"],
        status_label=labels.translate(tr, labels.STATUSES, described["status"]),
        title=title,
        other_titles=other_titles,
        abstract=Text(str(metadata.get("abstract") or "").strip(), lang),
        provider=described["provider"]["id"],
        provider_name=described["provider"]["name"],
        steward_name=steward["name"] if steward else None,
        published_at=release.published_at,
        caveat=caveat,
        superseded_by=described["superseded_by"],
        withdrawn_at=release.withdrawn_at,
        withdrawn_reason=release.withdrawn_reason,
        doi=release.doi,
        keywords=tuple(str(k) for k in metadata.get("keywords") or []),
        sdg=sdg_links,
        summary=_summary(tr, release, metadata, covered, total),
        method=_method(tr, names, metadata, lang),
        review=_review(session, tr, version, steward["name"] if steward else None),
        findings=_findings(session, tr, names, version),
        charts=tuple(charts_of(tr, names, sample, prefix="chart")),
        chart_note=chart_note,
        table=observation_table(tr, names, rows, sample) if rows else None,
        pager=pager,
        downloads=() if withdrawn else _downloads(settings, tr, release, described, covered.series),
        descriptions=_descriptions(tr, release, withdrawn),
        citations=_citations(session, settings, tr, release),
        citation_url=f"/api/v1/releases/{release.uid}/citation",
        timeline=_timeline(session, tr, release, version),
        provenance_url=f"/api/v1/releases/{release.uid}/provenance",
        api_url=f"/api/v1/releases/{release.uid}",
        comparisons=None
        if withdrawn
        else comparisons.for_release(session, settings, tr, names, release.uid),
    )


def _caveat(tr: Translator, release: Release, described: Mapping[str, Any]) -> Text | None:
    """The caveat to print beside the figures; the default wording is translated."""
    if not release.caveat:
        return None
    steward = described["steward"]
    provider = described["provider"]["name"]
    if steward and release.caveat == rules.default_caveat(
        provider, steward["name"], release.decision
    ):
        if release.decision == "OFFICIAL":
            message = tr.gettext(
                "Data produced by %(provider)s; accepted by %(steward)s for official reporting.",
                provider=provider,
                steward=steward["name"],
            )
        else:
            message = tr.gettext(
                "Citizen-generated data produced by %(provider)s; reviewed by %(steward)s "
                "(%(decision)s).",
                provider=provider,
                steward=steward["name"],
                decision=labels.translate(tr, labels.CAVEAT_DECISIONS, release.decision),
            )
        return Text(message, tr.locale)
    # An approver's own wording: in whatever language it was written (not known here).
    return Text(release.caveat, "")


def _period_text(tr: Translator, period: Any) -> str:
    if not isinstance(period, Mapping):
        return ""
    start, end = period.get("start"), period.get("end")
    try:
        first = tr.date(datetime.fromisoformat(str(start))) if start else ""
        last = tr.date(datetime.fromisoformat(str(end))) if end else ""
    except ValueError:
        first, last = str(start or ""), str(end or "")
    return tr.gettext("%(start)s to %(end)s", start=first, end=last) if first and last else first


def _summary(
    tr: Translator,
    release: Release,
    metadata: Mapping[str, Any],
    covered: Coverage,
    total: int,
) -> tuple[Fact, ...]:
    geography = metadata.get("geography") or {}
    periods = ""
    if total and covered.first:
        periods = (
            covered.first if covered.first == covered.last else f"{covered.first}–{covered.last}"
        )
    facts = [
        Fact(
            tr.gettext("Kind of data"),
            labels.translate(tr, labels.KINDS_OF_DATA, metadata.get("kind_of_data")),
        ),
        Fact(tr.gettext("Reference period"), _period_text(tr, metadata.get("reference_period"))),
        Fact(tr.gettext("Country"), tr.territory(geography.get("country"))),
        Fact(tr.gettext("Observations"), tr.number(total) if total else ""),
        Fact(tr.gettext("Periods in the data"), periods),
        Fact(tr.gettext("Published"), tr.date(release.published_at)),
    ]
    licence = str(metadata.get("licence") or "")
    if licence:
        url = (
            f"https://spdx.org/licenses/{licence}.html"
            if licence in licences.SPDX_LICENCES
            else metadata.get("licence_url")
        )
        facts.append(
            Fact(
                tr.gettext("Licence"),
                licences.SPDX_LICENCES.get(licence, licence),
                "en",
                str(url) if url else None,
            )
        )
    return tuple(f for f in facts if f.value)


def _method(
    tr: Translator, names: CodeNames, metadata: Mapping[str, Any], lang: str
) -> tuple[Fact, ...]:
    """The methodology metadata a reader needs to judge the figures, in a few lines."""
    facts: list[Fact] = []

    def add(label: str, value: Any, own: bool = True) -> None:
        if value not in (None, "", [], {}):
            facts.append(Fact(label, str(value).strip(), lang if own else None))

    producer = (metadata.get("producer") or {}).get("organisation") or {}
    add(tr.gettext("Produced by"), producer.get("legal_name"))
    add(tr.gettext("Coalition"), (metadata.get("producer") or {}).get("coalition"))
    universe = metadata.get("universe") or {}
    add(tr.gettext("Population covered"), universe.get("description"))
    groups = [
        str(g.get("label") or g.get("code"))
        for g in metadata.get("target_groups") or []
        if isinstance(g, Mapping)
    ]
    add(tr.gettext("Target groups"), ", ".join(groups))
    geography = metadata.get("geography") or {}
    areas = [str(a) for a in geography.get("areas") or []]
    if areas:
        found = names.codes("REF_AREA", areas)
        facts.append(
            Fact(tr.gettext("Areas"), ", ".join(found[a].text for a in areas), found[areas[0]].lang)
        )
    add(tr.gettext("Lowest level of detail"), geography.get("lowest_level"))
    add(
        tr.gettext("Unit of analysis"),
        labels.translate(tr, labels.UNITS_OF_ANALYSIS, metadata.get("unit_of_analysis")),
        own=False,
    )
    add(
        tr.gettext("Collection period"),
        _period_text(tr, metadata.get("collection_period")),
        own=False,
    )
    add(
        tr.gettext("Collected"),
        labels.translate(tr, labels.PERIODICITY, metadata.get("periodicity")),
        own=False,
    )
    mode = metadata.get("collection_mode") or {}
    add(
        tr.gettext("Collection mode"),
        labels.translate(tr, labels.MODES, mode.get("mode")),
        own=False,
    )
    add(tr.gettext("Tool"), mode.get("tool"))
    facts += _sampling(tr, metadata.get("sampling") or {})
    for computation in (metadata.get("computation") or [])[:3]:
        if isinstance(computation, Mapping):
            add(tr.gettext("Measure"), computation.get("measure"))
            add(tr.gettext("Calculation"), computation.get("formula"))
    stages = [
        f"{labels.translate(tr, labels.ENGAGEMENT, e.get('stage'))} ({e.get('level')})"
        for e in metadata.get("engagement") or []
        if isinstance(e, Mapping)
    ]
    if stages:
        facts.append(Fact(tr.gettext("Community engagement (stage, level 1–5)"), ", ".join(stages)))
    validation = metadata.get("community_validation") or {}
    if isinstance(validation, Mapping) and "done" in validation:
        facts.append(
            Fact(
                tr.gettext("Results validated with the community"),
                tr.gettext("Yes") if validation.get("done") else tr.gettext("Not yet"),
            )
        )
    facts += _relations(tr, metadata, lang)
    add(tr.gettext("Limitations"), metadata.get("limitations"))
    return tuple(facts)


def _sampling(tr: Translator, sampling: Mapping[str, Any]) -> list[Fact]:
    if not sampling:
        return []
    facts = [
        Fact(tr.gettext("Sampling"), labels.translate(tr, labels.SAMPLING, sampling.get("design")))
    ]
    if sampling.get("size_planned") is not None or sampling.get("size_achieved") is not None:
        facts.append(
            Fact(
                tr.gettext("Sample size"),
                tr.gettext(
                    "%(achieved)s reached of %(planned)s planned",
                    achieved=tr.number(sampling.get("size_achieved")),
                    planned=tr.number(sampling.get("size_planned")),
                ),
            )
        )
    if sampling.get("response_rate") is not None:
        rate = tr.number(round(float(sampling["response_rate"]) * 100, 1))
        facts.append(Fact(tr.gettext("Response rate"), f"{rate} %"))
    return [f for f in facts if f.value]


def _relations(tr: Translator, metadata: Mapping[str, Any], lang: str) -> list[Fact]:
    """How the data relate to each SDG indicator they are mapped to, in the coalition's words."""
    facts = []
    for mapping in metadata.get("sdg_mappings") or []:
        if not isinstance(mapping, Mapping) or not mapping.get("indicator"):
            continue
        facts.append(
            Fact(
                tr.gettext("Relation to indicator %(code)s", code=mapping["indicator"]),
                labels.translate(tr, labels.RELATIONS, mapping.get("relation")),
            )
        )
        if mapping.get("concordance_note"):
            facts.append(
                Fact(tr.gettext("Concordance note"), str(mapping["concordance_note"]).strip(), lang)
            )
    return facts


def _review(
    session: Session, tr: Translator, version: DatasetVersion, steward: str | None
) -> ReviewView | None:
    case = review.find_case(session, version)
    if case is None or not case.decision:
        return None
    result = (case.assessment or {}).get("result") or {}
    criteria = tuple(
        Criterion(
            name=str(c.get("name") or c.get("criterion") or ""),
            rating=str(c.get("label") or c.get("rating") or ""),
            gating=bool(c.get("gating")),
            passed=c.get("gate_passed"),
        )
        for c in result.get("criteria") or []
        if isinstance(c, Mapping)
    )
    rubric = None
    if result.get("rubric_name"):
        rubric = f"{result['rubric_name']} ({result.get('rubric_version', '')})".replace(" ()", "")
    return ReviewView(
        steward=steward,
        code=case.decision,
        decision=labels.translate(tr, labels.DECISIONS, case.decision),
        meaning=labels.translate(tr, labels.DECISION_MEANINGS, case.decision),
        outcome=labels.translate(tr, labels.OUTCOMES, case.quality_outcome),
        score=tr.number(result["percent"]) + " %" if result.get("percent") is not None else None,
        minimum=tr.number(result["minimum_score"]) + " %"
        if result.get("minimum_score") is not None
        else None,
        gating_passed=case.gating_passed,
        rubric=rubric,
        rubric_lang="en" if result.get("rubric_id") == rubrics.default_rubric().id else None,
        criteria=criteria,
        reason=case.decision_reason,
        conditions=case.conditions,
        decided_at=case.decided_at,
    )


def _findings(
    session: Session, tr: Translator, names: CodeNames, version: DatasetVersion
) -> tuple[FindingView, ...]:
    findings = intake.list_findings(session, version)
    areas = names.codes("REF_AREA", {a for f in findings for a in f.areas})
    groups = names.codes("CUST_BREAKDOWN", {g for f in findings for g in f.target_groups})
    return tuple(
        FindingView(
            statement=Text(f.statement, (f.language or "en").split("-")[0]),
            method=labels.translate(tr, labels.KINDS_OF_DATA, f.method),
            targets=tuple(f.sdg_targets),
            areas=tuple(areas[a] for a in f.areas),
            groups=tuple(groups[g] for g in f.target_groups),
            evidence=Text(f.evidence, (f.language or "en").split("-")[0]) if f.evidence else None,
        )
        for f in findings
    )


def _downloads(
    settings: Settings,
    tr: Translator,
    release: Release,
    described: Mapping[str, Any],
    series: Sequence[str],
) -> tuple[Download, ...]:
    """The release's data in every SDMX format, and as CSV, from the flow it is disseminated in
    (the community flow, or the imported dataflow its dataset reports against).

    SDMX-REST cannot ask for one release, so the links ask for what comes closest: the
    coalition's observations of the release's series, as they stood when it was published
    (``asOf``), which is this release unless the coalition published the same series in
    another dataset current at that moment.
    """
    agency = settings.agency_id
    provider = described["provider"]["id"]
    as_of = discovery.timestamp(release.published_at)
    dims = ["" for _ in DIMENSIONS]
    dims[DIMENSIONS.index("SERIES")] = "+".join(series)
    key = ".".join(dims) if series else "all"
    downloads = [
        Download(
            tr.gettext("CSV: this release's observations (one row each)"),
            f"/api/v1/releases/{release.uid}/data.csv",
            "text/csv",
            f"{release.uid}.csv",
        )
    ]
    # SDMX-REST 2.x names a coalition's data by provision agreement, which only the community
    # flows have: in an imported flow the 2.x links ask for the flow's data of these series.
    dataflow = described.get("dataflow")
    flow = rules.release_flow(agency, voices.FLOW_ID, dataflow)
    v1_flow = ",".join(flow)
    v2_data = "/sdmx/v2/data/dataflow/{}/{}/{}/*".format(*flow) if dataflow else None
    for title, media, tree in discovery.SDMX_DISTRIBUTIONS:
        if tree == "v2":
            params = {"asOf": as_of, "format": media.label}
            if series:
                params["c[SERIES]"] = ",".join(series)
            url = (
                (
                    v2_data
                    or f"/sdmx/v2/data/provisionagreement/{agency}/{provider}_{voices.FLOW_ID}/+/*"
                )
                + "?"
                + urlencode(params, safe=":[],")
            )
        else:
            url = f"/sdmx/v1/data/{v1_flow}/{key}/{agency},{provider}?" + urlencode(
                {"asOf": as_of, "format": media.label}, safe=":"
            )
        extension = next((ext for ext in ("csv", "json") if ext in media.content_type), "xml")
        filename = f"{release.uid}-{media.label}.{extension}"
        downloads.append(Download(title, url, media.content_type, filename))
    return tuple(downloads)


def _descriptions(tr: Translator, release: Release, withdrawn: bool) -> tuple[Link, ...]:
    base = f"/api/v1/releases/{release.uid}"
    found = [
        Link(tr.gettext("Release record (JSON)"), base),
        Link(tr.gettext("Provenance (W3C PROV)"), f"{base}/provenance"),
        Link(tr.gettext("Manifest with checksums (JSON)"), f"{base}/manifest"),
        Link(tr.gettext("DCAT-AP description (JSON-LD)"), f"{base}/dcat"),
    ]
    if not withdrawn:
        found.append(Link(tr.gettext("Frictionless Data Package"), f"{base}/datapackage.json"))
    return tuple(found)


def _citations(
    session: Session, settings: Settings, tr: Translator, release: Release
) -> tuple[CitationView, ...]:
    record = citing.release_record(
        session, release, base_url=settings.base_url, agency=settings.agency_id
    )
    return tuple(
        CitationView(
            format=fmt,
            label=tr.gettext(label),
            text=citation.render(record, fmt),
            url=f"/api/v1/releases/{release.uid}/citation?format={fmt}",
        )
        for fmt, label in labels.CITATION_FORMATS.items()
    )


def _timeline(
    session: Session, tr: Translator, release: Release, version: DatasetVersion
) -> tuple[Event, ...]:
    """The version's way through review, then the release's own events. Organisations are
    named; the people holding the keys are not (as in the public provenance document)."""
    assert version.id is not None
    moves: list[ReviewTransition] = review.transitions_of(session, version.id)
    org_ids = {m.organisation_id for m in moves if m.organisation_id is not None}
    org_ids.update(i for i in (release.organisation_id, release.steward_id) if i is not None)
    organisations = {
        o.id: o.name
        for o in session.exec(select(Organisation).where(col(Organisation.id).in_(org_ids)))
    }
    events = [
        Event(
            at=move.at,
            label=labels.translate(tr, labels.STATES, move.to_state),
            organisation=organisations.get(move.organisation_id)
            if move.organisation_id is not None
            else tr.gettext("voicescount (automatic)"),
            reason=move.reason,
        )
        for move in moves
    ]
    if release.doi:
        events.append(
            Event(
                release.published_at,
                tr.gettext("DOI recorded: %(doi)s", doi=release.doi),
                organisations.get(release.steward_id) if release.steward_id else None,
                None,
            )
        )
    events.sort(key=lambda e: e.at)
    return tuple(events)


# ------------------------------------------------------------------------------------------
# SDG indicator page


@dataclass(frozen=True)
class SeriesBlock:
    """A community series of an indicator: one release's observations of one series."""

    release: str
    title: Text
    provider_name: str
    #: The CL_REVIEW_DECISION code and its label.
    code: str
    decision: str
    series: str
    series_name: Text
    chart: ChartView


@dataclass(frozen=True)
class IndicatorPage:
    code: str
    title: str
    target: sdg.TargetRef
    goal: sdg.Goal
    series: tuple[sdg.SeriesRef, ...]
    blocks: tuple[SeriesBlock, ...]
    related: tuple[Result, ...]
    note: str
    #: Community figures on the indicator beside official ones, where a reference source matches.
    comparisons: ComparisonSection | None = None


def indicator(session: Session, settings: Settings, tr: Translator, code: str) -> IndicatorPage:
    detail = sdg.get_indicator(session, code)
    current = entries(session)
    community = [
        c.code
        for c in session.exec(select(CommunitySeries))
        if detail.code in (c.sdg_indicators or [])
    ]
    wanted = sorted({s.code for s in detail.series} | set(community))
    holding = [e for e in current if set(e.series) & set(wanted)]
    shown = holding[:MAX_CHARTS]
    ids = {
        r.uid: r.id
        for r in session.exec(
            select(Release).where(col(Release.uid).in_([e.release for e in shown]))
        )
        if r.id is not None
    }
    names = CodeNames(session, settings.agency_id, tr.locale)
    # Each release gets its share of the observations a page charts, so that one large
    # release cannot crowd out the others.
    share = max(1, CHART_OBSERVATIONS // max(1, len(shown)))
    partial = len(holding) > len(shown)
    blocks: list[SeriesBlock] = []
    for entry in shown:
        rows = series_rows(session, ids[entry.release], wanted, limit=share)
        partial = partial or len(rows) >= share
        by_series: OrderedDict[str, list[Row]] = OrderedDict()
        for row in rows:
            by_series.setdefault(row.series, []).append(row)
        series_names = names.codes("SERIES", by_series)
        for series, members in by_series.items():
            if len(blocks) == MAX_CHARTS:
                partial = True
                break
            chart_id = f"indicator-chart-{len(blocks) + 1}"
            blocks.append(
                SeriesBlock(
                    release=entry.release,
                    title=entry.title_in(tr.locale),
                    provider_name=entry.provider_name,
                    code=entry.decision,
                    decision=labels.translate(tr, labels.DECISIONS, entry.decision),
                    series=series,
                    series_name=series_names[series],
                    chart=series_chart(tr, names, chart_id, series_names[series].text, members),
                )
            )
    charted = {b.release for b in blocks}
    related = tuple(
        Result(
            entry=e,
            title=e.title_in(tr.locale),
            country=tr.territory(e.country),
            decision=labels.translate(tr, labels.DECISIONS, e.decision),
            goals=(),
        )
        for e in current
        if detail.code in e.indicators and e.release not in charted
    )
    note = ""
    if partial:
        note = tr.gettext(
            "Only part of the community data is charted here; each dataset's page has all of it."
        )
    titles = {e.release: (e.title_in(tr.locale), e.provider_name) for e in current}
    return IndicatorPage(
        code=detail.code,
        title=detail.title,
        target=detail.target,
        goal=detail.goal,
        series=detail.series,
        blocks=tuple(blocks),
        related=related,
        note=note,
        comparisons=comparisons.for_indicator(session, settings, tr, names, detail.code, titles),
    )
