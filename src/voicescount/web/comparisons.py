"""Community figures beside official ones on the dataset and indicator pages. No FastAPI here.

The comparison itself is ``comparison.service``'s: which official figure matches which
community one (same series or indicator, area or its country, same or nearest year, same group
or the official total), the gap and both sources' provenance. This module groups its rows by
release and series, names the codes in the page's language, says in words how each pair was
matched, and draws the community and official figures side by side (``web.charts``), with a
table that gives each pair's gap and links to both sources.

Withheld community cells have no value and are never compared (the service leaves them out).
A page asks the service only when some reference source is loaded, so pages of deployments
without official data pay one small query.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import Session, select

from voicescount.comparison import service as comparison
from voicescount.config import Settings
from voicescount.errors import Conflict
from voicescount.storage.tables import ReferenceSource
from voicescount.storage.tables.intake import DIMENSIONS
from voicescount.web import charts
from voicescount.web.i18n import Translator
from voicescount.web.observations import MAX_CHARTS, CodeNames, Text

#: The order breakdowns are named in a label (the SDG DSD's, after series and area).
_BREAKDOWNS = DIMENSIONS[DIMENSIONS.index("REF_AREA") + 1 :]


@dataclass(frozen=True)
class SourceView:
    """A reference source as the page names it, with links to its record and its file."""

    id: int
    name: str
    agency: str | None
    dataset: str | None
    loaded_at: datetime
    sha256: str
    url: str
    file_url: str

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


@dataclass(frozen=True)
class PairRow:
    """One community figure beside one official figure: a row of the comparison table."""

    #: What is compared: the area and the breakdowns of the community figure.
    label: Text
    period: str
    community: str
    official: str
    official_period: str
    #: Community − official, signed; empty when the figures are not on one scale.
    gap: str
    #: How the pair was matched, one sentence per rule that was not an exact match.
    match: tuple[str, ...]
    release: str
    citation_url: str
    source: SourceView


@dataclass(frozen=True)
class ComparisonView:
    """The comparison of one release's series: a chart, a table, the sources."""

    id: str
    title: Text
    series: str
    release: str
    release_title: Text | None
    provider_name: str
    unit: str
    svg: str
    legend: tuple[tuple[str, str], ...]
    rows: tuple[PairRow, ...]
    caption: str
    note: str


@dataclass(frozen=True)
class ComparisonSection:
    """Everything a page shows of a comparison, and where to get it as data."""

    blocks: tuple[ComparisonView, ...]
    sources: tuple[SourceView, ...]
    json_url: str
    csv_url: str
    note: str


def _any_source(session: Session) -> bool:
    return bool(session.exec(select(func.count()).select_from(ReferenceSource)).one())


def _api_urls(**query: str) -> tuple[str, str]:
    base = "/api/v1/comparisons?" + urlencode(query)
    return base, base + "&format=csv"


def for_release(
    session: Session, settings: Settings, tr: Translator, names: CodeNames, release: str
) -> ComparisonSection | None:
    """The comparison of one release with every reference source, or ``None`` when no official
    figure matches (or the release was withdrawn: its data are not shown, nor compared)."""
    if not _any_source(session):
        return None
    try:
        result = comparison.compare(
            session, agency=settings.agency_id, base_url=settings.base_url, release=release
        )
    except Conflict:
        return None
    json_url, csv_url = _api_urls(release=release)
    return _section(tr, names, result, json_url, csv_url, titles=None)


def for_indicator(
    session: Session,
    settings: Settings,
    tr: Translator,
    names: CodeNames,
    code: str,
    titles: dict[str, tuple[Text, str]],
) -> ComparisonSection | None:
    """Every current release's figures on indicator ``code`` beside official ones, or
    ``None``; ``titles`` gives each release's title and producer, as the page names them."""
    if not _any_source(session):
        return None
    result = comparison.compare(
        session, agency=settings.agency_id, base_url=settings.base_url, indicator=code
    )
    json_url, csv_url = _api_urls(indicator=code)
    return _section(tr, names, result, json_url, csv_url, titles=titles)


def _section(
    tr: Translator,
    names: CodeNames,
    result: comparison.Comparison,
    json_url: str,
    csv_url: str,
    *,
    titles: dict[str, tuple[Text, str]] | None,
) -> ComparisonSection | None:
    if not result.rows:
        return None
    sources = {label.id: _source(label) for label in result.sources}
    by_block: OrderedDict[tuple[str, str], list[comparison.ComparisonRow]] = OrderedDict()
    for row in result.rows:
        by_block.setdefault((row.community.release.uid, row.series), []).append(row)
    series_names = names.codes("SERIES", {series for _, series in by_block})
    blocks = []
    for number, ((release, series), rows) in enumerate(list(by_block.items())[:MAX_CHARTS]):
        title, provider = (titles or {}).get(release, (None, rows[0].community.release.provider))
        blocks.append(
            _block(
                tr,
                names,
                f"comparison-{number + 1}",
                series_names[series],
                title,
                provider,
                rows,
                sources,
            )
        )
    note = ""
    if len(by_block) > len(blocks):
        note = tr.gettext(
            "Only part of the comparison is shown here; the JSON and CSV files have all of it."
        )
    return ComparisonSection(
        blocks=tuple(blocks),
        sources=tuple(sources[i] for i in sorted(sources)),
        json_url=json_url,
        csv_url=csv_url,
        note=note,
    )


def _source(label: comparison.SourceLabel) -> SourceView:
    url = f"/api/v1/reference-sources/{label.id}"
    return SourceView(
        id=label.id,
        name=label.name,
        agency=label.agency,
        dataset=label.dataset,
        loaded_at=label.loaded_at,
        sha256=label.sha256,
        url=url,
        file_url=f"{url}/file",
    )


def _label(names: CodeNames, row: comparison.ComparisonRow) -> Text:
    """The area and the community figure's breakdowns: "Kisumu · Female"."""
    area = names.code("REF_AREA", row.area)
    parts = [area.text]
    dimensions = row.community.dimensions
    parts += [names.code(d, dimensions[d]).text for d in _BREAKDOWNS if d in dimensions]
    return Text(" · ".join(parts), area.lang)


def _signed(tr: Translator, value: float | None) -> str:
    if value is None:
        return ""
    shown = tr.number(round(value, 10))
    return f"+{shown}" if value > 0 else shown


def _match(tr: Translator, names: CodeNames, row: comparison.ComparisonRow) -> tuple[str, ...]:
    """How the pair was matched, in the page's language (the service's labels are English)."""
    said = []
    if row.match.series == "same_indicator":
        said.append(
            tr.gettext(
                "Same indicator, another series: official series %(series)s",
                series=row.official.series,
            )
        )
    if row.match.area == "national":
        said.append(
            tr.gettext(
                "Official figure for the whole country: %(area)s",
                area=names.code("REF_AREA", row.official.area).text,
            )
        )
    if row.match.period == "nearest_year":
        said.append(
            tr.gettext("Nearest year: official figure for %(period)s", period=row.official.period)
        )
    elif row.match.period == "same_year":
        said.append(tr.gettext("Same year: official period %(period)s", period=row.official.period))
    if row.compared_with_total:
        dimensions = names.components(row.compared_with_total)
        said.append(
            tr.gettext(
                "Compared with the official total for: %(breakdowns)s",
                breakdowns=", ".join(
                    dimensions[d].text if d in dimensions else d for d in row.compared_with_total
                ),
            )
        )
    if row.gap is None:
        said.append(tr.gettext("Different units: no gap computed"))
    if not said:
        said.append(tr.gettext("Same series, area, period and breakdown"))
    return tuple(said)


def _unit(names: CodeNames, rows: Sequence[comparison.ComparisonRow]) -> str:
    units = sorted({r.community.unit_measure for r in rows if r.community.unit_measure})
    return ", ".join(names.code("UNIT_MEASURE", u).text for u in units)


def _block(
    tr: Translator,
    names: CodeNames,
    block_id: str,
    series_name: Text,
    release_title: Text | None,
    provider: str,
    rows: Sequence[comparison.ComparisonRow],
    sources: dict[int, SourceView],
) -> ComparisonView:
    release = rows[0].community.release
    unit = _unit(names, rows)
    table_rows = tuple(
        PairRow(
            label=_label(names, row),
            period=row.period,
            community=tr.number(row.community.value),
            official=tr.number(row.official.value),
            official_period=row.official.period,
            gap=_signed(tr, row.gap),
            match=_match(tr, names, row),
            release=release.uid,
            citation_url=f"/api/v1/releases/{release.uid}/citation",
            source=sources[row.official.source.id],
        )
        for row in rows
    )
    svg, legend, note = _chart(tr, names, block_id, series_name.text, provider, rows, sources)
    caption = tr.gettext(
        "%(series)s: community and official figures, and the gap between them",
        series=series_name.text,
    )
    if unit:
        caption += f" ({unit})"
    return ComparisonView(
        id=block_id,
        title=series_name,
        series=rows[0].series,
        release=release.uid,
        release_title=release_title,
        provider_name=provider,
        unit=unit,
        svg=svg,
        legend=legend,
        rows=table_rows,
        caption=caption,
        note=note,
    )


def _chart(
    tr: Translator,
    names: CodeNames,
    chart_id: str,
    title: str,
    provider: str,
    rows: Sequence[comparison.ComparisonRow],
    sources: dict[int, SourceView],
) -> tuple[str, tuple[tuple[str, str], ...], str]:
    """Grouped bars: each community figure (area, breakdown, period) beside the official
    figure of each source it matched. Pairs on different scales stay in the table only."""
    on_scale = [r for r in rows if r.gap is not None]
    note = ""
    if len(on_scale) < len(rows):
        note = tr.gettext("Pairs in different units are in the table only.")
    if not on_scale:
        return "", (), note
    groups: OrderedDict[str, dict[int | None, float]] = OrderedDict()
    for row in on_scale:
        label = f"{_label(names, row).text}, {row.period}"
        figures = groups.setdefault(label, {None: row.community.value})
        figures[row.official.source.id] = row.official.value
    used = sorted({r.official.source.id for r in on_scale})
    community = tr.gettext("Community data: %(provider)s", provider=provider)
    series = [charts.Source(community, tuple(g[None] for g in groups.values()))]
    for source_id in used:
        series.append(
            charts.Source(
                tr.gettext("Official: %(source)s", source=sources[source_id].name),
                tuple(g.get(source_id) for g in groups.values()),
                official=True,
            )
        )
    description = tr.ngettext(
        "Bar chart of %(num)s community figure beside the official figures of %(sources)s.",
        "Bar chart of %(num)s community figures beside the official figures of %(sources)s.",
        len(groups),
        sources=", ".join(sources[i].name for i in used),
    )
    svg = charts.comparison_chart(
        chart_id,
        tr.gettext("%(series)s: community and official figures", series=title),
        description,
        list(groups),
        series,
        fmt=tr.number,
        missing=tr.gettext("no official figure"),
    )
    legend = [(charts.swatch(0, chart_id, kind="bar"), community)]
    legend += [
        (charts.swatch(number + 1, chart_id, kind="hatched", hatch=number), source.label)
        for number, source in enumerate(series[1:])
    ]
    return svg, tuple(legend), note
