"""A published dataset to query: a coalition's upload, submitted, reviewed and released."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.api.test_intake import GOOD_CSV, kenya_metadata, upload
from tests.conftest import Actor
from tests.review_steps import review_and_publish
from voicescount.types import OrgKind, Role


@dataclass
class Published:
    coalition: Actor
    reviewer: Actor
    approver: Actor
    dataset: str
    release: dict


def submit_dataset(client: TestClient, coalition: Actor, body: bytes = GOOD_CSV.encode()) -> str:
    created = client.post(
        "/api/v1/datasets",
        json={"title": "Child marriage in Mombasa", "metadata": kenya_metadata()},
        headers=coalition.headers,
    )
    assert created.status_code == 201, created.text
    uid = created.json()["dataset"]
    assert upload(client, coalition, uid, body).status_code == 201
    submitted = client.post(f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition.headers)
    assert submitted.status_code == 200, submitted.text
    return uid


def publish(
    client: TestClient,
    reviewer: Actor,
    approver: Actor,
    uid: str,
    number: int = 1,
    decision: str = "complementary",
) -> dict:
    """Review the version (disclosure control, assessment, decision) and publish it."""
    return review_and_publish(client, reviewer, approver, uid, number, decision)


@pytest.fixture
def published(app_client: TestClient, make_actor) -> Published:
    coalition = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")
    approver = make_actor(OrgKind.STEWARD, Role.APPROVER)
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER, org=approver.org)
    uid = submit_dataset(app_client, coalition)
    release = publish(app_client, reviewer, approver, uid)
    return Published(coalition, reviewer, approver, uid, release)
