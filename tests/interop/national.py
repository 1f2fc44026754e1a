"""A statistics office's national structure with citizen data disseminated in it, set up on a
live server through the API as an office and a coalition would: the office's admin imports its
national SDG DSD, a coalition reports against the national dataflow with national codes, and
the office reviews and publishes. Used by the interop tests and the NSO guide's test."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.api.test_intake import kenya_metadata
from tests.interop.conftest import DemoServer
from tests.registry.national import national_sdg_message
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.types import OrgKind, Role

OFFICE = "KNBS"
FLOW_ID = "DF_SDG_KE"
COALITION = "SLUMS_KE"
STRUCTURE_XML = {"Content-Type": "application/vnd.sdmx.structure+xml;version=2.1"}
CSV = (
    "SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNWEIGHTED_N\n"
    "_L_KE_110101_01,KE_001,_T,2023,41.5,160\n"
    "_L_KE_110101_01,KE_047,_T,2023,55.25,210\n"
    "EN_LND_SLUM,KE_001,_T,2023,38,160\n"
)
PUBLISHED = {
    ("_L_KE_110101_01", "KE_001"): 41.5,
    ("_L_KE_110101_01", "KE_047"): 55.25,
    ("EN_LND_SLUM", "KE_001"): 38.0,
}


@dataclass
class Actor:
    """What review_steps needs of an actor."""

    headers: dict[str, str]


def actor(server: DemoServer, organisation: str, role: Role) -> Actor:
    # One holder per role: four eyes tells reviewer and approver apart by holder too.
    with server.store.session() as session:
        issued = access.create_key(
            session, organisation_slug=organisation, role=role, holder=f"{role.value}@example.org"
        )
    return Actor({"Authorization": f"Bearer {issued.token}"})


def set_up_office(server: DemoServer) -> Actor:
    """The office and the coalition as organisations; the office's admin."""
    with server.store.session() as session:
        access.create_organisation(
            session, slug=OFFICE, name="Kenya National Bureau of Statistics",
            kind=OrgKind.STEWARD, country="KE",
        )  # fmt: skip
        access.create_organisation(
            session, slug=COALITION, name="Kenyan settlements coalition (illustrative)",
            kind=OrgKind.DATA_PROVIDER, country="KE",
        )  # fmt: skip
    return actor(server, OFFICE, Role.ADMIN)


def import_structure(server: DemoServer, admin: Actor) -> None:
    response = httpx.post(
        f"{server.url}/api/v1/structures",
        content=national_sdg_message(agency=OFFICE, flow_id=FLOW_ID),
        headers={**admin.headers, **STRUCTURE_XML},
        timeout=60,
    )
    assert response.status_code == 201, response.text


def publish_national_release(server: DemoServer) -> str:
    """A coalition's dataset reported against the national flow, reviewed and published by the
    office; the dataset id."""
    coalition = actor(server, COALITION, Role.SUBMITTER)
    reviewer = actor(server, OFFICE, Role.REVIEWER)
    approver = actor(server, OFFICE, Role.APPROVER)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        metadata = kenya_metadata()
        metadata["geography"]["areas"] = ["KE_001", "KE_047"]
        created = client.post(
            "/api/v1/datasets",
            json={
                "title": "Slums in Kenya's cities (illustrative)",
                "metadata": metadata,
                "dataflow": f"{OFFICE}:{FLOW_ID}",
            },
            headers=coalition.headers,
        )
        assert created.status_code == 201, created.text
        uid = created.json()["dataset"]
        uploaded = client.post(
            f"/api/v1/datasets/{uid}/versions/1/uploads",
            content=CSV.encode(),
            headers={**coalition.headers, "Content-Type": "text/csv"},
        )
        assert uploaded.status_code == 201, uploaded.text
        submitted = client.post(
            f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers
        )
        assert submitted.status_code == 200, submitted.text
        review_and_publish(client, reviewer, approver, uid)  # type: ignore[arg-type]
    return uid
