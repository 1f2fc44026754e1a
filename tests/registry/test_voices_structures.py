"""voicescount's own structures: the community DSD and its codelists, as loaded in the store."""

from __future__ import annotations

from sqlmodel import Session

from tests.conftest import AGENCY, Store
from voicescount.registry import repository, voices
from voicescount.registry import service as registry
from voicescount.types import ArtefactType


def _view(session: Session, kind: ArtefactType, agency: str, artefact_id: str):
    return registry.get_structure(session, kind, agency, artefact_id, "latest")


def test_community_dsd_keeps_the_global_dimensions_in_order(session: Session) -> None:
    ours = _view(session, ArtefactType.DATASTRUCTURE, AGENCY, voices.DSD_ID)
    theirs = _view(session, ArtefactType.DATASTRUCTURE, "IAEG-SDGs", "SDG")
    assert ours.artefact.version == "1.0.0"

    def dims(view):
        return [
            (c.component_id, c.concept)
            for c in view.components
            if c.role in ("dimension", "time_dimension")
        ]

    assert dims(ours) == dims(theirs)
    assert len(dims(ours)) == 16
    codelists = {c.component_id: c.codelist for c in ours.components}
    assert codelists["SEX"] == "IAEG-SDGs:CL_SEX(1.1)"
    assert codelists["REF_AREA"] == f"{AGENCY}:CL_AREA(1.0.0)"
    assert codelists["CUST_BREAKDOWN"] == f"{AGENCY}:CL_CUST_BREAKDOWN(1.0.0)"
    assert codelists["SERIES"] == f"{AGENCY}:CL_SERIES(1.0.0)"


def test_community_dsd_adds_the_attributes_nsos_need(session: Session) -> None:
    view = _view(session, ArtefactType.DATASTRUCTURE, AGENCY, voices.DSD_ID)
    attributes = {c.component_id: c for c in view.components if c.role == "attribute"}
    for attribute_id in (
        "PRODUCER_TYPE",
        "REVIEW_DECISION",
        "UNWEIGHTED_N",
        "CONF_STATUS",
        "CITATION_REF",
    ):
        assert attributes[attribute_id].attachment == {"level": "observation"}
    assert attributes["CONF_STATUS"].codelist == f"{AGENCY}:CL_CONF_STATUS(1.0.0)"
    assert attributes["UNWEIGHTED_N"].text_type == "Integer"
    # The global attributes stay, with their status.
    assert attributes["OBS_STATUS"].assignment_status == "Mandatory"
    assert attributes["UNIT_MEASURE"].attachment["dimensions"][0] == "FREQ"


def test_conf_status_has_the_sdmx_codes_for_suppression(session: Session) -> None:
    view = _view(session, ArtefactType.CODELIST, AGENCY, "CL_CONF_STATUS")
    codes = {i.item_id: i.names["en"] for i in view.items}
    assert codes["A"] == "Primary confidentiality due to small counts"
    assert codes["D"].startswith("Secondary confidentiality")
    assert "F" in codes


def test_area_codelist_adds_subdivisions_under_their_country(session: Session) -> None:
    view = registry.get_structure(
        session,
        ArtefactType.CODELIST,
        AGENCY,
        "CL_AREA",
        "latest",
        item_ids=["KE-28", "404", "IN-MH", "NP-P2", "BD-13", "BD-C", "VN-SG", "50"],
    )
    items = {i.item_id: i for i in view.items}
    assert items["KE-28"].names["en"] == "Mombasa"
    assert items["KE-28"].parent_id == "404"
    assert items["IN-MH"].parent_id == "356"
    assert items["NP-P2"].parent_id == "524"
    # Bangladesh districts sit under their division, divisions under the country.
    assert items["BD-13"].parent_id == "BD-C"
    assert items["BD-C"].parent_id == "50"
    assert items["VN-SG"].parent_id == "704"
    global_view = _view(session, ArtefactType.CODELIST, "IAEG-SDGs", "CL_AREA")
    assert view.item_count == global_view.item_count + 225


def test_cust_breakdown_keeps_every_official_code_and_adds_target_groups(session: Session) -> None:
    ours = _view(session, ArtefactType.CODELIST, AGENCY, "CL_CUST_BREAKDOWN")
    theirs = _view(session, ArtefactType.CODELIST, "IAEG-SDGs", "CL_CUST_BREAKDOWN")
    assert ours.artefact.artefact_id == theirs.artefact.artefact_id
    our_ids = repository.item_ids(session, ours.artefact.id)  # type: ignore[arg-type]
    their_ids = repository.item_ids(session, theirs.artefact.id)  # type: ignore[arg-type]
    assert their_ids <= our_ids
    for group in (
        "LNOB_STREET",
        "LNOB_SC",
        "LNOB_ST",
        "LNOB_NOMADIC",
        "LNOB_TRANSGENDER",
        "LNOB_BONDED",
        "LNOB_URBAN_POOR",
        "LNOB_FISHERFOLK",
        "LNOB_RELIGIOUS_MIN",
        "LNOB_ETHNIC_MIN",
        "LNOB_SLUM",
        "LNOB_PWD",
        "LNOB_ELDERLY",
        "LNOB_YOUTH",
        "LNOB_WOMEN_GIRLS",
    ):
        assert group in our_ids


def test_loading_twice_changes_nothing(store: Store) -> None:
    with store.session() as session:
        before = len(repository.find_artefacts(session))
        report = registry.load_structures(session, agency=AGENCY)
        after = len(repository.find_artefacts(session))
    assert before == after
    assert report["global"]["added"] == [] and report["voicescount"]["added"] == []
    assert len(report["voicescount"]["unchanged"]) == 9


def test_a_configured_agency_owns_the_community_structures(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency="KNBS_CITIZEN")
        view = _view(session, ArtefactType.DATASTRUCTURE, "KNBS_CITIZEN", voices.DSD_ID)
    codelists = {c.component_id: c.codelist for c in view.components}
    assert codelists["REF_AREA"] == "KNBS_CITIZEN:CL_AREA(1.0.0)"
