"""The mapping example of the issue, over HTTP on both stores: a coalition's labels
("Child marriage rate", "महिला", "Mombasa County") become SP_DYN_MRBF18, SEX=F and KE-28 through a
mapping profile, sent inline or saved and named; without one, the label gets suggestions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.api.test_intake import kenya_metadata, upload
from tests.conftest import Actor, unique
from voicescount.types import OrgKind, Role

#: The profile of the issue: the coalition's own words for series, sex and area.
PROFILE: dict[str, Any] = {
    "columns": {
        "Indicator": "SERIES",
        "Place": "REF_AREA",
        "Sex": "SEX",
        "Year": "TIME_PERIOD",
        "Value": "OBS_VALUE",
    },
    "values": {
        "SERIES": {"Child marriage rate": "SP_DYN_MRBF18"},
        "SEX": {"महिला": "F"},
        "REF_AREA": {"Mombasa County": "KE-28"},
    },
}

TIDY_CSV = "Indicator,Place,Sex,Year,Value\nChild marriage rate,Mombasa County,महिला,2023,23.5\n"

#: The child-marriage series of indicator 5.3.1 (before age 15 and before age 18).
CHILD_MARRIAGE_SERIES = {"SP_DYN_MRBF15", "SP_DYN_MRBF18"}


@pytest.fixture
def coalition(make_actor: Callable[..., Actor]) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def draft(app_client: TestClient, coalition: Actor) -> str:
    response = app_client.post(
        "/api/v1/datasets",
        json={"title": "Child marriage in Mombasa", "metadata": kenya_metadata()},
        headers=coalition.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["dataset"]


def observations(client: TestClient, actor: Actor, uid: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/datasets/{uid}/versions/1/observations",
        params={"limit": 100},
        headers=actor.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return [dict(zip(body["columns"], row, strict=True)) for row in body["data"]]


def assert_mapped(client: TestClient, actor: Actor, uid: str, result: dict[str, Any]) -> None:
    assert result["status"] == "accepted" and result["rows_stored"] == 1
    # Every label went through the profile, none through automatic name matching.
    assert result["summary"]["automatic_mappings"] == {}
    (row,) = observations(client, actor, uid)
    assert (row["series"], row["sex"], row["ref_area"]) == ("SP_DYN_MRBF18", "F", "KE-28")
    assert (row["time_period"], row["obs_value"]) == ("2023", 23.5)


def test_mombasa_county_is_ke_28_in_the_area_codelist(
    app_client: TestClient, coalition: Actor
) -> None:
    for value, via in (("KE-28", "code"), ("Mombasa", "label")):
        response = app_client.get(
            "/api/v1/suggestions",
            params={"component": "REF_AREA", "value": value, "country": "KE"},
            headers=coalition.headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["code"], body["via"]) == ("KE-28", via), body


def test_the_issue_profile_inline_in_a_multipart_upload(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    response = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/uploads",
        files={
            "file": ("tidy.csv", TIDY_CSV.encode(), "text/csv"),
            "mapping": (None, yaml.safe_dump(PROFILE, allow_unicode=True)),
        },
        headers=coalition.headers,
    )
    assert response.status_code == 201, response.text
    assert_mapped(app_client, coalition, draft, response.json())


def test_the_issue_profile_saved_and_named(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    name = unique("child-marriage")
    saved = app_client.put(
        f"/api/v1/mapping-profiles/{name}",
        content=yaml.safe_dump(PROFILE, allow_unicode=True).encode(),
        headers={**coalition.headers, "Content-Type": "application/yaml"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["profile"]["values"] == PROFILE["values"]
    response = upload(app_client, coalition, draft, TIDY_CSV.encode(), profile=name)
    assert response.status_code == 201, response.text
    assert_mapped(app_client, coalition, draft, response.json())


def test_without_the_profile_the_label_is_refused_with_both_child_marriage_series(
    app_client: TestClient, coalition: Actor, draft: str
) -> None:
    suggested = app_client.get(
        "/api/v1/suggestions",
        params={"component": "SERIES", "value": "Child marriage rate"},
        headers=coalition.headers,
    )
    assert suggested.status_code == 200, suggested.text
    body = suggested.json()
    assert body["code"] is None
    top = [s["code"] for s in body["suggestions"][:3]]
    assert set(top) >= CHILD_MARRIAGE_SERIES, top
    # The same in an upload without the profile: rejected, the report ranks both series first.
    columns_only = {"columns": PROFILE["columns"]}
    response = app_client.post(
        f"/api/v1/datasets/{draft}/versions/1/uploads",
        files={
            "file": ("tidy.csv", TIDY_CSV.encode(), "text/csv"),
            "mapping": (None, yaml.safe_dump(columns_only)),
        },
        headers=coalition.headers,
    )
    assert response.status_code == 422, response.text
    (issue,) = response.json()["errors"]
    assert (issue["row"], issue["column"], issue["component"]) == (2, "Indicator", "SERIES")
    assert issue["issue"] == "unknown-code" and issue["value"] == "Child marriage rate"
    assert set(issue["suggestions"][:3]) >= CHILD_MARRIAGE_SERIES, issue["suggestions"]
    assert observations(app_client, coalition, draft) == []
