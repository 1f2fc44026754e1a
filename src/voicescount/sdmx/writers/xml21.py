"""SDMX-ML 2.1 data: GenericData (``mes:GenericData``) and StructureSpecificData.

Element order follows the 2.1 XSDs (``SDMXMessage.xsd``, ``SDMXDataGenericBase.xsd``,
``SDMXDataStructureSpecificBase.xsd``):

- Header: ``ID, Test, Prepared, Sender, Structure``; ``Structure`` holds ``com:StructureUsage``
  (a ``DataflowReferenceType``, which ``GenericDataStructureType`` allows) when the message
  answers for a dataflow, else ``com:Structure`` (the DSD). sdmx1 records the former as
  ``msg.dataflow``; pysdmx reads both.
- Generic data set: ``DataProvider, Attributes, Series* | Obs*``; the set attributes
  (``structureRef``, ``action``, ``setID``, ``validFromDate``, ``validToDate``) are unqualified.
- Structure-specific data set: the same attributes qualified with ``ss:``, ``ss:dataScope`` and
  ``xsi:type`` naming the DSD-specific ``DataSetType``; data-set attributes as unqualified XML
  attributes; an unqualified ``DataProvider`` child first. The DSD-specific namespace is the one
  the SDMX Converter writes (see KE1.xml):
  ``urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=A:ID(V):ObsLevelDim:TIME_PERIOD``.

The data provider of a data set is **not** written by default: sdmx1 (2.28) cannot parse a
``DataProvider`` child of a data set in any SDMX-ML flavour (``XMLParseError: NotImplementedError:
('{…generic}DataProvider', 'start')``), and SDMX-ML is what sdmx1 users get by default.
``data_providers=True`` writes it, schema-valid and read by pysdmx, for clients that want it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice, repeat
from operator import add, getitem

from voicescount.sdmx.data import (
    DataSetInfo,
    DataSets,
    DataStructure,
    Header,
    Series,
    SeriesBlock,
    WriteOptions,
)
from voicescount.sdmx.writers.base import (
    DATA_PROVIDER_SCHEME,
    XML_DECLARATION,
    XML_SPECIAL,
    Chunks,
    ComponentCaches,
    FragmentCache,
    KeyText,
    Layout,
    attribute_columns,
    dsd_urn,
    interleave,
    layout,
    sdmx_datetime,
    spread,
    structure_id,
    value_cache,
    xml_text,
)

NS_MESSAGE = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
NS_COMMON = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
NS_GENERIC = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
NS_SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def xml_attr(name: str, value: str) -> str:
    """`` name="value"`` with the value escaped (leading space included)."""
    return f' {name}="{xml_text(value)}"'


def ss_namespace(structure: DataStructure, lay: Layout) -> str:
    """The namespace of the DSD-specific schema (SDMX Converter and FMR spelling)."""
    return f"{dsd_urn(structure.ref)}:ObsLevelDim:{lay.dimension_at_observation}"


def header_xml(
    header: Header, structure: DataStructure, lay: Layout, *, namespace: str | None = None
) -> str:
    """``<mes:Header>`` of a 2.1 data message (``namespace`` for structure-specific data)."""
    if header.flow is not None:
        ref, tag, cls = header.flow, "StructureUsage", "Dataflow"
    else:
        ref, tag, cls = structure.ref, "Structure", "DataStructure"
    ns = xml_attr("namespace", namespace) if namespace else ""
    return (
        "<mes:Header>"
        f"<mes:ID>{xml_text(header.id)}</mes:ID>"
        f"<mes:Test>{'true' if header.test else 'false'}</mes:Test>"
        f"<mes:Prepared>{sdmx_datetime(header.prepared)}</mes:Prepared>"
        f"<mes:Sender{xml_attr('id', header.sender)}/>"
        f'<mes:Structure structureID="{structure_id(structure.ref)}"{ns}'
        f' dimensionAtObservation="{lay.dimension_at_observation}">'
        f"<com:{tag}><Ref{xml_attr('agencyID', ref.agency)}{xml_attr('id', ref.id)}"
        f'{xml_attr("version", ref.version)} class="{cls}" package="datastructure"/>'
        f"</com:{tag}></mes:Structure></mes:Header>\n"
    )


def set_attributes(info: DataSetInfo, prefix: str = "") -> str:
    """The optional SetAttributeGroup XML attributes of a data set (``prefix`` ``ss:`` or "")."""
    text = f' {prefix}action="{info.action.value}"'
    if info.set_id:
        text += xml_attr(f"{prefix}setID", info.set_id)
    if info.valid_from is not None:
        text += f' {prefix}validFromDate="{sdmx_datetime(info.valid_from)}"'
    if info.valid_to is not None:
        text += f' {prefix}validToDate="{sdmx_datetime(info.valid_to)}"'
    return text


def provider_ref(provider: tuple[str, str]) -> str:
    scheme, version = DATA_PROVIDER_SCHEME
    return (
        f'<Ref{xml_attr("agencyID", provider[0])} maintainableParentID="{scheme}"'
        f' maintainableParentVersion="{version}"{xml_attr("id", provider[1])} class="DataProvider"/>'
    )


# --- GenericData -------------------------------------------------------------------------------


def _gen_value(component: str, code: str) -> str:
    return f'<gen:Value id="{component}" value="{xml_text(code)}"/>'


class _GenericParts:
    """Cached fragments for one generic message."""

    def __init__(self, structure: DataStructure, lay: Layout) -> None:
        keys = ComponentCaches(_gen_value, structure.dimensions)
        self.dims = [keys[d] for d in structure.dimensions]
        dimensions = structure.dimensions
        self.key_text = KeyText(
            self.dims, lambda i: f'<gen:Value id="{dimensions[i]}" value="%s"/>'
        )
        self.dataset_attributes = ComponentCaches(_gen_value, structure.dataset_attributes)
        self.series_attributes = ComponentCaches(_gen_value, structure.series_attributes)
        # Without observation attributes (dataonly), a cache that renders every one as nothing.
        self.obs_attributes = ComponentCaches(
            _gen_value, structure.observation_attributes if lay.observation_attributes else ()
        )
        time = structure.time_dimension
        self.obs_dimension = FragmentCache(
            lambda t: f'<gen:Obs><gen:ObsDimension value="{xml_text(t)}"/>'
        )
        self.obs_time_key = FragmentCache(lambda t: _gen_value(time, t) + "</gen:ObsKey>")
        self.values = value_cache(lambda v: f'<gen:ObsValue value="{v}"/>', "")
        self.extra = FragmentCache(self._extra, {None: ""})

    def _extra(self, pairs: tuple[tuple[str, str], ...]) -> str:
        return "".join([self.obs_attributes[component][text] for component, text in pairs])

    def key(self, series: Series) -> str:
        return "".join(map(getitem, self.dims, series.key))


def write_generic(
    header: Header,
    structure: DataStructure,
    datasets: DataSets,
    options: WriteOptions,
    *,
    data_providers: bool = False,
) -> Iterator[bytes]:
    """SDMX-ML 2.1 GenericData, time series or flat (``data_providers``: see the module)."""
    lay = layout(header, structure, options)
    parts = _GenericParts(structure, lay)
    chunks = Chunks()
    chunks.add(
        f"{XML_DECLARATION}<mes:GenericData"
        f' xmlns:mes="{NS_MESSAGE}" xmlns:gen="{NS_GENERIC}" xmlns:com="{NS_COMMON}"'
        f' xmlns:xsi="{NS_XSI}">\n'
    )
    chunks.add(header_xml(header, structure, lay))
    series_text = _generic_flat if lay.flat else _generic_series
    ref = structure_id(structure.ref)
    for info, series_iter in datasets:
        opening = f'<mes:DataSet structureRef="{ref}"{set_attributes(info)}>'
        if data_providers and info.provider:
            opening += f"<gen:DataProvider>{provider_ref(info.provider)}</gen:DataProvider>"
        if lay.series_attributes and (attrs := parts.dataset_attributes.row(info.attributes)):
            opening += f"<gen:Attributes>{attrs}</gen:Attributes>"
        chunks.add(opening + "\n")
        for series in series_iter:
            if type(series) is SeriesBlock:
                chunks.add(_generic_block(parts, lay, series))
            else:
                chunks.add(series_text(parts, lay, series))  # type: ignore[arg-type]
            if chunks.full():
                yield chunks.take()
        chunks.add("</mes:DataSet>\n")
    chunks.add("</mes:GenericData>\n")
    yield from chunks.rest()


def _generic_series(parts: _GenericParts, lay: Layout, series: Series) -> str:
    text = f"<gen:Series><gen:SeriesKey>{parts.key(series)}</gen:SeriesKey>"
    if lay.series_attributes and (attrs := parts.series_attributes.row(series.attributes)):
        text += f"<gen:Attributes>{attrs}</gen:Attributes>"
    if not lay.observations:
        return text + "</gen:Series>\n"
    obs_dimension, values = parts.obs_dimension, parts.values
    if not lay.observation_attributes:
        body = [
            f"\n{obs_dimension[o.time]}{values[o.value]}</gen:Obs>" for o in series.observations
        ]
        return text + "".join(body) + "\n</gen:Series>\n"
    caches = parts.obs_attributes.__getitem__
    body = [
        f"\n{obs_dimension[o.time]}{values[o.value]}<gen:Attributes>{a}</gen:Attributes></gen:Obs>"
        if (a := "".join(map(getitem, map(caches, d := o.attributes), d.values())))
        else f"\n{obs_dimension[o.time]}{values[o.value]}</gen:Obs>"
        for o in series.observations
    ]
    return text + "".join(body) + "\n</gen:Series>\n"


def _generic_block(parts: _GenericParts, lay: Layout, block: SeriesBlock) -> str:
    """A block's series, column by column (time series with observations; other layouts
    series by series): the text :func:`_generic_series` writes."""
    if lay.flat or not lay.observations:
        series_text = _generic_flat if lay.flat else _generic_series
        return "".join([series_text(parts, lay, s) for s in block.series()])
    starts = block.starts()
    size = len(block)
    keys = [
        f"<gen:Series><gen:SeriesKey>{key}</gen:SeriesKey>"
        for key in parts.key_text.many([block.keys[i] for i in starts], XML_SPECIAL)
    ]
    if lay.series_attributes and block.series_attributes:
        attributes = [""] * len(starts)
        for component, column in block.series_attributes:
            cache = parts.series_attributes[component]
            attributes = list(map(add, attributes, [cache[column[i]] for i in starts]))
        keys = [
            f"{key}<gen:Attributes>{text}</gen:Attributes>" if text else key
            for key, text in zip(keys, attributes, strict=True)
        ]
    ends: Iterable[str] = repeat("</gen:Obs>")
    if lay.observation_attributes:
        columns = attribute_columns(parts.obs_attributes, block.attributes)
        if block.extra is not None:
            columns.append(map(parts.extra.__getitem__, block.extra))
        if columns:
            ends = [
                f"<gen:Attributes>{text}</gen:Attributes></gen:Obs>" if text else "</gen:Obs>"
                for text in islice(map("".join, zip(*columns, strict=False)), size)
            ]
    lasts = [first - 1 for first in starts[1:]] + [size - 1]
    return interleave(
        [
            spread([key + "\n" for key in keys], starts, size, "\n"),
            map(parts.obs_dimension.__getitem__, block.times),
            map(parts.values.__getitem__, block.values),
            ends,
            spread(["\n</gen:Series>\n"] * len(lasts), lasts, size),
        ]
    )


def _generic_flat(parts: _GenericParts, lay: Layout, series: Series) -> str:
    key = "<gen:Obs><gen:ObsKey>" + parts.key(series)
    series_attributes = (
        parts.series_attributes.row(series.attributes) if lay.series_attributes else ""
    )
    time_key, values, caches = parts.obs_time_key, parts.values, parts.obs_attributes.__getitem__
    body = [
        f"{key}{time_key[o.time]}{values[o.value]}<gen:Attributes>{a}</gen:Attributes></gen:Obs>\n"
        if (
            a := series_attributes
            + "".join(map(getitem, map(caches, d := o.attributes), d.values()))
        )
        else f"{key}{time_key[o.time]}{values[o.value]}</gen:Obs>\n"
        for o in series.observations
    ]
    return "".join(body)


# --- StructureSpecificData (shared with SDMX-ML 3.0) -------------------------------------------


def _ss_attr(component: str, code: str) -> str:
    return f' {component}="{xml_text(code)}"'


class StructureSpecificBody:
    """Writes the ``Series``/``Obs`` elements of structure-specific data (2.1 and 3.0 alike)."""

    def __init__(self, structure: DataStructure, lay: Layout) -> None:
        self.lay = lay
        keys = ComponentCaches(_ss_attr, structure.dimensions)
        self.dims = [keys[d] for d in structure.dimensions]
        dimensions = structure.dimensions
        self.key_text = KeyText(self.dims, lambda i: f' {dimensions[i]}="%s"')
        self.dataset_attributes = ComponentCaches(_ss_attr, structure.dataset_attributes)
        self.series_attributes = ComponentCaches(_ss_attr, structure.series_attributes)
        # Without observation attributes (dataonly), a cache that renders every one as nothing.
        self.obs_attributes = ComponentCaches(
            _ss_attr, structure.observation_attributes if lay.observation_attributes else ()
        )
        time, measure = structure.time_dimension, structure.measure
        self.time = FragmentCache(lambda t: f' {time}="{xml_text(t)}"')
        self.values = value_cache(lambda v: f' {measure}="{v}"', "")
        #: A block's extra observation attributes, per distinct set of them.
        self.extra = FragmentCache(self._extra, {None: ""})

    def dataset_attribute_text(self, info: DataSetInfo) -> str:
        if not self.lay.series_attributes:
            return ""
        return self.dataset_attributes.row(info.attributes)

    def series_text(self, series: Series) -> str:
        lay = self.lay
        key = "".join(map(getitem, self.dims, series.key))
        if lay.series_attributes:
            key += self.series_attributes.row(series.attributes)
        if not lay.observations:
            return f"<Series{key}/>\n"
        time, values, caches = self.time, self.values, self.obs_attributes.__getitem__
        # Flat: the whole key (and the series attributes) on every observation.
        start = f"<Obs{key}" if lay.flat else "<Obs"
        body = [
            f"{start}{time[o.time]}{values[o.value]}"
            f"{''.join(map(getitem, map(caches, d := o.attributes), d.values()))}/>\n"
            for o in series.observations
        ]
        if lay.flat:
            return "".join(body)
        return f"<Series{key}>\n" + "".join(body) + "</Series>\n"

    def block_text(self, block: SeriesBlock) -> str:
        """A block's series, column by column (time series with observations; other layouts
        series by series)."""
        lay = self.lay
        if lay.flat or not lay.observations:
            return "".join(map(self.series_text, block.series()))
        starts = block.starts()
        size = len(block)
        keys = block.keys
        heads = self.key_text.many([keys[i] for i in starts], XML_SPECIAL)
        if lay.series_attributes:
            for component, column in block.series_attributes:
                cache = self.series_attributes[component]
                heads = list(map(add, heads, [cache[column[i]] for i in starts]))
        columns: list[Iterable[str]] = [
            spread([f"<Series{head}>\n<Obs" for head in heads], starts, size, "<Obs"),
            map(self.time.__getitem__, block.times),
            map(self.values.__getitem__, block.values),
        ]
        if lay.observation_attributes:
            columns += attribute_columns(self.obs_attributes, block.attributes)
            if block.extra is not None:
                columns.append(map(self.extra.__getitem__, block.extra))
        ends = [first - 1 for first in starts[1:]] + [size - 1]
        columns.append(spread(["/>\n</Series>\n"] * len(ends), ends, size, "/>\n"))
        return interleave(columns)

    def _extra(self, pairs: tuple[tuple[str, str], ...]) -> str:
        return "".join([self.obs_attributes[component][text] for component, text in pairs])

    def body(self, series_iter: Iterable[Series | SeriesBlock], chunks: Chunks) -> Iterator[bytes]:
        series_text, block_text = self.series_text, self.block_text
        for series in series_iter:
            chunks.add(block_text(series) if type(series) is SeriesBlock else series_text(series))  # type: ignore[arg-type]
            if chunks.full():
                yield chunks.take()


def write_structure_specific(
    header: Header,
    structure: DataStructure,
    datasets: DataSets,
    options: WriteOptions,
    *,
    data_providers: bool = False,
) -> Iterator[bytes]:
    """SDMX-ML 2.1 StructureSpecificData, time series or flat (``data_providers``: see the
    module)."""
    lay = layout(header, structure, options)
    namespace = ss_namespace(structure, lay)
    body = StructureSpecificBody(structure, lay)
    chunks = Chunks()
    chunks.add(
        f"{XML_DECLARATION}<mes:StructureSpecificData"
        f' xmlns:mes="{NS_MESSAGE}" xmlns:ss="{NS_SS}" xmlns:com="{NS_COMMON}"'
        f' xmlns:xsi="{NS_XSI}" xmlns:ns1="{xml_text(namespace)}">\n'
    )
    chunks.add(header_xml(header, structure, lay, namespace=namespace))
    opening = _ss21_opening(structure_id(structure.ref), body, data_providers)
    for info, series_iter in datasets:
        chunks.add(opening(info))
        yield from body.body(series_iter, chunks)
        chunks.add("</mes:DataSet>\n")
    chunks.add("</mes:StructureSpecificData>\n")
    yield from chunks.rest()


def _ss21_opening(
    ref: str, body: StructureSpecificBody, data_providers: bool
) -> Callable[[DataSetInfo], str]:
    def opening(info: DataSetInfo) -> str:
        text = (
            f'<mes:DataSet ss:structureRef="{ref}" xsi:type="ns1:DataSetType"'
            f' ss:dataScope="DataStructure"{set_attributes(info, "ss:")}'
            f"{body.dataset_attribute_text(info)}>"
        )
        if data_providers and info.provider:
            text += f"<DataProvider>{provider_ref(info.provider)}</DataProvider>"
        return text + "\n"

    return opening
