"""sdmx1 model ↔ structure records: the conversion the registry stores and serves through."""

from __future__ import annotations

import io
from importlib import resources

import pytest
import sdmx
from sdmx.message import StructureMessage

from voicescount.sdmx.structures import (
    ArtefactRecord,
    build_artefacts,
    parse_ref,
    records_from_message,
    short_ref,
    urn,
)
from voicescount.types import ArtefactType


@pytest.fixture(scope="module")
def global_records() -> list[ArtefactRecord]:
    data = resources.files("voicescount.registry.data").joinpath("sdg-global-structures.xml")
    return records_from_message(sdmx.read_sdmx(io.BytesIO(data.read_bytes()), format="XML"))


def test_the_packaged_global_dsd_has_its_codelists_and_concepts(global_records) -> None:
    labels = {r.label for r in global_records}
    codelists = [r for r in global_records if r.type is ArtefactType.CODELIST]
    assert len(codelists) == 20
    assert "datastructure IAEG-SDGs:SDG(1.14)" in labels
    assert "conceptscheme IAEG-SDGs:SDG_CONCEPTS(1.0)" in labels
    sizes = {r.id: len(r.items) for r in codelists}
    assert sizes["CL_CUST_BREAKDOWN"] == 5001
    assert sizes["CL_SERIES"] == 783
    assert sizes["CL_AREA"] == 622
    dsd = next(r for r in global_records if r.type is ArtefactType.DATASTRUCTURE)
    dims = [c.id for c in dsd.components if c.role in ("dimension", "time_dimension")]
    assert dims[:4] == ["FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA"]
    assert dims[-1] == "TIME_PERIOD" and len(dims) == 16


def test_series_keep_their_indicator_annotations(global_records) -> None:
    series = next(r for r in global_records if r.id == "CL_SERIES")
    code = next(i for i in series.items if i.id == "SP_DYN_MRBF18")
    indicator = next(a for a in code.annotations if a.get("type") == "Indicator")
    assert indicator["text"] == {"en": "5.3.1"}


def test_records_survive_a_round_trip_through_sdmx1_xml(global_records) -> None:
    built = build_artefacts(global_records)
    message = StructureMessage()
    for obj in built.by_ref.values():
        if not obj.is_external_reference:
            message.add(obj)
    again = records_from_message(sdmx.read_sdmx(io.BytesIO(sdmx.to_xml(message)), format="XML"))
    before = {r.key: r.content_hash() for r in global_records}
    after = {r.key: r.content_hash() for r in again}
    assert before == after


def test_content_hash_changes_with_content_not_item_order(global_records) -> None:
    record = next(r for r in global_records if r.id == "CL_SEX")
    shuffled = ArtefactRecord(**{**record.__dict__, "items": list(reversed(record.items))})
    assert shuffled.content_hash() == record.content_hash()
    renamed = ArtefactRecord(**{**record.__dict__, "names": {"en": "Other"}})
    assert renamed.content_hash() != record.content_hash()


def test_references_and_urns() -> None:
    ref = parse_ref("IAEG-SDGs:SDG_CONCEPTS(1.0).SEX")
    assert (ref.agency, ref.id, ref.version, ref.item) == (
        "IAEG-SDGs",
        "SDG_CONCEPTS",
        "1.0",
        "SEX",
    )
    assert ref.maintainable == "IAEG-SDGs:SDG_CONCEPTS(1.0)"
    assert short_ref("A", "B", "1.0.0") == "A:B(1.0.0)"
    with pytest.raises(ValueError):
        parse_ref("not a reference")
    assert urn(ArtefactType.DATAFLOW, "VOICES", "DF", "1.0.0") == (
        "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=VOICES:DF(1.0.0)"
    )
