"""``/api/v1/sdg/…``: the SDG framework over HTTP, on SQLite and PostgreSQL, without a key."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Store
from voicescount.registry import sdg

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def loaded(store: Store) -> dict[str, int]:
    # Loading is idempotent, so sharing the store with other modules that load it is fine.
    with store.session() as session:
        return sdg.load_framework(session)


@pytest.fixture
def client(app_client: TestClient, loaded: dict[str, int]) -> TestClient:
    return app_client


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict = response.json()
    assert body["status"] == status
    return body


def test_goals(client: TestClient) -> None:
    body = client.get("/api/v1/sdg/goals").json()
    assert body["count"] == 17
    assert len(body["data"]) == 17
    assert body["data"][0] == {
        "code": "1",
        "short_title": "No poverty",
        "title": "End poverty in all its forms everywhere",
    }


def test_a_goal_with_its_targets(client: TestClient) -> None:
    response = client.get("/api/v1/sdg/goals/5")
    assert response.status_code == 200
    body = response.json()
    assert body["short_title"] == "Gender equality"
    assert [t["code"] for t in body["targets"]][:3] == ["5.1", "5.2", "5.3"]
    assert len(body["targets"]) == 9


def test_targets_all_and_by_goal(client: TestClient) -> None:
    assert client.get("/api/v1/sdg/targets").json()["count"] == 169
    body = client.get("/api/v1/sdg/targets", params={"goal": "1"}).json()
    assert [t["code"] for t in body["data"]] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.a", "1.b"]
    assert body["data"][0]["goal"] == "1"


def test_a_target_with_its_goal_and_indicators(client: TestClient) -> None:
    body = client.get("/api/v1/sdg/targets/5.3").json()
    assert body["goal"]["code"] == "5"
    assert [i["code"] for i in body["indicators"]] == ["5.3.1", "5.3.2"]
    assert "child, early and forced marriage" in body["title"]


def test_indicators_all_and_filtered(client: TestClient) -> None:
    assert client.get("/api/v1/sdg/indicators").json()["count"] == 253
    by_goal = client.get("/api/v1/sdg/indicators", params={"goal": "5"}).json()
    assert by_goal["count"] == 14
    by_target = client.get("/api/v1/sdg/indicators", params={"target": "5.3"}).json()
    assert [i["code"] for i in by_target["data"]] == ["5.3.1", "5.3.2"]
    assert by_target["data"][0] == {
        "code": "5.3.1",
        "target": "5.3",
        "goal": "5",
        "title": "Proportion of women aged 20–24 years who were married or in a union before age "
        "15 and before age 18",
        "unsd_code": "C050301",
    }


def test_an_indicator_with_target_goal_and_series(client: TestClient) -> None:
    response = client.get("/api/v1/sdg/indicators/5.3.1")
    assert response.status_code == 200
    body = response.json()
    assert body["title"].startswith("Proportion of women aged 20–24 years")
    assert body["target"]["code"] == "5.3"
    assert "marriage" in body["target"]["title"]
    assert body["goal"]["code"] == "5"
    assert body["goal"]["title"] == "Achieve gender equality and empower all women and girls"
    series = {s["code"]: s for s in body["series"]}
    assert set(series) == {"SP_DYN_MRBF15", "SP_DYN_MRBF18"}
    assert series["SP_DYN_MRBF18"]["name"].endswith("before age 18")
    assert series["SP_DYN_MRBF18"]["retired"] is False


def test_a_series_with_its_indicators(client: TestClient) -> None:
    body = client.get("/api/v1/sdg/series/SP_DYN_MRBF18").json()
    assert body["code"] == "SP_DYN_MRBF18"
    assert body["retired_note"] is None
    assert [i["code"] for i in body["indicators"]] == ["5.3.1"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sdg/goals/18",
        "/api/v1/sdg/targets/5.9",
        "/api/v1/sdg/indicators/5.3.9",
        "/api/v1/sdg/series/NO_SUCH_SERIES",
        "/api/v1/sdg/targets?goal=99",
        "/api/v1/sdg/indicators?target=5.z",
    ],
)
def test_unknown_codes_are_404_problems(client: TestClient, path: str) -> None:
    body = _problem(client.get(path), 404)
    assert body["code"] == "not-found"
    assert "SDG" in body["detail"]


def test_search_ranks_by_relevance(client: TestClient) -> None:
    response = client.get("/api/v1/sdg/search", params={"q": "child marriage"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["data"]) == 20
    codes = [h["code"] for h in body["data"]]
    assert {"5.3.1", "SP_DYN_MRBF15", "SP_DYN_MRBF18"} <= set(codes[:5])
    scores = [h["score"] for h in body["data"]]
    assert scores == sorted(scores, reverse=True)
    series = next(h for h in body["data"] if h["code"] == "SP_DYN_MRBF18")
    assert series["kind"] == "series"
    assert series["indicators"] == ["5.3.1"]


def test_search_by_kind_and_limit(client: TestClient) -> None:
    body = client.get(
        "/api/v1/sdg/search", params={"q": "child marriage", "kind": "indicator", "limit": 2}
    ).json()
    assert [h["code"] for h in body["data"]] == ["5.3.1", "5.3.2"]
    assert body["data"][0]["target"] == "5.3"
    body = client.get(
        "/api/v1/sdg/search", params={"q": "birth registration", "kind": "series", "limit": 5}
    ).json()
    assert body["count"] == 5
    assert {h["kind"] for h in body["data"]} == {"series"}
    assert "SG_REG_BRTH" in [h["code"] for h in body["data"]]


def test_search_without_matches_is_empty(client: TestClient) -> None:
    response = client.get("/api/v1/sdg/search", params={"q": "xyzzy plugh"})
    assert response.status_code == 200
    assert response.json() == {"data": [], "count": 0}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "water", "kind": "goal"},
        {"q": "water", "limit": 0},
        {"q": "water", "limit": 101},
    ],
)
def test_bad_searches_are_422_problems(client: TestClient, params: dict) -> None:
    body = _problem(client.get("/api/v1/sdg/search", params=params), 422)
    assert body["errors"], body


def test_the_registry_needs_no_key(client: TestClient) -> None:
    # No Authorization header anywhere above; an invalid one is not needed either.
    assert client.get("/api/v1/sdg/indicators/1.1.1").status_code == 200
