"""SDMX-JSON 2.0.0 structure messages: valid against the official schema, read by pysdmx."""

from __future__ import annotations

import json

import pytest
from pysdmx.io import read_sdmx

from tests.sdmx.structures import samples
from tests.sdmx.structures.samples import entries
from voicescount.sdmx.formats import STRUCTURE_JSON_20
from voicescount.sdmx.structure_writers import write_structures
from voicescount.sdmx.structure_writers.common import JSON_STRUCTURE_SCHEMA
from voicescount.sdmx.structure_writers.json20 import write_json20


def test_meta_comes_first_with_the_schema_pysdmx_looks_for(header, valid_json20) -> None:
    body = write_structures(entries(samples.all_samples()), header, STRUCTURE_JSON_20)
    # pysdmx sniffs the first 350 characters for the structure schema URL.
    assert "2.0.0/sdmx-json-structure-schema.json" in body.decode()[:350]
    message = valid_json20(body)
    assert list(message) == ["meta", "data"]
    assert message["meta"] == {
        "schema": JSON_STRUCTURE_SCHEMA,
        "id": "VC_STRUCTURES_1",
        "test": False,
        "prepared": "2024-05-06T07:08:09+00:00",
        "contentLanguages": ["en", "ne", "hi"],
        "sender": {"id": "VOICES"},
    }
    assert set(message["data"]) == {
        "dataStructures",
        "codelists",
        "conceptSchemes",
        "dataflows",
        "categorySchemes",
        "categorisations",
        "dataProviderSchemes",
        "agencySchemes",
        "provisionAgreements",
        "dataConstraints",
    }


def test_the_shapes_of_each_artefact(header, valid_json20) -> None:
    records = [*samples.all_samples(), samples.provider_constraint()]
    data = valid_json20(write_json20(entries(records), header))["data"]
    codelist = data["codelists"][0]
    assert codelist["name"] == samples.TRICKY_NAME
    assert codelist["names"] == {
        "en": samples.TRICKY_NAME,
        "ne": samples.NEPALI,
        "hi": samples.HINDI,
    }
    assert codelist["links"] == [
        {
            "rel": "self",
            "urn": "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=VOICES:CL_GROUP(1.0.0)",
            "type": "codelist",
        }
    ]
    assert codelist["annotations"][0] == {
        "id": "SOURCE",
        "title": "Source & method",
        "type": "NOTE",
        "text": "a < b & c",
        "texts": {"en": "a < b & c", "hi": "टिप्पणी"},
        "links": [{"rel": "self", "href": "https://example.org/groups?a=1&b=<2>"}],
    }
    assert {c["id"]: c.get("parent") for c in codelist["codes"]}["WOMEN_RURAL"] == "WOMEN"
    dsd = data["dataStructures"][0]["dataStructureComponents"]
    assert dsd["dimensionList"]["timeDimension"]["localRepresentation"] == {
        "format": {"dataType": "ObservationalTimePeriod"}
    }
    relationships = {
        a["id"]: a["attributeRelationship"] for a in dsd["attributeList"]["attributes"]
    }
    assert relationships == {
        "NOTE": {"dimensions": ["FREQ", "GROUP"]},
        "OBS_STATUS": {"observation": {}},
        "SOURCE": {"dataflow": {}},
    }
    categories = data["categorySchemes"][0]["categories"]
    assert [c["id"] for c in categories] == ["G5", "G1"]
    assert categories[0]["categories"][0]["categories"][0]["id"] == "I5_3_1"
    assert data["categorisations"][0]["target"].endswith("Category=VOICES:CAT_SDG(1.0.0).G5.T5_3")
    assert data["provisionAgreements"][0]["dataProvider"].endswith(
        "DataProvider=VOICES:DATA_PROVIDERS(1.0).KE_COALITION"
    )
    constraints = {c["id"]: c for c in data["dataConstraints"]}
    assert constraints["CC_COMMUNITY_CUBE"]["role"] == "Actual"
    assert constraints["CC_COMMUNITY_CUBE"]["cubeRegions"][0]["keyValues"][1] == {
        "id": "GROUP",
        "values": [{"value": "WOMEN"}, {"value": "MEN"}],
    }
    assert constraints["CC_KE_COALITION"]["constraintAttachment"] == {
        "provisionAgreements": [
            "urn:sdmx:org.sdmx.infomodel.registry.ProvisionAgreement=VOICES:PA_KE_COMMUNITY(1.0.0)"
        ]
    }
    assert constraints["CC_COMMUNITY_KEYS"]["dataKeySets"][0]["keys"][0] == {
        "keyValues": [{"id": "FREQ", "value": "A"}, {"id": "GROUP", "value": "WOMEN"}]
    }


def test_the_requested_language_is_the_best_match(header, valid_json20) -> None:
    message = valid_json20(write_json20(entries([samples.codelist()]), header, language="ne"))
    assert message["meta"]["contentLanguages"] == ["ne", "en", "hi"]
    codelist = message["data"]["codelists"][0]
    assert codelist["name"] == samples.NEPALI
    # Items without a Nepali name fall back to English.
    assert {c["id"]: c["name"] for c in codelist["codes"]}["WOMEN"] == "महिला"
    assert {c["id"]: c["name"] for c in codelist["codes"]}["MEN"] == "Men"


def test_the_global_structures_validate(header, valid_json20, global_records) -> None:
    data = valid_json20(write_json20(entries(global_records), header))["data"]
    area = next(c for c in data["codelists"] if c["id"] == "CL_AREA")
    # SDMX-JSON ids may start with a digit: the M49 hierarchy is kept.
    assert sum(1 for code in area["codes"] if "parent" in code) == 338


@pytest.mark.interop
def test_pysdmx_reads_the_samples_and_the_global_structures(header, global_records) -> None:
    records = [*samples.all_samples(), samples.provider_constraint()]
    body = write_json20(entries(records), header).decode()
    message = read_sdmx(body, validate=True)
    assert len({s.short_urn for s in message.structures}) == len(records)
    codelist = next(s for s in message.structures if s.short_urn.startswith("Codelist="))
    assert codelist.name == samples.TRICKY_NAME
    assert codelist.annotations[0].url == "https://example.org/groups?a=1&b=<2>"
    dsd = next(s for s in message.structures if s.short_urn.startswith("DataStructure="))
    levels = {c.id: c.attachment_level for c in dsd.components.attributes}
    assert levels == {"NOTE": "FREQ,GROUP", "OBS_STATUS": "O", "SOURCE": "D"}
    scheme = next(s for s in message.structures if s.short_urn.startswith("CategoryScheme="))
    assert [c.id for c in scheme.items] == ["G5", "G1"]
    categorisation = next(s for s in message.structures if s.short_urn.startswith("Categorisation"))
    assert categorisation.target.endswith("CAT_SDG(1.0.0).G5.T5_3")

    message = read_sdmx(write_json20(entries(global_records), header).decode(), validate=True)
    dsd = next(s for s in message.structures if s.short_urn.startswith("DataStructure="))
    assert len(dsd.components.dimensions) == 16
    breakdown = next(
        s for s in message.structures if s.short_urn.endswith("CL_CUST_BREAKDOWN(1.14)")
    )
    assert len(breakdown.codes) == 5001


def test_the_message_is_compact_utf8(header) -> None:
    body = write_json20(entries([samples.codelist()]), header)
    assert samples.NEPALI.encode("utf-8") in body
    assert json.loads(body)["data"]["codelists"][0]["names"]["ne"] == samples.NEPALI
