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

from collections.abc import Callable, Iterator
from operator import getitem

from voicescount.sdmx.data import (
    DataSetInfo,
    DataSets,
    DataStructure,
    Header,
    Series,
    WriteOptions,
)
from voicescount.sdmx.writers.base import (
    Chunks,
    FragmentCache,
    Layout,
    csv_field,
    flow_or_structure,
    layout,
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

    @staticmethod
    def attribute_cells(columns: list[tuple[str, FragmentCache]], values: dict[str, str]) -> str:
        return "".join([cells[values.get(a)] for a, cells in columns])


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
            chunks.add(_rows(columns, lay, first, info, series))
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
