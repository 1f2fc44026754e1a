"""Another coalition never reaches a dataset it does not own: every route of a draft (and of a
submitted version) answers 404, as if it did not exist, and changes nothing. Mapping profiles and
Idempotency-Keys are per organisation too. Both stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient

from tests.api.test_intake import GOOD_CSV, HEADER, kenya_metadata, stored, upload
from tests.conftest import Actor, unique
from voicescount.types import OrgKind, Role

FINDING = {
    "statement": "Girls in the dialogues said marriage before 18 is still arranged in secret.",
    "method": "citizen_dialogue",
    "sdg_targets": ["5.3"],
    "areas": ["KE-28"],
    "target_groups": ["LNOB_WOMEN_GIRLS"],
    "evidence": "Dialogue 2, Mombasa (illustrative)",
}

PROFILE = {
    "columns": {
        "Kaunti": "REF_AREA",
        "Jinsia": "SEX",
        "Mwaka": "TIME_PERIOD",
        "Asilimia": "OBS_VALUE",
    },
    "values": {"SEX": {"Wasichana": "F"}},
    "defaults": {"SERIES": "SP_DYN_MRBF18"},
}
PROFILE_CSV = b"Kaunti,Jinsia,Mwaka,Asilimia\nMombasa,Wasichana,2023,30\n"


def _create_draft(client: TestClient, actor: Actor, title: str) -> str:
    response = client.post(
        "/api/v1/datasets",
        json={"title": title, "metadata": kenya_metadata()},
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["dataset"]


@pytest.fixture
def coalition_a(make_actor: Callable[..., Actor]) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def coalition_b(make_actor: Callable[..., Actor]) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


@pytest.fixture
def draft_a(app_client: TestClient, coalition_a: Actor) -> str:
    return _create_draft(app_client, coalition_a, "Child marriage in Mombasa (A)")


def _snapshot(client: TestClient, owner: Actor, uid: str, version: int = 1) -> dict[str, Any]:
    """What the owner sees of a version: record, findings, observations and dataset."""
    base = f"/api/v1/datasets/{uid}"
    record = client.get(f"{base}/versions/{version}", headers=owner.headers)
    findings = client.get(f"{base}/versions/{version}/findings", headers=owner.headers)
    dataset = client.get(base, headers=owner.headers)
    assert record.status_code == findings.status_code == dataset.status_code == 200
    return {
        "version": record.json(),
        "findings": findings.json(),
        "versions": [(v["number"], v["state"]) for v in dataset.json()["versions"]],
        "observations": stored(client, owner, uid, version),
    }


def _assert_404(response: httpx.Response, what: str) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.text}"
    assert response.json()["code"] == "not-found", what


# ------------------------------------------------------------------------------------------
# A draft


def test_uploads_reports_and_withdrawal_of_another_coalition_are_404(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor, draft_a: str
) -> None:
    accepted = upload(app_client, coalition_a, draft_a, GOOD_CSV.encode())
    assert accepted.status_code == 201, accepted.text
    rejected = upload(app_client, coalition_a, draft_a, (HEADER + "X,KE-28,F,2023,1,2\n").encode())
    assert rejected.status_code == 422
    base = f"/api/v1/datasets/{draft_a}/versions/1/uploads"
    paths = [
        f"{base}/{upload_id}/{tail}"
        for upload_id in (accepted.json()["id"], rejected.json()["upload"])
        for tail in ("report", "report.csv")
    ]
    for path in paths:  # the owner gets them: the 404 below is not a broken route
        assert app_client.get(path, headers=coalition_a.headers).status_code == 200, path
    before = _snapshot(app_client, coalition_a, draft_a)
    for path in paths:
        _assert_404(app_client.get(path, headers=coalition_b.headers), f"GET {path}")
    withdraw = f"{base}/{accepted.json()['id']}"
    _assert_404(app_client.delete(withdraw, headers=coalition_b.headers), f"DELETE {withdraw}")
    after = _snapshot(app_client, coalition_a, draft_a)
    assert after == before
    assert after["version"]["uploads"][0]["status"] == "accepted"
    assert after["version"]["observation_count"] == 3
    # The owner can still withdraw it: B's attempt left it alone.
    mine = app_client.delete(withdraw, headers=coalition_a.headers)
    assert mine.status_code == 200 and mine.json()["status"] == "withdrawn"


def test_findings_of_another_coalition_cannot_be_added_or_deleted(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor, draft_a: str
) -> None:
    path = f"/api/v1/datasets/{draft_a}/versions/1/findings"
    created = app_client.post(path, json=[FINDING], headers=coalition_a.headers)
    assert created.status_code == 201, created.text
    before = _snapshot(app_client, coalition_a, draft_a)
    other = {**FINDING, "statement": "Planted by another coalition."}
    _assert_404(app_client.post(path, json=[other], headers=coalition_b.headers), "POST findings")
    _assert_404(app_client.delete(f"{path}/1", headers=coalition_b.headers), "DELETE finding 1")
    after = _snapshot(app_client, coalition_a, draft_a)
    assert after == before
    assert [f["statement"] for f in after["findings"]] == [FINDING["statement"]]
    assert after["version"]["findings"] == 1


def test_a_dry_run_against_another_coalitions_draft_is_404(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor, draft_a: str
) -> None:
    path = f"/api/v1/datasets/{draft_a}/versions/1/validation"
    mine = app_client.post(
        path, content=GOOD_CSV.encode(), headers={**coalition_a.headers, "Content-Type": "text/csv"}
    )
    assert mine.status_code == 200 and mine.json()["valid"] is True
    before = _snapshot(app_client, coalition_a, draft_a)
    for accept in ("application/json", "text/csv"):
        response = app_client.post(
            path,
            content=GOOD_CSV.encode(),
            headers={**coalition_b.headers, "Content-Type": "text/csv", "Accept": accept},
        )
        _assert_404(response, f"POST validation ({accept})")
    multipart = app_client.post(
        path,
        files={"file": ("data.csv", GOOD_CSV.encode(), "text/csv")},
        headers=coalition_b.headers,
    )
    _assert_404(multipart, "POST validation (multipart)")
    assert _snapshot(app_client, coalition_a, draft_a) == before


def test_another_coalition_cannot_start_a_version_of_a_draft(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor, draft_a: str
) -> None:
    before = _snapshot(app_client, coalition_a, draft_a)
    response = app_client.post(
        f"/api/v1/datasets/{draft_a}/versions", json={}, headers=coalition_b.headers
    )
    _assert_404(response, "POST versions")
    assert _snapshot(app_client, coalition_a, draft_a) == before


# ------------------------------------------------------------------------------------------
# A submitted version: the statistics offices see it, other coalitions do not


def test_a_submitted_version_stays_invisible_to_another_coalition(
    app_client: TestClient,
    coalition_a: Actor,
    coalition_b: Actor,
    draft_a: str,
    make_actor: Callable[..., Actor],
) -> None:
    accepted = upload(app_client, coalition_a, draft_a, GOOD_CSV.encode())
    assert accepted.status_code == 201, accepted.text
    findings = f"/api/v1/datasets/{draft_a}/versions/1/findings"
    assert app_client.post(findings, json=[FINDING], headers=coalition_a.headers).status_code == 201
    submitted = app_client.post(
        f"/api/v1/datasets/{draft_a}/versions/1/submit", headers=coalition_a.headers
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] != "draft"
    base = f"/api/v1/datasets/{draft_a}"
    upload_base = f"{base}/versions/1/uploads/{accepted.json()['id']}"
    reads = [
        base,
        f"{base}/versions/1",
        f"{base}/versions/1/observations",
        findings,
        upload_base,
        f"{upload_base}/report",
        f"{upload_base}/report.csv",
        f"{upload_base}/file",
    ]
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    for path in reads:  # the statistics office reads every one of them
        assert app_client.get(path, headers=reviewer.headers).status_code == 200, path
    before = _snapshot(app_client, coalition_a, draft_a)
    for path in reads:
        _assert_404(app_client.get(path, headers=coalition_b.headers), f"GET {path}")
    listed = app_client.get("/api/v1/datasets", headers=coalition_b.headers).json()["data"]
    assert draft_a not in {d["id"] for d in listed}
    # Writing to it, or starting its next version (which its owner may do), is 404 as well.
    writes = [
        ("POST", f"{base}/versions", {"json": {}}),
        ("POST", f"{base}/versions/1/submit", {}),
        ("PUT", f"{base}/versions/1/metadata", {"json": {"title": "x"}}),
        ("POST", findings, {"json": [FINDING]}),
        ("DELETE", f"{findings}/1", {}),
        ("DELETE", upload_base, {}),
    ]
    for method, path, extra in writes:
        response = app_client.request(method, path, headers=coalition_b.headers, **extra)
        _assert_404(response, f"{method} {path}")
    _assert_404(upload(app_client, coalition_b, draft_a, GOOD_CSV.encode()), "POST uploads")
    dry_run = app_client.post(
        f"{base}/versions/1/validation",
        content=GOOD_CSV.encode(),
        headers={**coalition_b.headers, "Content-Type": "text/csv"},
    )
    _assert_404(dry_run, "POST validation")
    assert _snapshot(app_client, coalition_a, draft_a) == before
    # Still the owner's to continue.
    v2 = app_client.post(f"{base}/versions", json={}, headers=coalition_a.headers)
    assert v2.status_code == 201 and v2.json()["number"] == 2


# ------------------------------------------------------------------------------------------
# Mapping profiles


def test_a_saved_mapping_profile_belongs_to_its_coalition(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor
) -> None:
    name = unique("swahili")
    path = f"/api/v1/mapping-profiles/{name}"
    saved = app_client.put(
        path,
        content=yaml.safe_dump(PROFILE),
        headers={**coalition_a.headers, "Content-Type": "application/yaml"},
    )
    assert saved.status_code == 200, saved.text
    original = app_client.get(path, headers=coalition_a.headers).json()
    assert original["profile"]["values"] == PROFILE["values"]
    # B cannot read it, list it, delete it or use it by name, in an upload or a dry run.
    _assert_404(app_client.get(path, headers=coalition_b.headers), "GET profile")
    listed = app_client.get("/api/v1/mapping-profiles", headers=coalition_b.headers).json()
    assert name not in {p["name"] for p in listed["data"]}
    _assert_404(app_client.delete(path, headers=coalition_b.headers), "DELETE profile")
    draft_b = _create_draft(app_client, coalition_b, "B's own draft")
    by_name = upload(app_client, coalition_b, draft_b, PROFILE_CSV, profile=name)
    _assert_404(by_name, "upload with A's profile")
    assert "mapping profile" in by_name.json()["detail"]
    dry_run = app_client.post(
        f"/api/v1/datasets/{draft_b}/versions/1/validation",
        content=PROFILE_CSV,
        params={"profile": name},
        headers={**coalition_b.headers, "Content-Type": "text/csv"},
    )
    _assert_404(dry_run, "dry run with A's profile")
    b_version = app_client.get(
        f"/api/v1/datasets/{draft_b}/versions/1", headers=coalition_b.headers
    ).json()
    assert b_version["observation_count"] == 0
    # B saving a profile of the same name makes B's own; A's is untouched.
    theirs = {"columns": {"Kaunti": "REF_AREA"}, "values": {"SEX": {"Wasichana": "M"}}}
    overwrite = app_client.put(path, json=theirs, headers=coalition_b.headers)
    assert overwrite.status_code == 200, overwrite.text
    assert app_client.get(path, headers=coalition_a.headers).json() == original
    assert app_client.get(path, headers=coalition_b.headers).json()["profile"]["values"] == {
        "SEX": {"Wasichana": "M"}
    }
    # B deleting "its" profile of that name deletes B's only.
    assert app_client.delete(path, headers=coalition_b.headers).status_code == 204
    assert app_client.get(path, headers=coalition_a.headers).json() == original
    _assert_404(app_client.get(path, headers=coalition_b.headers), "GET deleted profile")
    # And A's still works for A.
    draft_a = _create_draft(app_client, coalition_a, "A's draft")
    mine = upload(app_client, coalition_a, draft_a, PROFILE_CSV, profile=name)
    assert mine.status_code == 201, mine.text
    assert stored(app_client, coalition_a, draft_a) == {("KE-28", "F", "2023", 30.0)}


# ------------------------------------------------------------------------------------------
# Idempotency-Key


def test_the_same_idempotency_key_in_two_coalitions_gives_two_results(
    app_client: TestClient, coalition_a: Actor, coalition_b: Actor
) -> None:
    key = unique("shared-key")
    body = {"title": "Same title, same key", "metadata": kenya_metadata()}
    created = [
        app_client.post(
            "/api/v1/datasets", json=body, headers={**actor.headers, "Idempotency-Key": key}
        )
        for actor in (coalition_a, coalition_b)
    ]
    assert [r.status_code for r in created] == [201, 201], [r.text for r in created]
    assert "Idempotent-Replayed" not in created[1].headers
    uid_a, uid_b = (r.json()["dataset"] for r in created)
    assert uid_a != uid_b
    assert created[0].json()["organisation"] == coalition_a.org
    assert created[1].json()["organisation"] == coalition_b.org
    # B's retry replays B's answer, never A's.
    retry = app_client.post(
        "/api/v1/datasets", json=body, headers={**coalition_b.headers, "Idempotency-Key": key}
    )
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["dataset"] == uid_b

    upload_key = {"Idempotency-Key": unique("shared-upload")}
    first = upload(app_client, coalition_a, uid_a, GOOD_CSV.encode(), headers=upload_key)
    assert first.status_code == 201, first.text
    # B sending the key to A's draft finds no dataset (and no replay of A's upload) …
    _assert_404(
        upload(app_client, coalition_b, uid_a, GOOD_CSV.encode(), headers=upload_key),
        "B's upload to A's draft with A's key",
    )
    # … and to its own draft gets an upload of its own.
    second = upload(app_client, coalition_b, uid_b, GOOD_CSV.encode(), headers=upload_key)
    assert second.status_code == 201, second.text
    assert "Idempotent-Replayed" not in second.headers
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["file_url"].startswith(f"/api/v1/datasets/{uid_b}/")
    for actor, uid in ((coalition_a, uid_a), (coalition_b, uid_b)):
        version = app_client.get(f"/api/v1/datasets/{uid}/versions/1", headers=actor.headers).json()
        assert len(version["uploads"]) == 1 and version["observation_count"] == 3


def test_only_competent_statistics_offices_see_a_submission(
    app_client: TestClient, coalition_a: Actor, make_actor: Callable[..., Actor]
) -> None:
    """Unpublished data (not yet through disclosure control) reach the offices that review the
    coalition's country, and offices without a country; another country's office finds nothing."""
    uid = _create_draft(app_client, coalition_a, "Child marriage in Mombasa (competence)")
    assert upload(app_client, coalition_a, uid, GOOD_CSV.encode()).status_code == 201
    submitted = app_client.post(
        f"/api/v1/datasets/{uid}/versions/1/submit", headers=coalition_a.headers
    )
    assert submitted.status_code == 200, submitted.text
    kenya = make_actor(OrgKind.STEWARD, Role.REVIEWER, country="KE")
    anywhere = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    india = make_actor(OrgKind.STEWARD, Role.REVIEWER, country="IN")
    for office in (kenya, anywhere):
        assert app_client.get(f"/api/v1/datasets/{uid}", headers=office.headers).status_code == 200
        listed = app_client.get("/api/v1/datasets", headers=office.headers).json()["data"]
        assert uid in {d["id"] for d in listed}
    for path in (f"/api/v1/datasets/{uid}", f"/api/v1/datasets/{uid}/versions/1"):
        response = app_client.get(path, headers=india.headers)
        assert response.status_code == 404, (path, response.text)
    listed = app_client.get("/api/v1/datasets", headers=india.headers).json()["data"]
    assert uid not in {d["id"] for d in listed}
