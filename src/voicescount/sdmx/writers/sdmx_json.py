"""SDMX-JSON data 1.0 and 2.0.

SDMX-JSON keys observations by the positions of their codes in ``structure`` value lists
(``"0:3:1"``), and those lists can only be complete once every data set has been written.
So the message streams ``dataSets`` first and writes the structure after them, in the same
top-level object (JSON object members are unordered; sdmx1 and the schemas do not care):

- 1.0: root ``{"header", "dataSets", "structure"}``, the shape of the SDMX-JSON 1.0 samples and
  of what sdmx1 reads (the 1.0 field guide's ``meta``/``data`` wrapper is not what clients
  expect). Each part is valid against the 1.0 schema's ``meta``, ``dataSet`` and ``structure``
  definitions.
- 2.0: ``{"meta", "data": {"dataSets", "structures": [one]}}`` with ``meta.schema``.

Attribute values are indices into the attribute's ``values``; a value that could be a code
(``^[A-Za-z0-9_@$-]+$``) is written ``{"id", "name"}``, any other text (URLs, comments) as
``{"name"}`` (1.0) or ``{"value"}`` (2.0), as the schemas allow for uncoded attributes.
Names come from ``options.names(component, code)``, falling back to the code; component names
from ``DataStructure.names``, falling back to the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from operator import getitem
from typing import Any

from voicescount.sdmx.data import (
    DataSetInfo,
    DataSets,
    DataStructure,
    Header,
    Series,
    WriteOptions,
    each_series,
)
from voicescount.sdmx.writers.base import (
    Chunks,
    Layout,
    dsd_urn,
    flow_urn,
    json_string,
    layout,
    provider_urn,
    sdmx_datetime,
    value_cache,
)

SCHEMA_20 = (
    "https://raw.githubusercontent.com/sdmx-twg/sdmx-json/master/data-message/tools/"
    "schemas/2.0.0/sdmx-json-data-schema.json"
)
_CODE_LIKE = re.compile(r"^[A-Za-z0-9_@$\-]+$")


class _Positions(dict[Any, str]):
    """``positions[code]`` is ``prefix`` + the code's index in the order of first use. For
    attributes (``prefix=","``, an array element), ``None`` and ``""`` (no value) are ``null``."""

    __slots__ = ("codes", "prefix")

    def __init__(self, prefix: str = "") -> None:
        super().__init__({None: prefix + "null", "": prefix + "null"} if prefix else {})
        self.codes: list[str] = []
        self.prefix = prefix

    def __missing__(self, code: str) -> str:
        text = self[code] = f"{self.prefix}{len(self.codes)}"
        self.codes.append(code)
        return text


def _json_number(text: str) -> str:
    """JSON has no NaN or infinities: those values are written as ``null``."""
    return "null" if text in ("NaN", "INF", "-INF") else text


def _dumps(value: Any) -> str:
    """Compact JSON for the small structure parts (the bulk is written from templates)."""
    if isinstance(value, str):
        return json_string(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_string(k)}:{_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _JsonData:
    """Positions, templates and the structure part of one SDMX-JSON message."""

    def __init__(
        self,
        header: Header,
        structure: DataStructure,
        options: WriteOptions,
        version: str,
    ) -> None:
        self.header = header
        self.structure = structure
        self.options = options
        self.version = version
        self.lay: Layout = layout(header, structure, options)
        lay = self.lay
        self.dims = [_Positions() for _ in structure.dimensions]
        self.time = _Positions()
        self.dataset_attrs = (
            {a: _Positions(",") for a in structure.dataset_attributes}
            if lay.series_attributes
            else {}
        )
        self.series_attrs = (
            {a: _Positions(",") for a in structure.series_attributes}
            if lay.series_attributes
            else {}
        )
        self.obs_attrs = (
            {a: _Positions(",") for a in structure.observation_attributes}
            if lay.observation_attributes
            else {}
        )
        self.values = value_cache(_json_number, "null")
        self.datasets = 0

    # --- data sets ------------------------------------------------------------------------

    def dataset(self, info: DataSetInfo, series_iter: Iterable[Series]) -> Iterator[str]:
        """The text of one data set object, in pieces (one per series)."""
        head: dict[str, Any] = {}
        if self.version == "2.0":
            head["structure"] = 0
        head["action"] = info.action.value
        links = [self._flow_link()]
        if info.provider:
            links.append({"rel": "dataprovider", "urn": provider_urn(info.provider)})
        head["links"] = links
        if info.valid_from is not None:
            head["validFrom"] = sdmx_datetime(info.valid_from)
        if info.valid_to is not None:
            head["validTo"] = sdmx_datetime(info.valid_to)
        text = ("," if self.datasets else "") + _dumps(head)[:-1]
        self.datasets += 1
        if self.dataset_attrs:
            text += ',"attributes":[' + self._indices(self.dataset_attrs, info.attributes)[1:] + "]"
        if self.lay.flat:
            yield text + ',"observations":{'
            yield from self._flat(series_iter)
        else:
            yield text + ',"series":{'
            yield from self._series(series_iter)
        yield "}}"

    @staticmethod
    def _indices(positions: dict[str, _Positions], values: dict[str, str]) -> str:
        """``,i,j,null…``: the attributes' value positions, each with its leading comma."""
        return "".join(map(getitem, positions.values(), map(values.get, positions)))

    def _key(self, series: Series) -> str:
        return ":".join(map(getitem, self.dims, series.key))

    def _series(self, series_iter: Iterable[Series]) -> Iterator[str]:
        lay, time, values = self.lay, self.time, self.values
        ids, positions = list(self.obs_attrs), list(self.obs_attrs.values())
        separator = ""
        for series in series_iter:
            text = f'{separator}"{self._key(series)}":{{'
            separator = ","
            if self.series_attrs:
                text += '"attributes":['
                text += self._indices(self.series_attrs, series.attributes)[1:] + "],"
            if not lay.observations:
                yield text + '"observations":{}}'
                continue
            body = [
                f'"{time[o.time]}":[{values[o.value]}'
                f"{''.join(map(getitem, positions, map(o.attributes.get, ids)))}]"
                for o in series.observations
            ]
            yield text + '"observations":{' + ",".join(body) + "}}"

    def _flat(self, series_iter: Iterable[Series]) -> Iterator[str]:
        time, values = self.time, self.values
        ids, positions = list(self.obs_attrs), list(self.obs_attrs.values())
        separator = ""
        for series in series_iter:
            key = separator + '"' + self._key(series) + ":"
            # Series attributes repeat on each observation: flat data has no series level.
            series_attributes = (
                self._indices(self.series_attrs, series.attributes) if self.series_attrs else ""
            )
            body = [
                f'{key}{time[o.time]}":[{values[o.value]}{series_attributes}'
                f"{''.join(map(getitem, positions, map(o.attributes.get, ids)))}]"
                for o in series.observations
            ]
            if body:
                separator = ","
                yield ",".join(body)

    # --- structure ------------------------------------------------------------------------

    def _flow_link(self) -> dict[str, str]:
        if self.header.flow is not None:
            return {"rel": "dataflow", "urn": flow_urn(self.header.flow)}
        return {"rel": "datastructure", "urn": dsd_urn(self.structure.ref)}

    def _name(self, component: str) -> str:
        return self.structure.names.get(component) or component

    def _code_name(self, component: str, code: str) -> str:
        names = self.options.names
        return (names(component, code) if names else None) or code

    def _dimension(self, component: str, position: int, codes: list[str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": component, "name": self._name(component)}
        entry["keyPosition"] = position
        if component == self.structure.time_dimension:
            entry["roles"] = ["TIME_PERIOD"]
        entry["values"] = [{"id": c, "name": self._code_name(component, c)} for c in codes]
        return entry

    def _attribute(
        self, component: str, relationship: dict[str, Any], codes: list[str]
    ) -> dict[str, Any]:
        uncoded = "value" if self.version == "2.0" else "name"
        values = [
            {"id": c, "name": self._code_name(component, c)}
            if _CODE_LIKE.match(c)
            else {uncoded: c}
            for c in codes
        ]
        entry: dict[str, Any] = {"id": component, "name": self._name(component)}
        entry["relationship"] = relationship
        if values or self.version == "1.0":  # 2.0 wants at least one value, or none given
            entry["values"] = values
        return entry

    def _dimensions(self) -> dict[str, list[dict[str, Any]]]:
        s = self.structure
        key = [
            self._dimension(d, i, p.codes)
            for i, (d, p) in enumerate(zip(s.dimensions, self.dims, strict=True))
        ]
        time = [self._dimension(s.time_dimension, len(s.dimensions), self.time.codes)]
        if self.version == "2.0":
            # The 2.0 schema wants every listed dimension to have a value. A dimension without
            # values is one no key uses (no series, or no observations), so it is left out.
            key = key if all(d["values"] for d in key) else []
            time = time if time[0]["values"] else []
        if self.lay.flat:
            return {"dataSet": [], "series": [], "observation": key + time}
        return {"dataSet": [], "series": key, "observation": time}

    def _attributes(self) -> dict[str, list[dict[str, Any]]]:
        s = self.structure
        v2 = self.version == "2.0"
        dataset_rel = {"dataflow": {}} if v2 else {"none": {}}
        series_rel = {"dimensions": list(s.dimensions)}
        obs_rel = {"observation": {}} if v2 else {"primaryMeasure": s.measure}
        dataset = [self._attribute(a, dataset_rel, p.codes) for a, p in self.dataset_attrs.items()]
        series = [self._attribute(a, series_rel, p.codes) for a, p in self.series_attrs.items()]
        obs = [self._attribute(a, obs_rel, p.codes) for a, p in self.obs_attrs.items()]
        if self.lay.flat:
            # Flat data: series attributes sit on the observations, before their own.
            for entry in series:
                entry["relationship"] = obs_rel
            return {"dataSet": dataset, "series": [], "observation": series + obs}
        return {"dataSet": dataset, "series": series, "observation": obs}

    def structure_object(self) -> dict[str, Any]:
        links = [self._flow_link()]
        if self.header.flow is not None:
            links.append({"rel": "datastructure", "urn": dsd_urn(self.structure.ref)})
        result: dict[str, Any] = {"links": links}
        if self.version == "2.0" and self.datasets:
            result["dataSets"] = list(range(self.datasets))
        result["dimensions"] = self._dimensions()
        if self.version == "2.0":
            s = self.structure
            measure = {"id": s.measure, "name": self._name(s.measure)}
            result["measures"] = {"observation": [measure] if self.lay.observations else []}
        result["attributes"] = self._attributes()
        return result

    def meta(self) -> dict[str, Any]:
        h = self.header
        meta: dict[str, Any] = {}
        if self.version == "2.0":
            meta["schema"] = SCHEMA_20
        meta["id"] = h.id
        meta["test"] = h.test
        meta["prepared"] = sdmx_datetime(h.prepared)
        meta["contentLanguages"] = [self.options.language]
        meta["sender"] = {"id": h.sender}
        return meta


def _write(
    header: Header,
    structure: DataStructure,
    datasets: DataSets,
    options: WriteOptions,
    version: str,
) -> Iterator[bytes]:
    message = _JsonData(header, structure, options, version)
    chunks = Chunks()
    if version == "2.0":
        chunks.add('{"meta":' + _dumps(message.meta()) + ',"data":{"dataSets":[')
    else:
        chunks.add('{"header":' + _dumps(message.meta()) + ',"dataSets":[')
    for info, series_iter in datasets:
        for piece in message.dataset(info, each_series(series_iter)):
            chunks.add(piece)
            if chunks.full():
                yield chunks.take()
    if version == "2.0":
        chunks.add('],"structures":[' + _dumps(message.structure_object()) + "]}}")
    else:
        chunks.add('],"structure":' + _dumps(message.structure_object()) + "}")
    yield from chunks.rest()


def write_json10(
    header: Header, structure: DataStructure, datasets: DataSets, options: WriteOptions
) -> Iterator[bytes]:
    """SDMX-JSON 1.0 data (``application/vnd.sdmx.data+json;version=1.0.0``)."""
    return _write(header, structure, datasets, options, "1.0")


def write_json20(
    header: Header, structure: DataStructure, datasets: DataSets, options: WriteOptions
) -> Iterator[bytes]:
    """SDMX-JSON 2.0 data (``application/vnd.sdmx.data+json;version=2.0.0``)."""
    return _write(header, structure, datasets, options, "2.0")
