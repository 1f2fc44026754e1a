"""The registry over HTTP: listing and reading structures, importing national ones."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import AGENCY
from tests.registry.national import national_message
from voicescount.types import OrgKind, Role

XML = {"Content-Type": "application/vnd.sdmx.structure+xml;version=2.1"}


def test_structures_are_listed_without_a_key(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/structures", params={"type": "datastructure"})
    assert response.status_code == 200
    refs = {(d["agency"], d["id"], d["version"]) for d in response.json()["data"]}
    assert ("IAEG-SDGs", "SDG", "1.14") in refs
    assert (AGENCY, "DSD_SDG_COMMUNITY", "1.0.0") in refs
    dsd = next(d for d in response.json()["data"] if d["id"] == "DSD_SDG_COMMUNITY")
    assert (
        dsd["urn"]
        == f"urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure={AGENCY}:DSD_SDG_COMMUNITY(1.0.0)"
    )


def test_a_codelist_is_served_with_paged_items(app_client: TestClient) -> None:
    response = app_client.get(
        "/api/v1/structures/codelist/IAEG-SDGs/CL_CUST_BREAKDOWN/latest",
        params={"limit": 10, "offset": 0},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["item_count"] == 5001
    assert len(body["items"]) == 10
    assert body["items"][0]["id"] == "_T"


def test_a_dsd_is_served_with_its_components(app_client: TestClient) -> None:
    body = app_client.get(
        f"/api/v1/structures/datastructure/{AGENCY}/DSD_SDG_COMMUNITY/1.0.0"
    ).json()
    roles = [c["role"] for c in body["components"]]
    assert roles.count("dimension") == 15 and roles.count("time_dimension") == 1
    assert roles[-1] == "measure"


def test_unknown_structures_are_404_problems(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/structures/codelist/KE1/CL_NOPE/latest")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not-found"
    response = app_client.get("/api/v1/structures/gadget/KE1/CL_NOPE/latest")
    assert response.status_code == 422


def test_an_admin_imports_a_national_structure(app_client: TestClient, make_actor) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    response = app_client.post(
        "/api/v1/structures",
        content=national_message(version="5.0"),
        headers={**admin.headers, **XML},
    )
    assert response.status_code == 201, response.text
    assert "datastructure KE1:SDG(5.0)" in response.json()["added"]
    flows = app_client.get(
        "/api/v1/structures", params={"type": "dataflow", "agency": "KE1"}
    ).json()
    assert any(f["version"] == "5.0" for f in flows["data"])


def test_a_refused_import_names_the_artefact_and_changes_nothing(
    app_client: TestClient, make_actor
) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    before = app_client.get("/api/v1/structures").json()["count"]
    response = app_client.post(
        "/api/v1/structures",
        content=national_message(version="5.1", missing_codelist=True),
        headers={**admin.headers, **XML},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid-structure"
    assert problem["artefact"] == "datastructure KE1:SDG(5.1)"
    assert any("KE1:CL_MISSING(1.0)" in e["message"] for e in problem["errors"])
    assert app_client.get("/api/v1/structures").json()["count"] == before


def test_only_deployment_admins_import(app_client: TestClient, make_actor) -> None:
    body = national_message(version="5.2")
    assert app_client.post("/api/v1/structures", content=body, headers=XML).status_code == 401
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    response = app_client.post(
        "/api/v1/structures", content=body, headers={**reviewer.headers, **XML}
    )
    assert response.status_code == 403
    coalition_admin = make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN)
    response = app_client.post(
        "/api/v1/structures", content=body, headers={**coalition_admin.headers, **XML}
    )
    assert response.status_code == 403


def test_an_oversized_import_is_413(store, make_actor) -> None:
    from voicescount.app import create_app

    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    with TestClient(create_app(store.settings(max_structure_bytes=500))) as client:
        response = client.post(
            "/api/v1/structures",
            content=national_message(version="5.3"),
            headers={**admin.headers, **XML},
        )
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
