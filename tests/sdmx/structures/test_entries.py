"""Stubs, partial item schemes, escaping and speed, in all three structure formats."""

from __future__ import annotations

import io
import json
import time

import pytest
import sdmx
from lxml import etree
from pysdmx.io import read_sdmx

from tests.sdmx.structures import samples
from tests.sdmx.structures.samples import entries
from voicescount.sdmx.formats import (
    DATA_JSON_20,
    STRUCTURE_JSON_20,
    STRUCTURE_ML_21,
    STRUCTURE_ML_30,
)
from voicescount.sdmx.structure_writers import StructureEntry, write_structures, writer_for
from voicescount.sdmx.structure_writers.common import select_items
from voicescount.sdmx.structure_writers.json20 import write_json20
from voicescount.sdmx.structure_writers.ml21 import write_ml21
from voicescount.sdmx.structure_writers.ml30 import write_ml30
from voicescount.sdmx.structures import records_from_message

ML21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
ML30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0"
EVERY_RECORD = [*samples.all_samples(), samples.provider_constraint()]


def ml_artefacts(doc: etree._Element) -> list[etree._Element]:
    """The artefact elements of a structure message (children of the containers)."""
    return [artefact for container in doc.find("{*}Structures") for artefact in container]


def local_names(elem: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in elem]


# --------------------------------------------------------------------------------------------
# Stubs


@pytest.mark.parametrize("kind", ["stub", "completestub"])
def test_stubs_validate_in_sdmx_ml_21(header, valid_ml21, kind) -> None:
    url = "https://voices.example/rest/codelist/VOICES/CL_GROUP/1.0.0"
    stub_entries = [StructureEntry(r, stub=kind, structure_url=url) for r in EVERY_RECORD]
    doc = valid_ml21(write_ml21(stub_entries, header))
    artefacts = ml_artefacts(doc)
    assert len(artefacts) == len(EVERY_RECORD)
    for elem in artefacts:
        assert elem.get("isExternalReference") == "true"
        assert elem.get("structureURL") == url
        allowed = {"Name"} | ({"Description", "Annotations"} if kind == "completestub" else set())
        # Provision agreements and categorisations keep their references.
        allowed |= {"StructureUsage", "DataProvider", "Source", "Target"}
        assert set(local_names(elem)) <= allowed, elem.get("id")
    codelist = doc.find(f".//{{{ML21}/structure}}Codelist")
    expected = ["Name", "Name", "Name"]
    if kind == "completestub":
        expected = ["Annotations", *expected, "Description"]
    assert local_names(codelist) == expected


@pytest.mark.parametrize("kind", ["stub", "completestub"])
def test_stubs_validate_in_sdmx_ml_30_and_json(header, valid_ml30, valid_json20, kind) -> None:
    stub_entries = [StructureEntry(r, stub=kind) for r in EVERY_RECORD]
    doc = valid_ml30(write_ml30(stub_entries, header))
    for elem in ml_artefacts(doc):
        assert elem.get("isExternalReference") == "true"
        assert "Code" not in local_names(elem)
    data = valid_json20(write_json20(stub_entries, header))["data"]
    codelist = data["codelists"][0]
    assert codelist["isExternalReference"] is True
    assert "codes" not in codelist
    assert ("description" in codelist) == (kind == "completestub")
    assert ("annotations" in codelist) == (kind == "completestub")
    assert data["dataStructures"][0]["dataStructureComponents"] == {
        "dimensionList": {"id": "DimensionDescriptor"}
    }


def test_stubs_are_skipped_by_records_from_message(header) -> None:
    # sdmx1 reads isExternalReference="true" artefacts as references, not definitions.
    body = write_ml21([StructureEntry(samples.codelist(), stub="stub")], header)
    message = sdmx.read_sdmx(io.BytesIO(body), format="XML")
    assert records_from_message(message) == []
    assert message.codelist["CL_GROUP"].is_external_reference


@pytest.mark.interop
def test_pysdmx_reads_stubs(header) -> None:
    records = [r for r in EVERY_RECORD if r.id != samples.cube_constraint().id]
    stub_entries = [StructureEntry(r, stub="stub") for r in records]
    for write in (write_ml21, write_ml30, write_json20):
        message = read_sdmx(write(stub_entries, header).decode(), validate=True)
        assert len(message.structures) == len(records)
        codelist = next(s for s in message.structures if s.short_urn.startswith("Codelist="))
        assert codelist.is_external_reference
        assert codelist.codes == ()


@pytest.mark.interop
@pytest.mark.xfail(strict=True, reason="pysdmx: an Actual constraint needs one cube region")
def test_pysdmx_reads_the_stub_of_an_actual_constraint(header) -> None:
    # pysdmx turns Actual constraints into availability constraints, which must have exactly
    # one cube region (and no key set), so the stub of one cannot be read.
    read_sdmx(write_ml21([StructureEntry(samples.cube_constraint(), stub="stub")], header).decode())


# --------------------------------------------------------------------------------------------
# Partial item schemes


def test_select_items_keeps_ancestors_in_order() -> None:
    items = samples.codelist().items
    assert [i.id for i in select_items(items, {"WOMEN_RURAL"})] == ["ALL", "WOMEN", "WOMEN_RURAL"]
    categories = samples.category_scheme().items
    assert [i.id for i in select_items(categories, {"G5.T5_3.I5_3_1", "G1"})] == [
        "G5",
        "T5_3",
        "I5_3_1",
        "G1",
    ]
    assert select_items(items, set()) == []


def test_partial_schemes_in_every_format(header, valid_ml21, valid_ml30, valid_json20) -> None:
    partial = [
        StructureEntry(samples.codelist(), partial_items=frozenset({"WOMEN_RURAL"})),
        StructureEntry(samples.category_scheme(), partial_items=frozenset({"G5.T5_3"})),
        StructureEntry(samples.data_structure()),
    ]
    for body, valid in (
        (write_ml21(partial, header), valid_ml21),
        (write_ml30(partial, header), valid_ml30),
    ):
        doc = valid(body)
        codelist = doc.find(".//{*}Codelist")
        assert codelist.get("isPartial") == "true"
        assert [c.get("id") for c in codelist.findall("{*}Code")] == ["ALL", "WOMEN", "WOMEN_RURAL"]
        categories = [c.get("id") for c in doc.find(".//{*}CategoryScheme").iter("{*}Category")]
        assert categories == ["G5", "T5_3"]
        assert doc.find(".//{*}DataStructure").get("isPartial") is None
    data = valid_json20(write_json20(partial, header))["data"]
    assert data["codelists"][0]["isPartial"] is True
    assert [c["id"] for c in data["codelists"][0]["codes"]] == ["ALL", "WOMEN", "WOMEN_RURAL"]
    assert data["categorySchemes"][0]["categories"][0]["categories"][0]["id"] == "T5_3"


def test_sdmx1_reads_a_partial_codelist(header) -> None:
    entry = StructureEntry(samples.codelist(), partial_items=frozenset({"MEN"}))
    message = sdmx.read_sdmx(io.BytesIO(write_ml21([entry], header)), format="XML")
    codelist = message.codelist["CL_GROUP"]
    # sdmx1 keeps the attribute's text rather than a bool.
    assert str(codelist.is_partial).lower() == "true"
    assert sorted(codelist.items) == ["ALL", "MEN"]


def test_a_partial_scheme_stays_apart_from_what_refers_to_it(header) -> None:
    # The DSD refers to concepts the partial scheme does not hold: they must not leak into it.
    entries_ = [
        StructureEntry(samples.concept_scheme(), partial_items=frozenset({"GROUP"})),
        StructureEntry(samples.data_structure()),
    ]
    doc = etree.fromstring(write_ml21(entries_, header))
    concepts = doc.find(".//{*}ConceptScheme").findall("{*}Concept")
    assert [c.get("id") for c in concepts] == ["GROUP"]


# --------------------------------------------------------------------------------------------
# Escaping


def test_texts_survive_every_format(header) -> None:
    records = [samples.codelist()]
    for body in (write_ml21(entries(records), header), write_ml30(entries(records), header)):
        doc = etree.fromstring(body)
        names = {
            e.get("{http://www.w3.org/XML/1998/namespace}lang"): e.text
            for e in doc.find(".//{*}Codelist").findall("{*}Name")
        }
        assert names == {"en": samples.TRICKY_NAME, "ne": samples.NEPALI, "hi": samples.HINDI}
        assert samples.NEPALI.encode("utf-8") in body  # UTF-8, not character references
    message = json.loads(write_json20(entries(records), header))
    assert message["data"]["codelists"][0]["names"]["en"] == samples.TRICKY_NAME


# --------------------------------------------------------------------------------------------
# Dispatch and speed


def test_writer_for_each_structure_media_type(header) -> None:
    assert writer_for(STRUCTURE_ML_21) is write_ml21
    assert writer_for(STRUCTURE_ML_30) is write_ml30
    assert writer_for(STRUCTURE_JSON_20) is write_json20
    with pytest.raises(ValueError, match="not a structure representation"):
        writer_for(DATA_JSON_20)
    body = write_structures(entries([samples.codelist()]), header, STRUCTURE_JSON_20)
    assert json.loads(body)["data"]["codelists"][0]["id"] == "CL_GROUP"


def test_timing_of_the_global_dsd_with_all_codelists(header, global_records, capsys) -> None:
    global_entries = entries(global_records)
    timings = {}
    for label, write in (
        ("SDMX-ML 2.1", write_ml21),
        ("SDMX-ML 3.0", write_ml30),
        ("SDMX-JSON 2.0", write_json20),
    ):
        start = time.perf_counter()
        body = write(global_entries, header)
        timings[label] = (time.perf_counter() - start, len(body))
    with capsys.disabled():
        print()
        for label, (seconds, size) in timings.items():
            print(
                f"  {label}: {seconds * 1000:.0f} ms, {size / 1e6:.1f} MB ({len(global_records)} artefacts)"
            )
