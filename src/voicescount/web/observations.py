"""Published observations on the pages: names of their codes, tables and charts.

Observations are read along ``ix_published_release`` (a release's, a page at a time) or
``ix_published_series`` (some series of some releases), never all at once; a page's charts draw
from at most ``views.CHART_OBSERVATIONS`` of them. Code names come from the community DSD's
codelists in the page's language where the SDMX structures carry it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from voicescount.errors import StructureError
from voicescount.intake import lookup
from voicescount.registry import repository
from voicescount.sdmx.structures import parse_ref
from voicescount.storage.tables.intake import DIMENSIONS
from voicescount.types import ArtefactType
from voicescount.web import charts
from voicescount.web.i18n import Translator, pick_name
from voicescount.web.labels import HEADERS

#: Codes that mean "no breakdown" (total, not applicable) in the SDG codelists.
TOTALS = frozenset({"_T", "_Z", "_X", "_U"})
#: Dimensions never shown as a breakdown (the same for every community observation).
FIXED_DIMENSIONS = frozenset({"FREQ", "REPORTING_TYPE"})
#: Most charts one page draws.
MAX_CHARTS = 12


@dataclass(frozen=True)
class Text:
    """A text and the language it is in (templates mark it when it differs from the page's)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text


# Names of codes, in the page's language where the structures carry it


class CodeNames:
    """Names of the codes of the community DSD's codelists and of its concepts.

    Looked up a batch at a time (one query per codelist and page), in the page's language where
    the SDMX structures carry it, else in English; a code without a name shows as itself.
    """

    def __init__(self, session: Session, agency: str, locale: str) -> None:
        self.session = session
        self.agency = agency
        self.locale = locale
        self._components: tuple[dict[str, str], dict[str, str]] | None = None
        self._cache: dict[tuple[str, str], Text] = {}

    def _dsd(self) -> tuple[dict[str, str], dict[str, str]]:
        """Codelist and concept of each component, read once and only when a name is needed."""
        if self._components is None:
            try:
                components = lookup.community_dsd_components(self.session, self.agency)
            except StructureError:
                components = []  # structures not loaded yet: codes show as themselves
            self._components = (
                {c.component_id: c.codelist for c in components if c.codelist},
                {c.component_id: c.concept for c in components},
            )
        return self._components

    @property
    def codelists(self) -> dict[str, str]:
        return self._dsd()[0]

    @property
    def concepts(self) -> dict[str, str]:
        return self._dsd()[1]

    def _items(self, kind: ArtefactType, ref: str, ids: Sequence[str]) -> dict[str, dict[str, str]]:
        parsed = parse_ref(ref)
        row = repository.get_artefact(
            self.session, kind.value, parsed.agency, parsed.id, parsed.version
        )
        if row is None or row.id is None:
            return {}
        return {i.item_id: i.names for i in repository.items(self.session, row.id, ids=ids)}

    def codes(self, component: str, codes: Iterable[str]) -> dict[str, Text]:
        """``{code: name}`` for codes of ``component`` (e.g. ``REF_AREA``)."""
        wanted = sorted({c for c in codes if c and (component, c) not in self._cache})
        ref = self.codelists.get(component)
        if wanted and ref:
            found = self._items(ArtefactType.CODELIST, ref, wanted)
            for code in wanted:
                name, lang = pick_name(found.get(code, {}), self.locale)
                self._cache[(component, code)] = Text(name or code, lang if name else self.locale)
        for code in wanted:
            self._cache.setdefault((component, code), Text(code, self.locale))
        return {c: self._cache[(component, c)] for c in codes if c}

    def code(self, component: str, code: str) -> Text:
        return self.codes(component, [code])[code]

    def components(self, ids: Iterable[str]) -> dict[str, Text]:
        """Names of DSD components from their concepts (``SEX`` → "Sex")."""
        by_scheme: dict[str, dict[str, str]] = {}  # scheme → {concept id: component}
        for component in ids:
            concept = self.concepts.get(component)
            if concept:
                parsed = parse_ref(concept)
                by_scheme.setdefault(parsed.maintainable, {})[parsed.item or component] = component
        names: dict[str, Text] = {}
        for scheme, members in by_scheme.items():
            found = self._items(ArtefactType.CONCEPTSCHEME, scheme, sorted(members))
            for concept, component in members.items():
                name, lang = pick_name(found.get(concept, {}), self.locale)
                names[component] = Text(name or component, lang if name else self.locale)
        return names


# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One published observation, as the pages read it."""

    series_key: str
    period: str
    value: float | None
    unit: str | None
    obs_status: str | None
    n: int | None
    conf_status: str | None

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(self.series_key.split("."))

    @property
    def series(self) -> str:
        return self.key[2]

    @property
    def withheld(self) -> bool:
        return self.value is None and (self.conf_status or "") in ("A", "D")


_COLUMNS = "series_key, time_period, obs_value, unit_measure, obs_status, unweighted_n, conf_status"


def _rows(result: Any) -> list[Row]:
    return [
        Row(
            series_key=r[0],
            period=r[1],
            value=None if r[2] is None else float(r[2]),
            unit=r[3],
            obs_status=r[4],
            n=r[5],
            conf_status=r[6],
        )
        for r in result
    ]


def release_rows(session: Session, release_id: int, *, limit: int, offset: int = 0) -> list[Row]:
    """A release's observations in series-key and period order (along ``ix_published_release``)."""
    return _rows(
        session.execute(
            text(
                f"SELECT {_COLUMNS} FROM published_observation WHERE release_id = :release "
                "ORDER BY series_key, time_period LIMIT :limit OFFSET :offset"
            ),
            {"release": release_id, "limit": limit, "offset": offset},
        )
    )


def series_rows(
    session: Session, release_id: int, series: Sequence[str], *, limit: int
) -> list[Row]:
    """A release's observations of some series, in series-key and period order."""
    if not series:
        return []
    params: dict[str, Any] = {"release": release_id, "limit": limit}
    names = []
    for number, code in enumerate(sorted(series)):
        params[f"s{number}"] = code
        names.append(f":s{number}")
    return _rows(
        session.execute(
            text(
                f"SELECT {_COLUMNS} FROM published_observation WHERE release_id = :release "
                f"AND series IN ({', '.join(names)}) "
                "ORDER BY series_key, time_period LIMIT :limit"
            ),
            params,
        )
    )


@dataclass(frozen=True)
class Cell:
    text: str
    lang: str | None = None
    numeric: bool = False
    withheld: bool = False


@dataclass(frozen=True)
class Table:
    caption: str
    #: The header of the row-header column, then of each data column.
    row_header: Text
    columns: tuple[Text, ...]
    #: Each row: a header cell (``<th scope="row">``) and data cells.
    rows: tuple[tuple[Cell, tuple[Cell, ...]], ...]


@dataclass(frozen=True)
class ChartView:
    id: str
    title: str
    #: The unit of the values, and the breakdowns every value shares ("Women and girls").
    unit: str
    scope: str
    svg: str
    legend: tuple[tuple[str, str], ...]  # (swatch svg, label)
    table: Table
    note: str = ""


def _breakdown_dimensions(rows: Sequence[Row]) -> list[int]:
    """Positions of the key dimensions worth a column: those that tell rows apart, and those
    holding a breakdown rather than a total (beyond series and area, always shown)."""
    positions = []
    for position, dimension in enumerate(DIMENSIONS):
        if dimension in FIXED_DIMENSIONS or dimension in ("SERIES", "REF_AREA"):
            continue
        codes = {row.key[position] for row in rows}
        if len(codes) > 1 or (codes and not codes <= TOTALS):
            positions.append(position)
    return positions


def _split_dimensions(rows: Sequence[Row]) -> tuple[list[int], list[int]]:
    """For a chart: the dimensions that vary between its lines or bars (their labels), and
    the breakdowns every one of them shares (said once, beside the chart)."""
    varying: list[int] = []
    shared: list[int] = []
    for position, dimension in enumerate(DIMENSIONS):
        if dimension in FIXED_DIMENSIONS or dimension == "SERIES":
            continue
        codes = {row.key[position] for row in rows}
        if len(codes) > 1:
            varying.append(position)
        elif codes and not codes <= TOTALS:
            shared.append(position)
    if not varying:
        area = DIMENSIONS.index("REF_AREA")
        varying = [area]
        shared = [p for p in shared if p != area]
    return varying, shared


def _key_label(key: tuple[str, ...], positions: Sequence[int], names: CodeNames) -> str:
    parts = [names.code(DIMENSIONS[position], key[position]).text for position in positions]
    return " · ".join(parts) or key[2]


def _unit_label(names: CodeNames, rows: Sequence[Row]) -> str:
    units = sorted({row.unit for row in rows if row.unit})
    return ", ".join(names.code("UNIT_MEASURE", u).text for u in units)


@dataclass(frozen=True)
class _Plot:
    """What one chart draws: a label and the observations by period for each line or bar."""

    periods: list[str]
    labels: list[str]
    lines: list[dict[str, Row]]
    total: int


def _plot(names: CodeNames, rows: Sequence[Row]) -> tuple[_Plot, str]:
    varying, shared = _split_dimensions(rows)
    by_key: OrderedDict[tuple[str, ...], dict[str, Row]] = OrderedDict()
    for row in rows:
        by_key.setdefault(row.key, {})[row.period] = row
    periods = sorted({row.period for row in rows})
    limit = charts.MAX_LINES if len(periods) > 1 else charts.MAX_BARS
    shown = list(by_key.items())[:limit]
    scope = " · ".join(names.code(DIMENSIONS[p], rows[0].key[p]).text for p in shared if rows)
    plot = _Plot(
        periods=periods,
        labels=[_key_label(key, varying, names) for key, _ in shown],
        lines=[by_period for _, by_period in shown],
        total=len(by_key),
    )
    return plot, scope


def series_chart(
    tr: Translator,
    names: CodeNames,
    chart_id: str,
    title: str,
    rows: Sequence[Row],
) -> ChartView:
    """A line chart over periods (or bars, for a single period) of one series' observations,
    with its data table."""
    plot, scope = _plot(names, rows)
    unit = _unit_label(names, rows)
    withheld = sum(1 for row in rows if row.withheld)
    note = ""
    if len(plot.lines) < plot.total:
        note = tr.gettext(
            "The chart shows %(shown)s of %(total)s breakdowns; the observations table lists "
            "them all.",
            shown=len(plot.lines),
            total=plot.total,
        )
    values = [r.value for line in plot.lines for r in line.values() if r.value is not None]
    description = _describe(tr, len(plot.lines), plot.periods, values, unit, withheld)
    if scope:
        description += " " + tr.gettext("All values are for: %(scope)s.", scope=scope)
    if len(plot.periods) > 1:
        svg = charts.line_chart(
            chart_id,
            title,
            description,
            plot.periods,
            [
                charts.Line(
                    label, tuple(line[p].value if p in line else None for p in plot.periods)
                )
                for label, line in zip(plot.labels, plot.lines, strict=True)
            ],
            fmt=tr.number,
        )
        legend = tuple((charts.swatch(n, chart_id), label) for n, label in enumerate(plot.labels))
    else:
        svg = charts.bar_chart(
            chart_id,
            title,
            description,
            [
                charts.Bar(label, line[plot.periods[0]].value if plot.periods else None)
                for label, line in zip(plot.labels, plot.lines, strict=True)
            ],
            fmt=tr.number,
            withheld=tr.gettext("withheld"),
        )
        legend = ()
    caption = tr.gettext("Data of the chart: %(title)s", title=title)
    if unit:
        caption += f" ({unit})"
    return ChartView(
        id=chart_id,
        title=title,
        unit=unit,
        scope=scope,
        svg=svg,
        legend=legend,
        table=Table(
            caption=caption,
            row_header=Text(tr.gettext("Breakdown"), tr.locale),
            columns=tuple(Text(p, tr.locale) for p in plot.periods),
            rows=tuple(
                (Cell(label), tuple(_value_cell(tr, line.get(p)) for p in plot.periods))
                for label, line in zip(plot.labels, plot.lines, strict=True)
            ),
        ),
        note=note,
    )


def _value_cell(tr: Translator, row: Row | None) -> Cell:
    if row is None:
        return Cell("–", numeric=True)
    if row.value is None:
        label = tr.gettext("withheld") if row.withheld else tr.gettext("no value")
        return Cell(label, numeric=True, withheld=row.withheld)
    return Cell(tr.number(row.value), numeric=True)


def _describe(
    tr: Translator,
    lines: int,
    periods: Sequence[str],
    values: Sequence[float],
    unit: str,
    withheld: int,
) -> str:
    parts = []
    if len(periods) > 1:
        parts.append(
            tr.ngettext(
                "Line chart of %(num)s breakdown from %(first)s to %(last)s.",
                "Line chart of %(num)s breakdowns from %(first)s to %(last)s.",
                lines,
                first=periods[0],
                last=periods[-1],
            )
        )
    else:
        parts.append(
            tr.ngettext(
                "Bar chart of %(num)s breakdown in %(period)s.",
                "Bar chart of %(num)s breakdowns in %(period)s.",
                lines,
                period=periods[0] if periods else "",
            )
        )
    if len(set(values)) == 1:
        parts.append(tr.gettext("Value: %(value)s.", value=tr.number(values[0])))
    elif values:
        parts.append(
            tr.gettext(
                "Values range from %(low)s to %(high)s.",
                low=tr.number(min(values)),
                high=tr.number(max(values)),
            )
        )
    if unit:
        parts.append(tr.gettext("Unit: %(unit)s.", unit=unit))
    if withheld:
        parts.append(
            tr.ngettext(
                "%(num)s value is withheld to protect respondents.",
                "%(num)s values are withheld to protect respondents.",
                withheld,
            )
        )
    return " ".join(parts)


def charts_of(
    tr: Translator,
    names: CodeNames,
    rows: Sequence[Row],
    *,
    prefix: str,
) -> list[ChartView]:
    """One chart per series of ``rows`` (at most :data:`MAX_CHARTS`)."""
    by_series: OrderedDict[str, list[Row]] = OrderedDict()
    for row in rows:
        by_series.setdefault(row.series, []).append(row)
    found = names.codes("SERIES", by_series)
    views = []
    for number, (series, members) in enumerate(list(by_series.items())[:MAX_CHARTS]):
        title = found[series].text
        views.append(series_chart(tr, names, f"{prefix}-{number + 1}", title, members))
    return views


def observation_table(
    tr: Translator, names: CodeNames, rows: Sequence[Row], sample: Sequence[Row]
) -> Table:
    """The observations of one page: series, area and the breakdowns the release uses, then
    period, value, unit, status and n."""
    positions = [DIMENSIONS.index("SERIES"), DIMENSIONS.index("REF_AREA")]
    positions += _breakdown_dimensions(sample or rows)
    dims = [DIMENSIONS[p] for p in positions]
    headers = names.components(dims)
    for dimension in dims:
        names.codes(dimension, {row.key[DIMENSIONS.index(dimension)] for row in rows})
    names.codes("UNIT_MEASURE", {row.unit for row in rows if row.unit})
    names.codes("CONF_STATUS", {row.conf_status for row in rows if row.conf_status})
    names.codes("OBS_STATUS", {row.obs_status for row in rows if row.obs_status})
    columns = (
        *(headers.get(d, Text(d, tr.locale)) for d in dims[1:]),
        *(Text(tr.gettext(HEADERS[h]), tr.locale) for h in HEADERS),
    )
    table_rows = []
    for row in rows:
        series = names.code("SERIES", row.series)
        cells = [
            Cell(names.code(d, row.key[p]).text, names.code(d, row.key[p]).lang)
            for d, p in zip(dims[1:], positions[1:], strict=True)
        ]
        status = [
            names.code("OBS_STATUS", row.obs_status).text if row.obs_status else "",
            names.code("CONF_STATUS", row.conf_status).text
            if row.conf_status and row.conf_status != "F"
            else "",
        ]
        cells += [
            Cell(row.period),
            _value_cell(tr, row),
            Cell(names.code("UNIT_MEASURE", row.unit).text if row.unit else ""),
            Cell("; ".join(s for s in status if s)),
            Cell("" if row.n is None else tr.number(row.n), numeric=True),
        ]
        table_rows.append((Cell(series.text, series.lang), tuple(cells)))
    return Table(
        caption=tr.gettext("Observations"),
        row_header=headers.get("SERIES", Text("SERIES", tr.locale)),
        columns=columns,
        rows=tuple(table_rows),
    )
