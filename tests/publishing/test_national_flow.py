"""A national structure an administrator imports is used like the global one: a coalition's
dataset reports against the national dataflow, its uploads are validated with the national
codelists, and the release is disseminated in the national dataflow (in the national DSD's
shape), not in the community one."""

from __future__ import annotations

import io
import re
import uuid
from urllib.parse import urlsplit

import pytest
import sdmx
from fastapi.testclient import TestClient
from lxml import etree

from tests.api.test_intake import kenya_metadata, upload
from tests.conftest import AGENCY, Actor, Store
from tests.registry.national import national_message, national_sdg_message
from tests.review_steps import review_and_publish
from tests.sdmx.writers.support import assert_valid, message_schema, structure_specific_schema
from voicescount.publishing import feeds
from voicescount.types import OrgKind, Role

STRUCTURE_XML = {"Content-Type": "application/vnd.sdmx.structure+xml;version=2.1"}
GENERIC = {"Accept": "application/vnd.sdmx.genericdata+xml;version=2.1"}
SPECIFIC = {"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"}
HEADER = "SERIES,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE,UNWEIGHTED_N\n"
NATIONAL_CSV = (
    HEADER
    + "_L_KE_110101_01,KE_001,_T,2023,41.5,160\n"
    + "_L_KE_110101_01,KE_047,_T,2023,55.25,210\n"
    + "EN_LND_SLUM,KE_001,_T,2023,38,160\n"
)


class National:
    def __init__(self, client: TestClient, make_actor) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.agency = f"KNBS{uuid.uuid4().hex[:6].upper()}"
        self.flow = f"{self.agency}:DF_SDG_KE(1.0)"
        self.admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
        self.coalition: Actor = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")
        self.approver: Actor = make_actor(OrgKind.STEWARD, Role.APPROVER, country="KE")
        self.reviewer: Actor = make_actor(
            OrgKind.STEWARD, Role.REVIEWER, org=self.approver.org, country="KE"
        )
        imported = client.post(
            "/api/v1/structures",
            content=national_sdg_message(agency=self.agency),
            headers={**self.admin.headers, **STRUCTURE_XML},
        )
        assert imported.status_code == 201, imported.text

    def create(self, dataflow: str | None) -> tuple[int, dict]:
        response = self.client.post(
            "/api/v1/datasets",
            json={
                "title": "Slums in Kenya's cities",
                "metadata": _metadata(),
                "dataflow": dataflow,
            },
            headers=self.coalition.headers,
        )
        return response.status_code, response.json()


def _metadata() -> dict:
    metadata = kenya_metadata()
    # The geography in the national flow's area codes, which the observations use too.
    metadata["geography"]["areas"] = ["KE_001", "KE_047"]
    return metadata


@pytest.fixture
def national(app_client: TestClient, make_actor) -> National:  # type: ignore[no-untyped-def]
    return National(app_client, make_actor)


def test_a_dataset_reports_against_the_latest_national_flow(national: National) -> None:
    status, body = national.create(f"{national.agency}:DF_SDG_KE")
    assert status == 201, body
    assert body["dataflow"] == national.flow
    dataset = national.client.get(
        f"/api/v1/datasets/{body['dataset']}", headers=national.coalition.headers
    ).json()
    assert dataset["dataflow"] == national.flow


@pytest.mark.parametrize(
    ("dataflow", "artefact"),
    [
        ("NOBODY:DF_NOTHING(1.0)", "dataflow NOBODY:DF_NOTHING(1.0)"),
        ("not a reference", "dataflow not a reference"),
    ],
)
def test_an_unknown_dataflow_is_refused_and_creates_nothing(
    national: National, dataflow: str, artefact: str
) -> None:
    before = national.client.get("/api/v1/datasets", headers=national.coalition.headers).json()
    status, body = national.create(dataflow)
    assert status == 422, body
    assert body["artefact"] == artefact
    after = national.client.get("/api/v1/datasets", headers=national.coalition.headers).json()
    assert after["count"] == before["count"]


def test_a_flow_whose_dsd_lacks_the_sdg_dimensions_is_refused(
    national: National, app_client: TestClient
) -> None:
    # The other national message has six of the fifteen SDG dimensions.
    agency = f"KE{uuid.uuid4().hex[:6].upper()}"
    imported = app_client.post(
        "/api/v1/structures",
        content=national_message(agency=agency),
        headers={**national.admin.headers, **STRUCTURE_XML},
    )
    assert imported.status_code == 201, imported.text
    status, body = national.create(f"{agency}:DF_SDG_KE(1.0)")
    assert status == 422, body
    assert body["artefact"] == f"datastructure {agency}:SDG(1.0)"
    assert "SDG dimensions" in body["detail"]


def test_uploads_are_validated_with_the_national_codelists(national: National) -> None:
    status, body = national.create(national.flow)
    assert status == 201, body
    uid = body["dataset"]
    # A national series and national county codes: unknown to the community codelists.
    accepted = upload(national.client, national.coalition, uid, NATIONAL_CSV.encode())
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["rows_stored"] == 3
    # An ISO 3166-2 code the community DSD knows is not a code of the national area codelist.
    refused = upload(
        national.client,
        national.coalition,
        uid,
        (HEADER + "_L_KE_110101_01,KE-28,_T,2023,40,150\n").encode(),
    )
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [(e["row"], e["component"], e["issue"]) for e in errors] == [
        (2, "REF_AREA", "unknown-code")
    ]
    assert f"{national.agency}:CL_AREA(1.0)" in errors[0]["message"]


def test_a_community_dataset_still_uses_the_community_codelists(national: National) -> None:
    status, body = national.create(None)
    assert status == 201, body
    assert body["dataflow"] is None
    refused = upload(national.client, national.coalition, body["dataset"], NATIONAL_CSV.encode())
    assert refused.status_code == 422
    columns = {(e["component"], e["issue"]) for e in refused.json()["errors"]}
    assert ("SERIES", "unknown-code") in columns and ("REF_AREA", "unknown-code") in columns


def test_the_release_is_disseminated_in_the_national_flow_only(
    national: National, store: Store
) -> None:
    client = national.client
    status, body = national.create(national.flow)
    assert status == 201, body
    uid = body["dataset"]
    assert upload(client, national.coalition, uid, NATIONAL_CSV.encode()).status_code == 201
    submitted = client.post(
        f"/api/v1/datasets/{uid}/versions/1/submit", headers=national.coalition.headers
    )
    assert submitted.status_code == 200, submitted.text
    release = review_and_publish(client, national.reviewer, national.approver, uid)

    flow_path = f"/sdmx/v1/data/{national.agency},DF_SDG_KE,1.0"
    generic = client.get(f"{flow_path}/A.._L_KE_110101_01{'.' * 12}", headers=GENERIC)
    assert generic.status_code == 200, generic.text
    assert_valid(message_schema("2.1"), generic.content)
    (data_set,) = sdmx.read_sdmx(io.BytesIO(generic.content)).data
    values = {obs.series_key.values["REF_AREA"].value: float(obs.value) for obs in data_set.obs}
    assert values == {"KE_001": 41.5, "KE_047": 55.25}
    assert release["id"] in generic.text

    # Structure-specific, against the schema derived from the national DSD: the message carries
    # no community attribute (PRODUCER_TYPE, REVIEW_DECISION…) the national DSD does not define.
    specific = client.get(f"{flow_path}/all", headers=SPECIFIC)
    assert specific.status_code == 200, specific.text
    with store.session() as session:
        query = feeds.DataQuery(
            flow_agency=national.agency, flow_id="DF_SDG_KE", flow_version="1.0"
        )
        structure = feeds.data_structure(session, feeds.resolve_flow(session, query, AGENCY))
    assert "PRODUCER_TYPE" not in structure.series_attributes + structure.observation_attributes
    namespace = etree.fromstring(specific.content).nsmap["ns1"]
    assert_valid(
        structure_specific_schema(namespace, flat=False, version="2.1", structure=structure),
        specific.content,
    )
    assert b"PRODUCER_TYPE" not in specific.content
    assert b'OBS_VALUE="38"' in specific.content

    # The release links its data where it is: the national flow, the coalition as provider;
    # and so do the dataset page's download links.
    link = release["sdmx_data_url"]
    assert f"/sdmx/v1/data/{national.agency},DF_SDG_KE,1.0/all/{AGENCY}," in link
    linked = client.get(urlsplit(link).path, headers=GENERIC)
    assert linked.status_code == 200 and release["id"] in linked.text
    page = client.get(f"/datasets/{release['id']}")
    assert page.status_code == 200
    hrefs = re.findall(r'href="(/sdmx/v[12]/data/[^"]+)"', page.text)
    assert hrefs and all(f"/{national.agency}" in h or f"{national.agency}," in h for h in hrefs)
    for href in {h.replace("&amp;", "&") for h in hrefs}:
        assert client.get(href).status_code == 200, href

    # Availability: what the national flow holds, by its own codes.
    available = client.get(f"/sdmx/v1/availableconstraint/{national.agency},DF_SDG_KE,1.0")
    assert available.status_code == 200, available.text
    for code in ("KE_001", "KE_047", "_L_KE_110101_01", "EN_LND_SLUM"):
        assert f">{code}<" in available.text or f'"{code}"' in available.text, code
    community_codes = client.get(f"/sdmx/v1/availableconstraint/{AGENCY},DF_SDG_COMMUNITY,latest")
    assert "_L_KE_110101_01" not in community_codes.text

    # The community flow does not carry the national release.
    community = client.get(
        f"/sdmx/v1/data/{AGENCY},DF_SDG_COMMUNITY,latest/all/{national.coalition.org}",
        headers=GENERIC,
    )
    assert community.status_code == 404
