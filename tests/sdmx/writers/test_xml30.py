"""SDMX-ML 3.0 structure-specific data: 3.0 schema, sdmx1 and pysdmx round trips."""

from __future__ import annotations

import io
import logging

import pysdmx.io
import pytest
import sdmx
import sdmx.reader.xml.v30
from lxml import etree

from tests.sdmx.writers.support import (
    FLOW,
    assert_valid,
    datasets,
    expected_rows,
    header,
    same,
    sdmx1_read,
    sdmx1_rows,
    sdmx1_structures,
    structure_specific_schema,
    write,
)
from voicescount.sdmx.data import Detail
from voicescount.sdmx.writers.xml30 import write_ml30

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common",
    "ss": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific",
}


@pytest.fixture(autouse=True)
def _quiet_sdmx1() -> None:
    logging.getLogger("sdmx").setLevel(logging.ERROR)


def _schema(data: bytes, flat: bool) -> etree.XMLSchema:
    return structure_specific_schema(etree.fromstring(data).nsmap["ns1"], flat=flat, version="3.0")


@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_ml30_is_valid_against_a_3_0_dsd_schema(flat: bool, providers: bool) -> None:
    data = write(write_ml30, flat=flat, data_providers=providers)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:StructureSpecificData ')
    assert_valid(_schema(data, flat), data)


@pytest.mark.parametrize("detail", list(Detail))
def test_ml30_detail_is_valid(detail: Detail) -> None:
    data = write(write_ml30, detail=detail)
    assert_valid(_schema(data, False), data)


def test_ml30_references_are_urns() -> None:
    root = etree.fromstring(write(write_ml30, data_providers=True))
    usage = root.findtext("mes:Header/mes:Structure/com:StructureUsage", namespaces=NS)
    assert usage == f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={FLOW}"
    first = root.find("mes:DataSet", NS)
    assert first.get(f"{{{NS['ss']}}}action") == "Information"
    assert first.get(f"{{{NS['ss']}}}dataScope") is None  # gone in 3.0
    assert first.findtext("DataProvider") == (
        "urn:sdmx:org.sdmx.infomodel.base.DataProvider=VOICES:DATA_PROVIDERS(1.0).KE_GIRLS_NET"
    )
    no_flow = etree.fromstring(write(write_ml30, header=header(flow=None)))
    assert no_flow.findtext("mes:Header/mes:Structure/com:Structure", namespaces=NS) == (
        "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=VOICES:SDG_CGD(1.0)"
    )


@pytest.mark.interop
@pytest.mark.parametrize("flat", [False, True], ids=["series", "flat"])
def test_sdmx1_reads_ml30(flat: bool) -> None:
    """sdmx1 reads SDMX-ML 3.0 structure-specific data, with the DSD or without.

    sdmx1 2.28 quirk: importing its 3.0 reader *after* it has read a 2.1 structure-specific
    message in the same process fails (``ValueError: urn:…`` from ``ns_prefix``: the 2.1
    reader registered the message's DSD namespace in the parser table the 3.0 reader copies).
    This module imports ``sdmx.reader.xml.v30`` up front; long-lived clients should too.
    """
    dsd, _ = sdmx1_structures()
    without = sdmx1_read(write(write_ml30, flat=flat))
    assert without.dataflow.id == FLOW.id and len(without.data) == 2
    # With the DSD, only without data-set attributes: see the next test.
    data = _without_dataset_attributes()
    message = sdmx1_read(write(write_ml30, flat=flat, data=data), structure=dsd)
    expected = expected_rows(_without_dataset_attributes())
    for actual, rows in zip(sdmx1_rows(message), expected, strict=True):
        assert same(actual, rows)


def _without_dataset_attributes() -> list:
    result = datasets()
    for info, _ in result:
        info.attributes.clear()
    return result


@pytest.mark.interop
def test_sdmx1_with_a_dsd_cannot_read_ml30_data_set_attributes() -> None:
    """sdmx1 2.28's SDMX 3.0 ``DataSet`` has no ``attrib``: given the DSD, it fails on a data-set
    attribute (an unqualified XML attribute of ``mes:DataSet``, allowed by the 3.0 schema and
    what pysdmx writes and reads). It also fails on the ``<Atts>`` alternative, in every case,
    so the XML-attribute form is the better one. Canary: fails once sdmx1 reads them."""
    dsd, _ = sdmx1_structures()
    with pytest.raises(sdmx.exceptions.XMLParseError, match="attrib"):
        sdmx1_read(write(write_ml30), structure=dsd)


@pytest.mark.interop
@pytest.mark.parametrize("providers", [False, True], ids=["", "providers"])
def test_pysdmx_reads_ml30(providers: bool) -> None:
    message = pysdmx.io.read_sdmx(io.BytesIO(write(write_ml30, data_providers=providers)))
    for dataset, expected in zip(message.data, expected_rows(datasets(), levels="so"), strict=True):
        rows = dataset.data.rename(columns={"OBS_VALUE": "value"}).to_dict("records")
        assert same(rows, expected)
    assert message.data[0].attributes["DATA_SOURCE_NOTE"] == "Household survey & focus groups"
