"""voicescount's own structures: the community DSD and its codelists, as loaded in the store."""

from __future__ import annotations

import re

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
    # Three-part final versions; the minor part counts generations of community series.
    assert re.fullmatch(r"1\.\d+\.0", ours.artefact.version)

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
    assert codelists["SERIES"] == f"{AGENCY}:CL_SERIES({ours.artefact.version})"


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
    # 9 codelists, concept scheme and DSD; the SDG category scheme; 18 flows; 17 categorisations.
    assert len(report["voicescount"]["unchanged"]) == 45


def test_a_configured_agency_owns_the_community_structures(fresh_store: Store) -> None:
    with fresh_store.session() as session:
        registry.load_structures(session, agency="KNBS_CITIZEN")
        view = _view(session, ArtefactType.DATASTRUCTURE, "KNBS_CITIZEN", voices.DSD_ID)
    codelists = {c.component_id: c.codelist for c in view.components}
    assert codelists["REF_AREA"] == "KNBS_CITIZEN:CL_AREA(1.0.0)"


def test_dataflows_for_all_goals_and_each_goal(session: Session) -> None:
    flows = {
        row.artefact_id: row
        for row in repository.find_artefacts(
            session, artefact_type=ArtefactType.DATAFLOW.value, agency=AGENCY, latest=True
        )
    }
    assert voices.FLOW_ID in flows
    assert {f"{voices.FLOW_ID}_G{g:02d}" for g in range(1, 18)} <= set(flows)
    dsd = _view(session, ArtefactType.DATASTRUCTURE, AGENCY, voices.DSD_ID).artefact
    assert flows[voices.FLOW_ID].details == {
        "structure": f"{AGENCY}:{voices.DSD_ID}({dsd.version})"
    }


def test_goals_and_targets_are_a_category_scheme_with_flows_under_goals(session: Session) -> None:
    scheme = _view(session, ArtefactType.CATEGORYSCHEME, AGENCY, voices.CATEGORY_SCHEME_ID)
    assert scheme.item_count == 17 + 169
    items = {item.item_id: item for item in scheme.items}
    assert items["TARGET_5_3"].parent_id == "GOAL_5"
    assert "Child" not in items["GOAL_5"].names["en"]  # goal 5 is gender equality
    categorisation = _view(
        session, ArtefactType.CATEGORISATION, AGENCY, f"CAT_{voices.FLOW_ID}_G05"
    ).artefact
    assert categorisation.details["category"].endswith(".GOAL_5")
    assert categorisation.details["artefact"]["ref"].startswith(f"{AGENCY}:{voices.FLOW_ID}_G05(")


def test_a_community_series_makes_a_new_generation(fresh_store: Store, make_actor) -> None:
    from voicescount.access import service as access
    from voicescount.intake import service as intake
    from voicescount.types import OrgKind, Role

    with fresh_store.session() as session:
        registry.load_registry(session, agency=AGENCY)
        access.create_organisation(
            session, slug="LNOB_T", name="T", kind=OrgKind.DATA_PROVIDER, country="NP"
        )
        issued = access.create_key(
            session, organisation_slug="LNOB_T", role=Role.SUBMITTER, holder="x"
        )
        principal = access.authenticate(session, issued.token)
        assert voices.current_generation(session, AGENCY) == 0
        for number in (1, 2):
            intake.define_series(
                session,
                principal,
                code=f"LNOB_T_SC0{number}",
                name=f"Scorecard item {number}",
                sdg_target="5.5",
                unit_measure="SCORE",
            )
        # Defining series does not touch the registry; the next store (at publication or load)
        # makes one generation for all of them.
        assert voices.current_generation(session, AGENCY) == 0
        registry.store_own_structures(session, AGENCY)
        assert voices.current_generation(session, AGENCY) == 1
        registry.store_own_structures(session, AGENCY)
        assert voices.current_generation(session, AGENCY) == 1
        latest = _view(session, ArtefactType.CODELIST, AGENCY, "CL_SERIES")
        assert latest.artefact.version == "1.1.0"
        assert latest.item_count == 785
        dsd = _view(session, ArtefactType.DATASTRUCTURE, AGENCY, voices.DSD_ID)
        codelists = {c.component_id: c.codelist for c in dsd.components}
        assert codelists["SERIES"] == f"{AGENCY}:CL_SERIES(1.1.0)"
        old = registry.get_structure(session, ArtefactType.CODELIST, AGENCY, "CL_SERIES", "1.0.0")
        assert old.item_count == 783  # the earlier generation is untouched
        flow = _view(session, ArtefactType.DATAFLOW, AGENCY, voices.FLOW_ID).artefact
        assert flow.version == "1.1.0"
