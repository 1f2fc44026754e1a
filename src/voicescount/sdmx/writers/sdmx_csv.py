"""SDMX-CSV 1.0 and 2.0 data: one row per observation, RFC 4180 (CRLF, minimal quoting).

Columns: ``DATAFLOW`` (1.0) or ``STRUCTURE,STRUCTURE_ID,ACTION`` (2.0); the dimensions in DSD
order; the time dimension; the measure; then observation, series and data-set attributes (in
that order: what readers look at first — ``OBS_STATUS`` and friends — comes first). Series and
data-set attribute values repeat on each row of their series/data set.

``detail``: ``dataonly`` drops the attribute columns. ``serieskeysonly`` and ``nodata`` write one
row per series with empty time and value cells (the attribute-only rows of the SDMX-CSV 2.0
field guide, example 13), ``nodata`` with its series and data-set attributes.

``labels=both``: headers ``ID: Name`` where the structure names the component, values
``code: name`` where ``options.names`` knows the code (time, value and uncoded text stay as
they are, as .Stat and ISTAT do); ``DATAFLOW``/``STRUCTURE*``/``ACTION`` keep their names.

A missing value (a suppressed cell) is an empty cell in 1.0 and ``NaN`` in 2.0: SDMX 3.0 reads
an empty cell as "not reported" and ``NaN`` as "intentionally missing", and sdmx1 keeps an empty
value cell as the string ``""``, on which ``sdmx.to_pandas`` fails (``could not convert string
to float: ''``). pysdmx and pandas read both as NaN.

SDMX-CSV has no data provider column (2.0's ``dataprovision`` needs a provision agreement id),
so data sets of several providers share the rows of one flow; 2.0 keeps each data set's action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from operator import add, getitem

from voicescount.sdmx.data import (
    AttributeColumn,
    DataSetInfo,
    DataSets,
    DataStructure,
    ExtraAttributes,
    Header,
    Series,
    SeriesBlock,
    WriteOptions,
)
from voicescount.sdmx.writers.base import (
    CSV_SPECIAL,
    Chunks,
    FragmentCache,
    Layout,
    csv_field,
    flow_or_structure,
    interleave,
    layout,
    per_row,
    plain_codes,
    split_keys,
    value_cache,
)

EOL = "\r\n"


class _Columns:
    """Header row and per-component cell caches (each cell text starts with its comma)."""

    def __init__(
        self, structure: DataStructure, lay: Layout, options: WriteOptions, missing: str
    ) -> None:
        self.structure = structure
        self.both = options.labels == "both"
        self.names = options.names if self.both else None
        self.dims = [self._cells(d) for d in structure.dimensions]
        self.obs_attrs = (
            [(a, self._cells(a)) for a in structure.observation_attributes]
            if lay.observation_attributes
            else []
        )
        self.series_attrs = (
            [(a, self._cells(a)) for a in structure.series_attributes]
            if lay.series_attributes
            else []
        )
        self.dataset_attrs = (
            [(a, self._cells(a)) for a in structure.dataset_attributes]
            if lay.series_attributes
            else []
        )
        self.obs_ids = [a for a, _ in self.obs_attrs]
        self.obs_cells = [cells for _, cells in self.obs_attrs]
        self.time = FragmentCache(lambda t: "," + csv_field(t))
        #: Per component, the cell an observation's extra attributes give it.
        self.extra_cells: dict[str, FragmentCache] = {}
        self.values = value_cache(lambda v: "," + v, "," + missing)

    def _label(self, component: str, code: str) -> str:
        name = self.names(component, code) if self.names else None
        return f"{code}: {name}" if name else code

    def _cells(self, component: str) -> FragmentCache:
        return FragmentCache(
            lambda code: "," + csv_field(self._label(component, code)), {None: ",", "": ","}
        )

    def header(self, leading: list[str]) -> str:
        s = self.structure
        components = [
            *s.dimensions,
            s.time_dimension,
            s.measure,
            *(a for a, _ in self.obs_attrs),
            *(a for a, _ in self.series_attrs),
            *(a for a, _ in self.dataset_attrs),
        ]
        titles = [*leading, *(self._title(c) for c in components)]
        return ",".join(csv_field(t) for t in titles) + EOL

    def _title(self, component: str) -> str:
        name = self.structure.names.get(component) if self.both else None
        return f"{component}: {name}" if name else component

    def observation_cells(self, block: SeriesBlock) -> list[Iterable[str]]:
        """The cells of the observation attribute columns of a block, in column order."""
        given = dict(block.attributes)
        extra = block.extra
        in_extra = (
            {c for pairs in set(extra) if pairs for c, _ in pairs} if extra is not None else set()
        )
        cells_columns: list[Iterable[str]] = []
        constant = ""
        for component, cells in self.obs_attrs:
            column = given.get(component)
            if component in in_extra and column is not None:
                # Named by a column and by some extras (rare): the extras win, row by row.
                cells_columns.append(_overridden(cells, component, column, extra))  # type: ignore[arg-type]
            elif isinstance(column, str):
                constant += cells[column]
                continue
            elif column is not None:
                cells_columns.append(map(cells.__getitem__, column))
            elif component in in_extra:
                cells_columns.append(map(self._extra_cells(component, cells).__getitem__, extra))  # type: ignore[arg-type]
            else:
                constant += cells[None]
                continue
            if constant:
                cells_columns.insert(-1, repeat(constant))
                constant = ""
        if constant:
            cells_columns.append(repeat(constant))
        return cells_columns

    def _extra_cells(self, component: str, cells: FragmentCache) -> FragmentCache:
        found = self.extra_cells.get(component)
        if found is None:
            found = self.extra_cells[component] = FragmentCache(
                lambda pairs: cells[dict(pairs).get(component)], {None: cells[None]}
            )
        return found

    @staticmethod
    def attribute_cells(columns: list[tuple[str, FragmentCache]], values: dict[str, str]) -> str:
        return "".join([cells[values.get(a)] for a, cells in columns])


def _overridden(
    cells: FragmentCache,
    component: str,
    column: AttributeColumn,
    extra: Sequence[ExtraAttributes],
) -> list[str]:
    values = [column] * len(extra) if isinstance(column, str) else column
    found = []
    for value, pairs in zip(values, extra, strict=True):
        given = dict(pairs) if pairs else {}
        found.append(cells[given.get(component, value)])
    return found


def _rows(columns: _Columns, lay: Layout, start: str, info: DataSetInfo, series: Series) -> str:
    """The rows of one series; ``start`` holds the leading cells without a trailing comma."""
    key = start + "".join(map(getitem, columns.dims, series.key))
    tail = (
        columns.attribute_cells(columns.series_attrs, series.attributes)
        + columns.attribute_cells(columns.dataset_attrs, info.attributes)
        + EOL
    )
    if not lay.observations:
        # One attribute-only row: empty time and value (and no observation attributes).
        return key + ",," + tail
    time, values, ids, cells = columns.time, columns.values, columns.obs_ids, columns.obs_cells
    body = [
        f"{key}{time[o.time]}{values[o.value]}"
        f"{''.join(map(getitem, cells, map(o.attributes.get, ids)))}{tail}"
        for o in series.observations
    ]
    return "".join(body)


def _block_rows(
    columns: _Columns, lay: Layout, start: str, info: DataSetInfo, block: SeriesBlock
) -> str:
    """The rows of a block's series, column by column (with observations and ``labels=id``;
    otherwise series by series)."""
    if not lay.observations or columns.both:
        return "".join([_rows(columns, lay, start, info, s) for s in block.series()])
    starts = block.starts()
    size = len(block)
    keys = [block.keys[i] for i in starts]
    if plain_codes(".".join(keys), CSV_SPECIAL) and split_keys(keys, len(columns.dims)):
        # Codes that need no quoting: the key's dots become the cells' commas.
        heads = [f"{start},{key.replace('.', ',')}" for key in keys]
    else:
        dims = columns.dims
        heads = [start + "".join(map(getitem, dims, key.split("."))) for key in keys]
    given = dict(block.series_attributes)
    dataset_cells = columns.attribute_cells(columns.dataset_attrs, info.attributes) + EOL
    tails = [dataset_cells] * len(starts)
    for component, cells in reversed(columns.series_attrs):
        column = given.get(component)
        if column is None:
            tails = [cells[None] + tail for tail in tails]
        else:
            tails = list(map(add, [cells[column[i]] for i in starts], tails))
    return interleave(
        [
            per_row(heads, starts, size),
            map(columns.time.__getitem__, block.times),
            map(columns.values.__getitem__, block.values),
            *columns.observation_cells(block),
            per_row(tails, starts, size),
        ]
    )


def _write(
    header: Header,
    structure: DataStructure,
    datasets: DataSets,
    options: WriteOptions,
    leading: list[str],
    start: Callable[[DataSetInfo], str],
    missing: str,
) -> Iterator[bytes]:
    lay = layout(header, structure, options)
    columns = _Columns(structure, lay, options, missing)
    chunks = Chunks()
    chunks.add(columns.header(leading))
    for info, series_iter in datasets:
        first = start(info)
        for series in series_iter:
            if type(series) is SeriesBlock:
                chunks.add(_block_rows(columns, lay, first, info, series))
            else:
                chunks.add(_rows(columns, lay, first, info, series))  # type: ignore[arg-type]
            if chunks.full():
                yield chunks.take()
    yield from chunks.rest()


def write_csv10(
    header: Header, structure: DataStructure, datasets: DataSets, options: WriteOptions
) -> Iterator[bytes]:
    """SDMX-CSV 1.0 (``DATAFLOW`` column with ``AGENCY:ID(VERSION)``)."""
    flow = csv_field(str(flow_or_structure(header, structure)))
    return _write(header, structure, datasets, options, ["DATAFLOW"], lambda _info: flow, "")


def write_csv20(
    header: Header, structure: DataStructure, datasets: DataSets, options: WriteOptions
) -> Iterator[bytes]:
    """SDMX-CSV 2.0 (``STRUCTURE,STRUCTURE_ID,ACTION``; ``dataflow`` or ``datastructure``)."""
    kind = "dataflow" if header.flow is not None else "datastructure"
    target = f"{kind},{csv_field(str(flow_or_structure(header, structure)))},"
    return _write(
        header,
        structure,
        datasets,
        options,
        ["STRUCTURE", "STRUCTURE_ID", "ACTION"],
        lambda info: target + info.action.letter,
        "NaN",
    )
