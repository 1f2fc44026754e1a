"""Importing national structure messages: accepted whole, or refused with a precise reason."""

from __future__ import annotations

import pytest
import sdmx
from sdmx.message import DataMessage
from sqlmodel import Session

from tests.conftest import AGENCY, Store
from tests.registry.national import national_message
from voicescount.errors import PayloadTooLarge, StructureError
from voicescount.provenance import audit
from voicescount.registry import repository
from voicescount.registry import service as registry
from voicescount.types import ArtefactType


def _count(session: Session) -> int:
    return len(repository.find_artefacts(session))


def _import(session: Session, data: bytes, **kwargs):
    return registry.import_structures(session, data, agency=AGENCY, actor="test", **kwargs)


def test_a_national_dsd_is_imported_and_usable(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency=AGENCY)
        report = _import(session, national_message())
        assert sorted(report.added) == [
            "codelist KE1:CL_AREA_KE(1.0)",
            "codelist KE1:CL_SERIES_KE(1.0)",
            "dataflow KE1:DF_SDG_KE(1.0)",
            "datastructure KE1:SDG(1.0)",
        ]
        dsd = registry.get_structure(session, ArtefactType.DATASTRUCTURE, "KE1", "SDG", "1.0")
        codelists = {c.component_id: c.codelist for c in dsd.components}
        assert codelists["REF_AREA"] == "KE1:CL_AREA_KE(1.0)"
        assert codelists["SEX"] == "IAEG-SDGs:CL_SEX(1.1)"
        areas = registry.get_structure(
            session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "latest"
        )
        assert {(i.item_id, i.parent_id) for i in areas.items} == {("KE", None), ("KE_001", "KE")}
        flow = registry.get_structure(session, ArtefactType.DATAFLOW, "KE1", "DF_SDG_KE", "1.0")
        assert flow.artefact.details == {"structure": "KE1:SDG(1.0)"}
        # Importing the same message again is harmless.
        again = _import(session, national_message())
        assert again.added == [] and len(again.unchanged) == 4
        assert audit.verify(session).ok


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"this is not xml", "not XML"),
        (b"<?xml version='1.0'?><mes:Structure xmlns:mes='x'><unclosed>", "cannot be read"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><mes:Structure/>',
            "entity declarations",
        ),
    ],
)
def test_unreadable_messages_are_refused(session: Session, data: bytes, fragment: str) -> None:
    before = _count(session)
    with pytest.raises(StructureError) as info:
        _import(session, data)
    assert fragment in info.value.detail
    session.rollback()
    assert _count(session) == before


def test_a_data_message_is_not_a_structure_message(session: Session) -> None:
    data = sdmx.to_xml(DataMessage())
    with pytest.raises(StructureError, match="Expected an SDMX-ML structure message"):
        _import(session, data)


def test_a_dsd_with_an_unknown_codelist_is_refused_and_nothing_is_stored(store: Store) -> None:
    with store.session() as session:
        before = _count(session)
        with pytest.raises(StructureError) as info:
            _import(session, national_message(version="9.1", missing_codelist=True))
        error = info.value
        assert error.artefact == "datastructure KE1:SDG(9.1)"
        assert "REF_AREA" in error.detail and "KE1:CL_MISSING(1.0)" in error.detail
        assert error.errors[0]["artefact"] == "datastructure KE1:SDG(9.1)"
        assert "Nothing was changed" in error.detail
    with store.session() as session:
        assert _count(session) == before
        assert repository.find_artefacts(session, agency="KE1", version="9.1") == []


def test_a_dataflow_without_its_dsd_is_refused(session: Session) -> None:
    with pytest.raises(StructureError) as info:
        _import(session, national_message(version="9.2", dataflow_structure="NO_SUCH_DSD"))
    assert info.value.artefact == "dataflow KE1:DF_SDG_KE(9.2)"
    assert "KE1:NO_SUCH_DSD(1.0)" in info.value.detail


def test_changing_a_final_artefact_needs_a_new_version(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency=AGENCY)
        _import(session, national_message(version="2.0"))
        with pytest.raises(StructureError) as info:
            _import(session, national_message(version="2.0", county_name="Mombasa County"))
        assert info.value.artefact == "codelist KE1:CL_AREA_KE(2.0)"
        assert "is final" in info.value.detail and "new version" in info.value.detail
        session.rollback()
        areas = registry.get_structure(session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "2.0")
        assert {i.names["en"] for i in areas.items} == {"Kenya", "Mombasa"}
        # A new version is accepted beside the old one.
        report = _import(session, national_message(version="2.1", county_name="Mombasa County"))
        assert "codelist KE1:CL_AREA_KE(2.1)" in report.added
        latest = registry.get_structure(
            session, ArtefactType.CODELIST, "KE1", "CL_AREA_KE", "latest"
        )
        assert latest.artefact.version == "2.1"


def test_our_own_agency_cannot_be_overwritten_by_an_import(session: Session) -> None:
    with pytest.raises(StructureError, match="reserved"):
        _import(session, national_message(version="9.3", agency=AGENCY))


def test_a_message_over_the_limit_is_refused(session: Session) -> None:
    with pytest.raises(PayloadTooLarge):
        _import(session, national_message(version="9.4"), max_bytes=100)
