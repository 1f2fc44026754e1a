"""The review steps a statistics office takes before publishing, through the API.

Tests that need published data go through the real workflow: disclosure control, a rubric
assessment by a reviewer, a decision by an approver (four eyes), then publication.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Actor


def review_url(uid: str, number: int, step: str = "") -> str:
    return f"/api/v1/datasets/{uid}/versions/{number}/review" + (f"/{step}" if step else "")


def protect(client: TestClient, reviewer: Actor, uid: str, number: int = 1) -> dict[str, Any]:
    response = client.post(review_url(uid, number, "disclosure"), headers=reviewer.headers)
    assert response.status_code == 200, response.text
    return response.json()


def ratings(
    client: TestClient, reviewer: Actor, uid: str, number: int = 1, **overrides: int
) -> dict[str, dict[str, Any]]:
    """Every criterion rated: the suggestion where the service makes one, else the top level;
    ``overrides`` set a criterion's rating (with evidence)."""
    response = client.get(review_url(uid, number, "rubric"), headers=reviewer.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    top = max(level["value"] for level in body["rubric"]["scale"])
    chosen: dict[str, dict[str, Any]] = {}
    for criterion in body["rubric"]["criteria"]:
        suggestion = body["suggestions"].get(criterion["id"])
        rating = suggestion["rating"] if suggestion else top
        if criterion["id"] in overrides:
            rating = overrides[criterion["id"]]
        evidence = suggestion["evidence"] if suggestion else "Checked by the test reviewer."
        chosen[criterion["id"]] = {"rating": rating, "evidence": evidence}
    return chosen


def assess(
    client: TestClient, reviewer: Actor, uid: str, number: int = 1, **overrides: int
) -> dict[str, Any]:
    body = {"ratings": ratings(client, reviewer, uid, number, **overrides)}
    response = client.put(
        review_url(uid, number, "assessment"), json=body, headers=reviewer.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def decide(
    client: TestClient,
    approver: Actor,
    uid: str,
    number: int = 1,
    decision: str = "complementary",
    **extra: str,
) -> dict[str, Any]:
    response = client.post(
        review_url(uid, number, "decision"),
        json={"decision": decision, **extra},
        headers=approver.headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


def publish_decided(client: TestClient, approver: Actor, uid: str, number: int = 1) -> dict:
    response = client.post(
        f"/api/v1/datasets/{uid}/versions/{number}/publish", headers=approver.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def review_and_publish(
    client: TestClient,
    reviewer: Actor,
    approver: Actor,
    uid: str,
    number: int = 1,
    decision: str = "complementary",
) -> dict:
    """Protect, assess, decide and publish a version under review; the release's JSON."""
    protect(client, reviewer, uid, number)
    assess(client, reviewer, uid, number)
    decide(client, approver, uid, number, decision)
    return publish_decided(client, approver, uid, number)
