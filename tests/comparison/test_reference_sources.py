"""Loading official data as reference sources: three formats, provenance kept, who may load,
and files refused whole with nothing stored."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import select

from tests.comparison.conftest import (
    KENYA_FIXTURE,
    World,
    actor,
    knbs_rows,
    load,
)
from tests.comparison.messages import sdmx_csv_1
from voicescount.app import create_app
from voicescount.storage.tables import AuditEntry, Blob, ReferenceSource
from voicescount.types import OrgKind, Role


def _stored(world: World, source_id: int) -> list[tuple]:
    with world.store.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                text(
                    "SELECT series, ref_area, source_area, time_period, year, obs_value, "
                    "unit_measure FROM reference_observation WHERE source_id = :id "
                    "ORDER BY row_number"
                ),
                {"id": source_id},
            )
        ]


def test_sdmx_csv_1_is_stored_with_its_provenance(world: World) -> None:
    source = world.sources["knbs"]
    body = sdmx_csv_1(knbs_rows(), source["dataset"])
    assert source["sha256"] == hashlib.sha256(body).hexdigest()
    assert source["bytes"] == len(body)
    assert source["format"] == "sdmx-csv-1"
    # The agency comes from the DATAFLOW when the admin does not name one.
    assert source["agency"] == "KNBS"
    assert source["structure"] == source["dataset"]
    assert source["dataset"].startswith("KNBS:DF_SDG_KE_")
    assert source["filename"] == "knbs.csv"
    assert source["loaded_by"] == f"key:{world.nso_admin.key_id}"
    assert source["observations"] == 6  # the NaN row is left out
    summary = source["summary"]
    assert summary["observations_read"] == 7 and summary["without_value"] == 1
    assert summary["series"] == ["SP_DYN_MRBF18", "VC_DSR_MTMP"]
    assert summary["translated_areas"] == {"KE": "404"}
    assert summary["unknown_areas"] == ["KE_MBA"]
    assert summary["periods"] == {"first": "2019", "last": "2023"}
    stored = _stored(world, source["id"])
    assert stored[0] == ("SP_DYN_MRBF18", "404", None, "2023", 2023, 22.9, "PT")
    assert ("VC_DSR_MTMP", "404", "KE", "2019", 2019, 2208.0, "NUMBER") in stored
    # The file is in the blob store, byte for byte, and served back.
    downloaded = world.client.get(f"/api/v1/reference-sources/{source['id']}/file")
    assert downloaded.status_code == 200 and downloaded.content == body
    assert downloaded.headers["x-content-sha256"] == source["sha256"]
    with world.store.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.subject == f"reference-source:{source['id']}")
        ).one()
    assert entry.action == "reference.load" and entry.details["sha256"] == source["sha256"]


def test_sdmx_ml_generic_written_by_sdmx1_is_read_by_sdmx1(world: World) -> None:
    source = world.sources["unsd"]
    assert source["format"] == "sdmx-ml-generic"
    assert source["agency"] == "UNSD"  # as the admin gave it
    assert source["sender"] == "UNSD"
    assert source["prepared"].startswith("2024-05-01T00:00:00")
    assert source["structure"] == "IAEG-SDGs:SDG(1.14)"
    assert _stored(world, source["id"]) == [
        ("SP_DYN_MRBF15", "404", None, "2023", 2023, 9.1, "PT"),
        ("SP_DYN_MRBF15", "404", None, "2019", 2019, 8.0, "PT"),
    ]


def test_kenyas_structure_specific_message_is_read_without_its_dsd(world: World) -> None:
    source = world.sources["kenya"]
    assert source["format"] == "sdmx-ml-structure-specific"
    assert source["sha256"] == hashlib.sha256(KENYA_FIXTURE.read_bytes()).hexdigest()
    assert (source["agency"], source["dataset"], source["structure"], source["sender"]) == (
        "KE1",
        "SDG",
        "KE1:SDG(1.0)",
        "BIS",
    )
    # Kenya's national codes: KE is Kenya (M49 404); KE_NBO is kept, and said to be unknown.
    assert source["summary"]["translated_areas"] == {"KE": "404"}
    assert source["summary"]["unknown_areas"] == ["KE_NBO"]
    stored = _stored(world, source["id"])
    assert len(stored) == 5
    assert ("EN_LND_SLUM", "404", "KE", "2019", 2019, 6.9, "PT") in stored
    assert ("SP_TRN_PUBL", "KE_NBO", None, "2019", 2019, 65.7, "PT") in stored
    with world.store.session() as session:
        attributes = session.execute(
            text(
                "SELECT series_key, attributes FROM reference_observation "
                "WHERE source_id = :id AND series = 'SP_TRN_PUBL'"
            ),
            {"id": source["id"]},
        ).one()
    assert attributes[0].split(".")[6] == "CITY"  # URBANISATION
    details = attributes[1] if isinstance(attributes[1], dict) else json.loads(attributes[1])
    assert details == {"NATURE": "_X", "TIME_DETAIL": "2019"}


def test_sources_are_listed_and_read_by_anyone(world: World) -> None:
    listed = world.client.get("/api/v1/reference-sources").json()
    ids = {s["id"] for s in listed["data"]}
    assert {s["id"] for s in world.sources.values()} <= ids
    one = world.client.get(f"/api/v1/reference-sources/{world.sources['unsd']['id']}")
    assert one.status_code == 200 and one.json()["name"] == world.sources["unsd"]["name"]
    assert world.client.get("/api/v1/reference-sources/999999").status_code == 404


def _csv(tag: str, value: str = "12.5") -> bytes:
    row = {
        "SERIES": "SP_DYN_MRBF18",
        "REF_AREA": "404",
        "TIME_PERIOD": "2020",
        "OBS_VALUE": value,
        "UNIT_MEASURE": "PT",
    }
    return sdmx_csv_1([row], f"KNBS:DF_{tag}(1.0)")


def test_only_admins_of_a_statistics_office_load_or_delete(world: World) -> None:
    body = _csv(uuid.uuid4().hex[:8])
    name = {"name": f"Access {uuid.uuid4().hex[:6]}"}
    anonymous = world.client.post("/api/v1/reference-sources", content=body, params=name)
    assert anonymous.status_code == 401
    coalition_admin = actor(world.store, OrgKind.DATA_PROVIDER, Role.ADMIN)
    for who in (coalition_admin, world.coalition, world.approver):
        refused = load(world.client, who, body, **name)
        assert refused.status_code == 403, (who.role, refused.text)
        assert refused.json()["type"] == "/problems/permission-denied"
    loaded = load(world.client, world.nso_admin, body, **name)
    assert loaded.status_code == 201, loaded.text
    source_id = loaded.json()["id"]
    assert (
        world.client.delete(
            f"/api/v1/reference-sources/{source_id}", headers=coalition_admin.headers
        ).status_code
        == 403
    )
    assert world.client.delete(f"/api/v1/reference-sources/{source_id}").status_code == 401
    deleted = world.client.delete(
        f"/api/v1/reference-sources/{source_id}", headers=world.nso_admin.headers
    )
    assert deleted.status_code == 200 and deleted.json()["id"] == source_id
    assert world.client.get(f"/api/v1/reference-sources/{source_id}").status_code == 404
    assert _stored(world, source_id) == []
    # Deleted, the same file may be loaded again.
    again = load(world.client, world.nso_admin, body, **name)
    assert again.status_code == 201, again.text


def test_the_same_name_or_file_twice_is_a_conflict(world: World) -> None:
    body = _csv(uuid.uuid4().hex[:8])
    name = f"Twice {uuid.uuid4().hex[:6]}"
    assert load(world.client, world.nso_admin, body, name=name).status_code == 201
    same_file = load(world.client, world.nso_admin, body, name=name + " again")
    assert same_file.status_code == 409
    assert "already loaded as reference source" in same_file.json()["detail"]
    same_name = load(world.client, world.nso_admin, _csv(uuid.uuid4().hex[:8]), name=name)
    assert same_name.status_code == 409
    assert f"already named {name!r}" in same_name.json()["detail"]


def _blob_files(world: World) -> set[Path]:
    root = world.store.settings().resolved_blob_dir
    return {p for p in root.rglob("*") if p.is_file() and "incoming" not in p.parts}


def _counts(world: World) -> tuple[int, int, int]:
    with world.store.session() as session:
        sources = session.exec(select(func.count()).select_from(ReferenceSource)).one()
        observations = session.execute(
            text("SELECT COUNT(*) FROM reference_observation")
        ).scalar_one()
        blobs = session.exec(select(func.count()).select_from(Blob)).one()
    return sources, observations, blobs


HEADER_CSV = "DATAFLOW,FREQ,REPORTING_TYPE,SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE\n"

BAD_FILES = {
    "problems in rows": (
        (
            HEADER_CSV
            + "KNBS:DF_BAD(1.0),A,G,SP_DYN_MRBF18,404,F,2023,about 20\n"
            + "KNBS:DF_BAD(1.0),A,G,,404,F,2023,20\n"
            + "KNBS:DF_BAD(1.0),A,G,SP_DYN_MRBF18,404,F,year 2023,20\n"
            + "KNBS:DF_BAD(1.0),A,G,SP_DYN_MRBF18,404,M,2023,20\n"
            + "KNBS:DF_BAD(1.0),A,G,SP_DYN_MRBF18,404,M,2023,21\n"
        ).encode(),
        [
            ("line 2", "OBS_VALUE", "not a number"),
            ("line 3", "SERIES", "SERIES is missing"),
            ("line 4", "TIME_PERIOD", "is not an SDMX time period"),
            ("line 6", "TIME_PERIOD", "the same series key and period as line 5"),
        ],
    ),
    "not SDG data": (
        b"DATAFLOW,COUNTRY,YEAR,OBS_VALUE\nX:Y(1.0),KE,2023,1\n",
        [("file", None, "missing components: SERIES, REF_AREA, TIME_PERIOD")],
    ),
    "broken XML": (
        KENYA_FIXTURE.read_bytes()[:2500],
        [("file", None, "sdmx1 could not read")],
    ),
    "a structure message": (
        b'<?xml version="1.0"?><mes:Structure xmlns:mes="http://www.sdmx.org/resources/'
        b'sdmxml/schemas/v2_1/message"><mes:Header/></mes:Structure>',
        [("line 1", None, "structure message")],
    ),
    "a document type declaration": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><mes:GenericData '
        b'xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"/>',
        [(None, None, "document type declaration")],
    ),
    "a spreadsheet's CSV": (
        b"Indicator,County,Year,Value\nSP_DYN_MRBF18,Mombasa,2023,20\n",
        [("file", None, "looks like a csv file")],
    ),
    "no observations": (HEADER_CSV.encode(), [("file", None, "no observations")]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_whole_and_nothing_is_stored(world: World, case: str) -> None:
    body, expected = BAD_FILES[case]
    before, files = _counts(world), _blob_files(world)
    response = load(world.client, world.nso_admin, body, name=f"Bad {uuid.uuid4().hex[:6]}")
    assert response.status_code == 422, response.text
    problem = response.json()
    found = [
        (e.get("location"), e.get("component"), e.get("message", "")) for e in problem["errors"]
    ]
    assert len(found) == len(expected), found
    for (location, component, message), (want_location, want_component, want_message) in zip(
        found, expected, strict=True
    ):
        if want_location is not None:
            assert location == want_location, found
        assert component == want_component, found
        assert want_message in message or want_message in problem["detail"], found
    assert _counts(world) == before
    assert _blob_files(world) == files


def test_a_source_needs_a_name_and_a_size_within_the_limit(world: World) -> None:
    before, files = _counts(world), _blob_files(world)
    body = _csv(uuid.uuid4().hex[:8])
    unnamed = load(world.client, world.nso_admin, body)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"] == [{"field": "name", "message": "must not be empty"}]
    settings = world.store.settings(max_structure_bytes=len(body) - 1)
    with TestClient(create_app(settings)) as small:
        too_big = load(small, world.nso_admin, body, name=f"Big {uuid.uuid4().hex[:6]}")
    assert too_big.status_code == 413, too_big.text
    assert _counts(world) == before and _blob_files(world) == files
