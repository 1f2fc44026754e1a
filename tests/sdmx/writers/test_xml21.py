"""SDMX-ML 2.1 GenericData and StructureSpecificData: schema, sdmx1 and pysdmx round trips."""

from __future__ import annotations

import io
import logging

import pysdmx.io
import pytest
import sdmx
from lxml import etree

from tests.sdmx.writers.support import (
    CITATION,
    COMMENT,
    FLOW,
    assert_valid,
    datasets,
    expected_rows,
    header,
    message_schema,
    same,
    sdmx1_read,
    sdmx1_rows,
    sdmx1_structures,
    structure_specific_schema,
    write,
)
from voicescount.sdmx.data import Detail
from voicescount.sdmx.writers.xml21 import write_generic, write_structure_specific

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "gen": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
    "ss": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific",
}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return message_schema("2.1")


@pytest.fixture(autouse=True)
def _quiet_sdmx1() -> None:
    # sdmx1 logs every component it meets without a DSD; keep test output readable.
    logging.getLogger("sdmx").setLevel(logging.ERROR)


def _ss_schema(data: bytes, flat: bool) -> etree.XMLSchema:
    return structure_specific_schema(etree.fromstring(data).nsmap["ns1"], flat=flat)


# --- GenericData ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_generic_is_valid_against_the_2_1_schema(
    schema: etree.XMLSchema, flat: bool, providers: bool
) -> None:
    data = write(write_generic, flat=flat, data_providers=providers)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:GenericData ')
    assert_valid(schema, data)


def test_generic_header_and_data_sets() -> None:
    root = etree.fromstring(write(write_generic, data_providers=True))
    structure = root.find("mes:Header/mes:Structure", NS)
    assert structure.get("dimensionAtObservation") == "TIME_PERIOD"
    ref = structure.find("com:StructureUsage/Ref", NS)
    assert (ref.get("agencyID"), ref.get("id"), ref.get("version")) == (
        FLOW.agency,
        FLOW.id,
        FLOW.version,
    )
    assert root.findtext("mes:Header/mes:Prepared", namespaces=NS) == "2025-03-04T05:06:07Z"
    first, second = root.findall("mes:DataSet", NS)
    assert first.get("structureRef") == structure.get("structureID")
    assert (first.get("action"), first.get("setID")) == ("Information", "KE_GIRLS_NET_R3")
    assert (second.get("action"), second.get("validFromDate")) == (
        "Replace",
        "2024-07-01T00:00:00Z",
    )
    # XSD order: DataProvider, then the data-set attributes, then the series.
    children = [etree.QName(c).localname for c in first]
    assert children[:3] == ["DataProvider", "Attributes", "Series"]
    assert first.find("gen:DataProvider/Ref", NS).get("id") == "KE_GIRLS_NET"
    suppressed = first.findall("gen:Series/gen:Obs", NS)[1]
    assert suppressed.find("gen:ObsValue", NS) is None
    comment = suppressed.find("gen:Attributes/gen:Value[@id='COMMENT_OBS']", NS)
    assert comment.get("value") == COMMENT


def test_generic_without_a_flow_refers_to_the_dsd(schema: etree.XMLSchema) -> None:
    data = write(write_generic, header=header(flow=None))
    assert_valid(schema, data)
    ref = etree.fromstring(data).find("mes:Header/mes:Structure/com:Structure/Ref", NS)
    assert (ref.get("id"), ref.get("class")) == ("SDG_CGD", "DataStructure")


@pytest.mark.interop
@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
def test_sdmx1_reads_generic_without_a_dsd(flat: bool) -> None:
    message = sdmx1_read(write(write_generic, flat=flat))
    assert message.dataflow.id == FLOW.id
    assert [d.attrib.get("DATA_SOURCE_NOTE") is not None for d in message.data] == [True, False]
    for actual, expected in zip(sdmx1_rows(message), expected_rows(datasets()), strict=True):
        assert same(actual, expected)


@pytest.mark.interop
def test_sdmx1_cannot_read_data_providers() -> None:
    """Why ``data_providers`` is off by default: sdmx1 2.28 has no parser for the element.
    When this starts failing, sdmx1 has learnt it and the default can flip."""
    with pytest.raises(sdmx.exceptions.XMLParseError, match="DataProvider"):
        sdmx1_read(write(write_generic, data_providers=True))


@pytest.mark.interop
def test_sdmx1_misfiles_generic_data_set_attributes() -> None:
    """sdmx1 2.28 bug: the data set's ``<gen:Attributes>`` is still on its parse stack when a
    series without attributes of its own ends, and that series takes them (``_series`` pops
    "Attributes"). Our sample's series all have UNIT_MEASURE, so it reads right; here the
    first series has none. The message is valid (the XSD fixes the element order); canary."""
    data = datasets()
    info, series = data[0]
    series[0].attributes.clear()
    message = sdmx1_read(write(write_generic, data=[(info, series)]))
    (data_set,) = message.data
    assert "DATA_SOURCE_NOTE" not in data_set.attrib
    first_key = next(iter(data_set.series))
    assert "DATA_SOURCE_NOTE" in first_key.attrib


@pytest.mark.interop
@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_pysdmx_reads_generic(flat: bool, providers: bool) -> None:
    message = pysdmx.io.read_sdmx(
        io.BytesIO(write(write_generic, flat=flat, data_providers=providers))
    )
    assert len(message.data) == 2
    for dataset, expected in zip(message.data, expected_rows(datasets(), levels="so"), strict=True):
        assert dataset.short_urn == f"Dataflow={FLOW}"
        assert same(_pysdmx_rows(dataset), expected)
    assert message.data[0].attributes["DATA_SOURCE_NOTE"] == "Household survey & focus groups"


def _pysdmx_rows(dataset: object) -> list[dict[str, object]]:
    frame = dataset.data.rename(columns={"OBS_VALUE": "value"})  # type: ignore[attr-defined]
    return frame.to_dict("records")


# --- StructureSpecificData -----------------------------------------------------------------------


@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_structure_specific_is_valid_against_a_dsd_schema(flat: bool, providers: bool) -> None:
    data = write(write_structure_specific, flat=flat, data_providers=providers)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:StructureSpecificData ')
    assert_valid(_ss_schema(data, flat), data)


def test_the_dsd_schema_has_teeth() -> None:
    """The generated schema rejects what it should, so passing it means something."""
    data = write(write_structure_specific)
    schema = _ss_schema(data, False)
    for broken in (
        data.replace(b' SEX="F"', b"", 1),  # a dimension missing
        data.replace(b'OBS_VALUE="23.4"', b'OBS_VALUE="n/a"'),  # not a double
        data.replace(b"<Obs ", b'<Obs FOO="x" ', 1),  # not in the DSD
        data.replace(b' ss:dataScope="DataStructure"', b""),  # required set attribute
    ):
        assert not schema.validate(etree.fromstring(broken))


def test_structure_specific_layout() -> None:
    root = etree.fromstring(write(write_structure_specific, data_providers=True))
    namespace = root.nsmap["ns1"]
    assert namespace == (
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=VOICES:SDG_CGD(1.0)"
        ":ObsLevelDim:TIME_PERIOD"
    )
    assert root.find("mes:Header/mes:Structure", NS).get("namespace") == namespace
    first = root.find("mes:DataSet", NS)
    assert first.get(f"{{{NS['ss']}}}dataScope") == "DataStructure"
    assert first.get("DATA_SOURCE_NOTE") == "Household survey & focus groups"
    assert etree.QName(first[0]).localname == "DataProvider"
    series = first.find("Series")
    assert series.get("REF_AREA") == "KE-28" and series.get("UNIT_MEASURE") == "PT"
    observations = series.findall("Obs")
    assert observations[0].get("CITATION_REF") == CITATION
    assert "OBS_VALUE" not in observations[1].attrib
    assert observations[1].get("COMMENT_OBS") == COMMENT
    flat = etree.fromstring(write(write_structure_specific, flat=True)).find("mes:DataSet", NS)
    assert flat.find("Series") is None
    assert flat.find("Obs").get("REF_AREA") == "KE-28"


@pytest.mark.interop
@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
def test_sdmx1_reads_structure_specific_with_the_dsd(flat: bool) -> None:
    dsd, _ = sdmx1_structures()
    message = sdmx1_read(write(write_structure_specific, flat=flat), structure=dsd)
    for actual, expected in zip(sdmx1_rows(message), expected_rows(datasets()), strict=True):
        assert same(actual, expected)


@pytest.mark.interop
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_pysdmx_reads_structure_specific(providers: bool) -> None:
    message = pysdmx.io.read_sdmx(
        io.BytesIO(write(write_structure_specific, data_providers=providers))
    )
    for dataset, expected in zip(message.data, expected_rows(datasets(), levels="so"), strict=True):
        assert same(_pysdmx_rows(dataset), expected)


# --- detail and empty messages -------------------------------------------------------------------


@pytest.mark.interop
@pytest.mark.parametrize("detail", [Detail.DATAONLY, Detail.SERIESKEYSONLY, Detail.NODATA])
def test_detail_in_generic(schema: etree.XMLSchema, detail: Detail) -> None:
    data = write(write_generic, detail=detail)
    assert_valid(schema, data)
    root = etree.fromstring(data)
    has_obs = root.find(".//gen:Obs", NS) is not None
    has_attributes = root.find(".//gen:Attributes", NS) is not None
    assert has_obs is (detail is Detail.DATAONLY)
    assert has_attributes is (detail is Detail.NODATA)
    if detail is Detail.DATAONLY:
        message = sdmx1_read(data)
        for actual, expected in zip(
            sdmx1_rows(message), expected_rows(datasets(), detail=detail), strict=True
        ):
            assert same(actual, expected)


@pytest.mark.parametrize("detail", [Detail.DATAONLY, Detail.SERIESKEYSONLY, Detail.NODATA])
@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
def test_detail_in_structure_specific(detail: Detail, flat: bool) -> None:
    data = write(write_structure_specific, detail=detail, flat=flat)
    root = etree.fromstring(data)
    # Series keys cannot be flat: those answers say TIME_PERIOD and have Series elements.
    keys_only = detail is not Detail.DATAONLY
    at_obs = root.find("mes:Header/mes:Structure", NS).get("dimensionAtObservation")
    assert at_obs == ("AllDimensions" if flat and not keys_only else "TIME_PERIOD")
    assert_valid(_ss_schema(data, flat and not keys_only), data)
    series = root.findall(".//Series")
    if keys_only:
        assert len(series) == 3 and root.find(".//Obs") is None
        assert (series[0].get("UNIT_MEASURE") is not None) is (detail is Detail.NODATA)
        first_set = root.find("mes:DataSet", NS)
        assert (first_set.get("DATA_SOURCE_NOTE") is not None) is (detail is Detail.NODATA)
    else:
        assert root.find(".//Obs[@OBS_STATUS]") is None
        assert root.find(".//*[@UNIT_MEASURE]") is None


@pytest.mark.interop
@pytest.mark.parametrize("writer", [write_generic, write_structure_specific])
def test_an_empty_message_is_a_header(schema: etree.XMLSchema, writer: object) -> None:
    data = write(writer, data=[])
    root = etree.fromstring(data)
    assert root.find("mes:Header", NS) is not None and root.find("mes:DataSet", NS) is None
    if writer is write_generic:
        assert_valid(schema, data)
    else:
        assert_valid(_ss_schema(data, False), data)
    assert len(pysdmx.io.read_sdmx(io.BytesIO(data)).data or []) == 0
    dsd, _ = sdmx1_structures()
    assert len(sdmx.read_sdmx(io.BytesIO(data), structure=dsd).data) == 0
