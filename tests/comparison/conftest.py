"""A world to compare in, one per backend: community data published through the review flow,
and official data loaded as reference sources in three formats.

Community (a Kenyan coalition, SP_DYN_MRBF18 in 2023, from ``GOOD_CSV``): Mombasa (KE-28)
women 23.5 and men 5, Nairobi (KE-30) women 18.25. A second coalition release: EN_LND_SLUM in
2019, Kenya (404) 31.2 and Nairobi 58.6.

Official:

* ``knbs`` (SDMX-CSV 1.0, agency from its DATAFLOW): Kenya women 22.9 (2023) and 21.0 (2022),
  everyone 15.0 (2021), Nairobi women 17.0 (2023, an ISO 3166-2 code in official data), a
  disaster series under the alpha-2 code KE, a row without a value and an area voicescount does
  not know.
* ``unsd`` (SDMX-ML 2.1 generic, written by sdmx1): SP_DYN_MRBF15, the other series of 5.3.1,
  Kenya women 9.1 (2023) and 8.0 (2019, too far from 2023).
* ``kenya`` (the derived fixture of Kenya's national SDMX-ML, structure-specific): slums 6.9 in
  Kenya (``KE``) in 2019.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.test_intake import HEADER, kenya_metadata, upload
from tests.comparison.messages import generic_message, sdmx_csv_1
from tests.conftest import Actor, Store, unique
from tests.publishing.conftest import submit_dataset
from tests.review_steps import review_and_publish
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.types import OrgKind, Role

KENYA_FIXTURE = Path(__file__).resolve().parents[1] / "interop" / "data" / "ke1-official-subset.xml"

SLUMS_CSV = HEADER + "EN_LND_SLUM,404,_T,2019,31.2,1450\nEN_LND_SLUM,KE-30,_T,2019,58.6,610\n"


def knbs_rows() -> list[dict[str, str]]:
    mrbf18 = {"SERIES": "SP_DYN_MRBF18", "UNIT_MEASURE": "PT", "OBS_STATUS": "A"}
    return [
        mrbf18 | {"REF_AREA": "404", "SEX": "F", "TIME_PERIOD": "2023", "OBS_VALUE": "22.9"},
        mrbf18 | {"REF_AREA": "404", "SEX": "F", "TIME_PERIOD": "2022", "OBS_VALUE": "21.0"},
        mrbf18 | {"REF_AREA": "404", "SEX": "_T", "TIME_PERIOD": "2021", "OBS_VALUE": "15.0"},
        mrbf18 | {"REF_AREA": "KE-30", "SEX": "F", "TIME_PERIOD": "2023", "OBS_VALUE": "17.0"},
        mrbf18 | {"REF_AREA": "404", "SEX": "F", "TIME_PERIOD": "2015", "OBS_VALUE": "NaN"},
        mrbf18 | {"REF_AREA": "KE_MBA", "SEX": "F", "TIME_PERIOD": "2023", "OBS_VALUE": "30"},
        {
            "SERIES": "VC_DSR_MTMP",
            "REF_AREA": "KE",
            "TIME_PERIOD": "2019",
            "OBS_VALUE": "2208",
            "UNIT_MEASURE": "NUMBER",
            "NATURE": "_X",
        },
    ]


def unsd_rows() -> list[dict[str, str]]:
    mrbf15 = {"SERIES": "SP_DYN_MRBF15", "REF_AREA": "404", "SEX": "F", "UNIT_MEASURE": "PT"}
    return [
        mrbf15 | {"TIME_PERIOD": "2023", "OBS_VALUE": "9.1"},
        mrbf15 | {"TIME_PERIOD": "2019", "OBS_VALUE": "8.0"},
    ]


def actor(store: Store, kind: OrgKind, role: Role, org: str | None = None) -> Actor:
    """An organisation (created unless ``org`` names one) and a key of ``role`` in it."""
    with store.session() as session:
        slug = org or unique("ORG")
        if org is None:
            access.create_organisation(
                session,
                slug=slug,
                name=f"{slug} name",
                kind=kind,
                country="KE" if kind is OrgKind.DATA_PROVIDER else None,
            )
        holder = f"{role.value}-{uuid.uuid4().hex[:6]}@example.org"
        issued = access.create_key(session, organisation_slug=slug, role=role, holder=holder)
        return Actor(slug, role, issued.token, issued.key.key_id, holder)


def load(
    client: TestClient,
    admin: Actor,
    body: bytes,
    *,
    content_type: str = "application/octet-stream",
    **params: str,
) -> Response:
    return client.post(
        "/api/v1/reference-sources",
        content=body,
        params=params,
        headers={**admin.headers, "Content-Type": content_type},
    )


@dataclass
class World:
    client: TestClient
    store: Store
    coalition: Actor
    nso_admin: Actor
    approver: Actor
    reviewer: Actor
    #: The release uid of the child-marriage data, and of the slum data.
    release: str
    dataset: str
    slums: str
    #: Reference sources by short name: the API's JSON of each.
    sources: dict[str, dict[str, Any]]

    def compare(self, **params: Any) -> dict[str, Any]:
        response = self.client.get("/api/v1/comparisons", params=params)
        assert response.status_code == 200, response.text
        return response.json()


def _publish_slums(client: TestClient, coalition: Actor, reviewer: Actor, approver: Actor) -> str:
    metadata = kenya_metadata()
    metadata["reference_period"] = {"start": "2019-01-01", "end": "2019-12-31"}
    created = client.post(
        "/api/v1/datasets",
        json={"title": "Slum dwellers in Kenya", "metadata": metadata},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid = created.json()["dataset"]
    uploaded = upload(client, coalition, uid, SLUMS_CSV.encode())
    assert uploaded.status_code == 201, uploaded.text
    submitted = client.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    assert submitted.status_code == 200, submitted.text
    return review_and_publish(client, reviewer, approver, uid)["id"]


@pytest.fixture(scope="package")
def world(store: Store) -> Iterator[World]:
    with TestClient(create_app(store.settings())) as client:
        coalition = actor(store, OrgKind.DATA_PROVIDER, Role.SUBMITTER)
        approver = actor(store, OrgKind.STEWARD, Role.APPROVER)
        reviewer = actor(store, OrgKind.STEWARD, Role.REVIEWER, org=approver.org)
        nso_admin = actor(store, OrgKind.STEWARD, Role.ADMIN, org=approver.org)
        dataset = submit_dataset(client, coalition)
        release = review_and_publish(client, reviewer, approver, dataset)["id"]
        slums = _publish_slums(client, coalition, reviewer, approver)
        tag = uuid.uuid4().hex[:8]
        loads = {
            "knbs": load(
                client,
                nso_admin,
                sdmx_csv_1(knbs_rows(), f"KNBS:DF_SDG_KE_{tag}(1.0)"),
                content_type="application/vnd.sdmx.data+csv;version=1.0.0",
                name=f"KNBS SDG indicators {tag}",
                filename="knbs.csv",
            ),
            "unsd": load(
                client,
                nso_admin,
                generic_message(unsd_rows(), message_id=f"UNSD_{tag}", sender="UNSD"),
                content_type="application/vnd.sdmx.genericdata+xml;version=2.1",
                name=f"UN Global SDG Database extract {tag}",
                agency="UNSD",
            ),
            "kenya": load(
                client,
                nso_admin,
                KENYA_FIXTURE.read_bytes(),
                content_type="application/xml",
                name=f"Kenya national SDG data {tag}",
                filename=KENYA_FIXTURE.name,
            ),
        }
        for name, response in loads.items():
            assert response.status_code == 201, (name, response.text)
        yield World(
            client=client,
            store=store,
            coalition=coalition,
            nso_admin=nso_admin,
            approver=approver,
            reviewer=reviewer,
            release=release,
            dataset=dataset,
            slums=slums,
            sources={name: response.json() for name, response in loads.items()},
        )
