"""SDMX-ML 2.1 structure messages: XSD-valid, and read back by sdmx1 and pysdmx."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
import sdmx
from lxml import etree
from pysdmx.io import read_sdmx
from sdmx.message import StructureMessage

from tests.sdmx.structures import samples
from tests.sdmx.structures.samples import entries, hashes
from voicescount.sdmx.formats import STRUCTURE_ML_21
from voicescount.sdmx.structure_writers import StructureEntry, write_structures
from voicescount.sdmx.structure_writers.ml21 import write_ml21
from voicescount.sdmx.structures import (
    ArtefactRecord,
    ComponentRecord,
    build_artefacts,
    records_from_message,
)

STR = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"
COM = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}"


def read_back(body: bytes) -> list[ArtefactRecord]:
    return records_from_message(sdmx.read_sdmx(io.BytesIO(body), format="XML"))


def sdmx1_message(record: ArtefactRecord) -> StructureMessage:
    message = StructureMessage()
    message.add(build_artefacts([record]).by_ref[(record.type.value, record.ref)])
    return message


def test_the_message_starts_the_way_pysdmx_sniffs_it(header) -> None:
    body = write_structures(entries([samples.codelist()]), header, STRUCTURE_ML_21)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<mes:Structure ')
    head = etree.fromstring(body).find("{*}Header")
    assert [etree.QName(e).localname for e in head] == ["ID", "Test", "Prepared", "Sender"]
    assert head.findtext("{*}Prepared") == "2024-05-06T07:08:09+00:00"


def test_every_sample_type_validates_and_round_trips_through_sdmx1(header, valid_ml21) -> None:
    records = samples.all_samples()
    body = write_ml21(entries(records), header)
    valid_ml21(body)
    assert hashes(read_back(body)) == hashes(records)


def test_the_global_structures_validate_and_round_trip(header, valid_ml21, global_records) -> None:
    body = write_ml21(entries(global_records), header)
    valid_ml21(body)
    assert hashes(read_back(body)) == hashes(global_records)


def test_what_sdmx1_writes_wrong_is_repaired(header, valid_ml21) -> None:
    doc = valid_ml21(write_ml21(entries(samples.all_samples()), header))
    components = doc.find(f".//{STR}DataStructureComponents")
    assert [c.get("id") for c in components] == [
        "DimensionDescriptor",
        "AttributeDescriptor",
        "MeasureDescriptor",
    ]
    # Nested categories are nested elements, and a categorisation names them by path.
    goal = doc.find(f".//{STR}CategoryScheme/{STR}Category[@id='G5']")
    assert [c.get("id") for c in goal.findall(f"{STR}Category")] == ["T5_3", "T5_5"]
    assert goal.find(f"{STR}Category/{STR}Category").get("id") == "I5_3_1"
    assert doc.find(f".//{STR}Parent") is not None  # codes keep Parent references
    assert doc.find(f".//{STR}Categorisation/{STR}Target/Ref").get("id") == "G5.T5_3"
    # Organisation schemes are never final in 2.1.
    assert doc.find(f".//{STR}DataProviderScheme").get("isFinal") == "false"
    # Annotation URLs, dropped by sdmx1, are back, before the annotation text.
    annotation = doc.find(f".//{STR}Codelist/{COM}Annotations/{COM}Annotation[@id='SOURCE']")
    assert [etree.QName(e).localname for e in annotation] == [
        "AnnotationTitle",
        "AnnotationType",
        "AnnotationURL",
        "AnnotationText",
        "AnnotationText",
    ]
    assert annotation.findtext(f"{COM}AnnotationURL") == "https://example.org/groups?a=1&b=<2>"
    assert doc.find(f".//{STR}Code[@id='WOMEN']//{COM}AnnotationURL") is not None


def test_provision_agreements_and_constraints_are_written_here(header, valid_ml21) -> None:
    # sdmx1 has no ProvisionAgreement writer and cannot attach a constraint to one.
    with pytest.raises(NotImplementedError):
        sdmx.to_xml(sdmx1_message(samples.provision_agreement()))
    records = [samples.provision_agreement(), samples.provider_constraint()]
    doc = valid_ml21(write_ml21(entries(records), header))
    agreement = doc.find(f".//{STR}ProvisionAgreements/{STR}ProvisionAgreement")
    assert agreement.find(f"{STR}StructureUsage/Ref").get("id") == "DF_COMMUNITY"
    assert agreement.find(f"{STR}DataProvider/Ref").attrib == {
        "id": "KE_COALITION",
        "maintainableParentID": "DATA_PROVIDERS",
        "maintainableParentVersion": "1.0",
        "agencyID": "VOICES",
        "package": "base",
        "class": "DataProvider",
    }
    constraint = doc.find(f".//{STR}ContentConstraint")
    assert constraint.get("type") == "Allowed"
    assert constraint.find(f"{STR}ConstraintAttachment/{STR}ProvisionAgreement/Ref") is not None
    excluded = constraint.find(f"{STR}CubeRegion/{COM}KeyValue")
    assert excluded.get("include") == "false"


def test_a_constraint_attached_to_two_kinds_of_artefact_is_refused(header) -> None:
    record = samples.cube_constraint()
    record.details["attachment"].append({"type": "datastructure", "ref": samples.DSD})
    with pytest.raises(ValueError, match="one type"):
        write_ml21(entries([record]), header)


def test_voices_spelling_of_text_types_is_accepted(header, valid_ml21) -> None:
    # voices.py writes "String"/"Integer" (SDMX-ML spelling); sdmx1 records say "string".
    dsd = samples.data_structure()
    dsd.components = [
        replace(c, text_type="String") if c.text_type == "string" else c for c in dsd.components
    ]
    dsd.components.append(
        ComponentRecord(
            "UNWEIGHTED_N",
            "attribute",
            4,
            f"{samples.CS}.NOTE",
            text_type="Integer",
            assignment_status="Conditional",
            attachment={"level": "observation"},
        )
    )
    doc = valid_ml21(write_ml21(entries([dsd]), header))
    text_types = {e.get("textType") for e in doc.iter(f"{STR}TextFormat")}
    assert text_types == {"String", "Integer", "ObservationalTimePeriod", "Double"}


def test_unwritable_characters_and_missing_names_do_not_break_the_message(
    header, valid_ml21
) -> None:
    record = samples.codelist()
    record.names = {"en": "Bell\x07 and form feed\x0c"}
    record.items[0].names = {}
    doc = valid_ml21(write_ml21(entries([record]), header))
    assert doc.findtext(f".//{STR}Codelist/{COM}Name") == "Bell and form feed"
    assert doc.findtext(f".//{STR}Code[@id='ALL']/{COM}Name") == "ALL"


@pytest.mark.interop
def test_pysdmx_reads_the_samples_and_the_global_structures(header, global_records) -> None:
    records = [*samples.all_samples(), samples.provider_constraint()]
    message = read_sdmx(write_ml21(entries(records), header).decode(), validate=True)
    urns = {s.short_urn for s in message.structures}
    assert "Codelist=VOICES:CL_GROUP(1.0.0)" in urns
    assert "ProvisionAgreement=VOICES:PA_KE_COMMUNITY(1.0.0)" in urns
    assert "DataConstraint=VOICES:CC_KE_COALITION(1.0.0)" in urns
    assert len(urns) == len(records)
    codelist = next(s for s in message.structures if s.short_urn.startswith("Codelist="))
    assert codelist.name == samples.TRICKY_NAME
    dsd = next(s for s in message.structures if s.short_urn.startswith("DataStructure="))
    levels = {c.id: c.attachment_level for c in dsd.components.attributes}
    assert levels == {"NOTE": "FREQ,GROUP", "OBS_STATUS": "O", "SOURCE": "D"}

    message = read_sdmx(write_ml21(entries(global_records), header).decode(), validate=True)
    area = next(s for s in message.structures if s.short_urn.endswith(":CL_AREA(1.14)"))
    assert len(area.codes) == 622


def test_entries_keep_their_order_within_a_container(header) -> None:
    first, second = samples.codelist(), replace(samples.codelist(), id="CL_OTHER")
    doc = etree.fromstring(write_ml21([StructureEntry(second), StructureEntry(first)], header))
    assert [e.get("id") for e in doc.iter(f"{STR}Codelist")] == ["CL_OTHER", "CL_GROUP"]
