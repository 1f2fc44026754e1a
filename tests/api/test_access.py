"""Access control over HTTP: authentication, organisations, keys, problem+json errors, audit trail."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.conftest import Store, unique
from voicescount.access import keys
from voicescount.provenance import audit
from voicescount.storage.tables import ApiKey, AuditEntry
from voicescount.types import OrgKind, Role

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM
    body = response.json()
    for member in ("type", "title", "status", "detail"):
        assert member in body, f"{member} missing from {body}"
        assert body[member], f"{member} empty in {body}"
    assert body["status"] == status
    return body


def last_seq(store: Store) -> int:
    with store.session() as session:
        entry = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()  # type: ignore[attr-defined]
        return entry.seq if entry else 0


def entries_after(store: Store, seq: int) -> list[AuditEntry]:
    with store.session() as session:
        statement = select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)  # type: ignore[arg-type]
        return list(session.exec(statement))


def assert_chain_intact(store: Store) -> None:
    with store.session() as session:
        result = audit.verify(session)
    assert result.ok, result
    assert result.entries > 0


# --- authentication --------------------------------------------------------------------------


def test_whoami_with_bearer_and_with_x_api_key(app_client: TestClient, make_actor) -> None:
    actor = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")
    expected = {
        "key_id": actor.key_id,
        "organisation": actor.org,
        "organisation_kind": "data_provider",
        "role": "submitter",
        "holder": actor.holder,
    }
    by_bearer = app_client.get("/api/v1/whoami", headers=actor.headers)
    assert by_bearer.status_code == 200, by_bearer.text
    assert by_bearer.json() == expected
    by_header = app_client.get("/api/v1/whoami", headers={"X-API-Key": actor.token})
    assert by_header.status_code == 200, by_header.text
    assert by_header.json() == expected


def test_no_key_is_401_with_www_authenticate(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/whoami")
    body = assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["code"] == "authentication-required"
    assert body["instance"] == "/api/v1/whoami"
    assert "Bearer" in body["detail"] and "X-API-Key" in body["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer garbage"},
        {"Authorization": "Bearer vck_000000000000_notthesecret"},
        {"X-API-Key": "garbage"},
        {"X-API-Key": "vck_"},
    ],
)
def test_garbage_key_is_401(app_client: TestClient, headers: dict[str, str]) -> None:
    response = app_client.get("/api/v1/whoami", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_wrong_secret_for_a_real_key_id_is_401(app_client: TestClient, make_actor) -> None:
    actor = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    _, other_secret = keys.parse(keys.generate().token)  # type: ignore[misc]
    forged = f"vck_{actor.key_id}_{other_secret}"
    assert_problem(app_client.get("/api/v1/whoami", headers={"X-API-Key": forged}), 401)


def test_revoked_key_is_401(app_client: TestClient, make_actor) -> None:
    actor = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    assert app_client.get("/api/v1/whoami", headers=actor.headers).status_code == 200
    revoked = app_client.post(
        f"/api/v1/keys/{actor.key_id}/revoke", json={"reason": "leaving"}, headers=actor.headers
    )
    assert revoked.status_code == 200, revoked.text
    response = app_client.get("/api/v1/whoami", headers=actor.headers)
    body = assert_problem(response, 401)
    assert "revoked" in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


# --- organisations ---------------------------------------------------------------------------


def test_steward_admin_creates_organisations(
    app_client: TestClient, make_actor, store: Store
) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    slug = unique("LNOB")
    seq = last_seq(store)
    response = app_client.post(
        "/api/v1/organisations",
        json={"slug": slug, "name": "LNOB Kenya", "kind": "data_provider", "country": "KE"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("slug", "name", "kind", "country")} == {
        "slug": slug,
        "name": "LNOB Kenya",
        "kind": "data_provider",
        "country": "KE",
    }
    assert body["created_at"]
    # Public reading needs no key.
    assert app_client.get(f"/api/v1/organisations/{slug}").json()["name"] == "LNOB Kenya"
    listed = app_client.get("/api/v1/organisations").json()
    assert slug in [o["slug"] for o in listed["data"]]
    assert listed["count"] == len(listed["data"])
    [entry] = entries_after(store, seq)
    assert (entry.action, entry.subject, entry.actor) == (
        "organisation.create",
        f"organisation:{slug}",
        f"key:{admin.key_id}",
    )
    assert_chain_intact(store)


def test_duplicate_organisation_is_409(app_client: TestClient, make_actor, store: Store) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    body = {"slug": unique("DUP"), "name": "Dup", "kind": "steward"}
    assert (
        app_client.post("/api/v1/organisations", json=body, headers=admin.headers).status_code
        == 201
    )
    seq = last_seq(store)
    problem = assert_problem(
        app_client.post("/api/v1/organisations", json=body, headers=admin.headers), 409
    )
    assert body["slug"] in problem["detail"]
    assert problem["code"] == "conflict"
    assert entries_after(store, seq) == []


def test_unknown_organisation_is_404(app_client: TestClient) -> None:
    body = assert_problem(app_client.get(f"/api/v1/organisations/{unique('NOPE')}"), 404)
    assert body["code"] == "not-found"


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        (OrgKind.DATA_PROVIDER, Role.SUBMITTER),
        (OrgKind.DATA_PROVIDER, Role.ADMIN),
        (OrgKind.STEWARD, Role.REVIEWER),
        (OrgKind.STEWARD, Role.APPROVER),
    ],
)
def test_only_steward_admins_create_organisations(
    app_client: TestClient, make_actor, store: Store, kind: OrgKind, role: Role
) -> None:
    actor = make_actor(kind, role)
    seq = last_seq(store)
    slug = unique("X")
    response = app_client.post(
        "/api/v1/organisations",
        json={"slug": slug, "name": "x", "kind": "data_provider"},
        headers=actor.headers,
    )
    body = assert_problem(response, 403)
    assert body["code"] == "permission-denied"
    assert entries_after(store, seq) == []
    assert_problem(app_client.get(f"/api/v1/organisations/{slug}"), 404)


def test_creating_an_organisation_needs_a_key(app_client: TestClient) -> None:
    response = app_client.post(
        "/api/v1/organisations", json={"slug": unique("X"), "name": "x", "kind": "steward"}
    )
    assert_problem(response, 401)


# --- validation ------------------------------------------------------------------------------


def test_request_validation_errors_name_the_fields(app_client: TestClient, make_actor) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    missing = assert_problem(
        app_client.post("/api/v1/organisations", json={"kind": "pirate"}, headers=admin.headers),
        422,
    )
    fields = {item["field"] for item in missing["errors"]}
    assert {"slug", "name", "kind"} <= fields
    assert all(item["message"] for item in missing["errors"])
    assert missing["code"] == "invalid-request"

    not_json = app_client.post(
        "/api/v1/organisations",
        content=b"not json",
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert assert_problem(not_json, 422)["errors"]


def test_domain_validation_errors_name_the_fields(
    app_client: TestClient, make_actor, store: Store
) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    seq = last_seq(store)
    response = app_client.post(
        "/api/v1/organisations",
        json={"slug": "1 bad", "name": " ", "kind": "steward", "country": "kenya"},
        headers=admin.headers,
    )
    body = assert_problem(response, 422)
    assert body["code"] == "invalid-input"
    assert [item["field"] for item in body["errors"]] == ["slug", "name", "country"]
    too_long = app_client.post(
        "/api/v1/organisations",
        json={"slug": unique("LONG"), "name": "n" * 301, "kind": "steward"},
        headers=admin.headers,
    )
    assert [item["field"] for item in assert_problem(too_long, 422)["errors"]] == ["name"]
    assert entries_after(store, seq) == []


def test_key_validation_errors_name_the_fields(app_client: TestClient, make_actor) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    coalition = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    url = f"/api/v1/organisations/{coalition.org}/keys"
    # A coalition cannot hold a reviewer key; a steward cannot hold a submitter key.
    wrong_role = assert_problem(
        app_client.post(url, json={"role": "reviewer", "holder": "h"}, headers=admin.headers), 422
    )
    assert [item["field"] for item in wrong_role["errors"]] == ["role"]
    wrong_role = assert_problem(
        app_client.post(
            f"/api/v1/organisations/{admin.org}/keys",
            json={"role": "submitter", "holder": "h"},
            headers=admin.headers,
        ),
        422,
    )
    assert [item["field"] for item in wrong_role["errors"]] == ["role"]
    unknown_role = assert_problem(
        app_client.post(url, json={"role": "overlord", "holder": "h"}, headers=admin.headers), 422
    )
    assert [item["field"] for item in unknown_role["errors"]] == ["role"]
    no_holder = assert_problem(
        app_client.post(url, json={"role": "submitter"}, headers=admin.headers), 422
    )
    assert [item["field"] for item in no_holder["errors"]] == ["holder"]
    blank_holder = assert_problem(
        app_client.post(url, json={"role": "submitter", "holder": " "}, headers=admin.headers),
        422,
    )
    assert [item["field"] for item in blank_holder["errors"]] == ["holder"]


# --- keys ------------------------------------------------------------------------------------


def _listed_keys(app_client: TestClient, org: str, headers: dict[str, str]) -> httpx.Response:
    response = app_client.get(f"/api/v1/organisations/{org}/keys", headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_steward_admin_issues_keys_for_any_org_and_the_token_is_shown_once(
    app_client: TestClient, make_actor, store: Store
) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    coalition = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    seq = last_seq(store)
    response = app_client.post(
        f"/api/v1/organisations/{coalition.org}/keys",
        json={"role": "admin", "holder": "Amina"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["organisation"] == coalition.org
    assert (issued["role"], issued["holder"], issued["revoked_at"]) == ("admin", "Amina", None)
    key_id, secret = keys.parse(issued["token"])  # type: ignore[misc]
    assert key_id == issued["key_id"]
    # The new key works at once.
    me = app_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {issued['token']}"})
    assert me.json()["organisation"] == coalition.org
    assert me.json()["role"] == "admin"
    # Listing never shows a token, a secret or a hash again.
    with store.session() as session:
        stored_hash = session.exec(select(ApiKey).where(ApiKey.key_id == key_id)).one().secret_hash
    for viewer in (admin.headers, {"Authorization": f"Bearer {issued['token']}"}):
        listing = _listed_keys(app_client, coalition.org, viewer)
        assert secret not in listing.text
        assert stored_hash not in listing.text
        rows = listing.json()["data"]
        assert key_id in [row["key_id"] for row in rows]
        assert coalition.key_id in [row["key_id"] for row in rows]
        assert listing.json()["count"] == len(rows)
        for row in rows:
            assert "token" not in row
            assert "secret_hash" not in row
            assert set(row) == {
                "key_id",
                "role",
                "holder",
                "created_at",
                "revoked_at",
                "revoked_reason",
            }
    [entry] = entries_after(store, seq)
    assert (entry.action, entry.subject, entry.actor) == (
        "key.create",
        f"key:{key_id}",
        f"key:{admin.key_id}",
    )
    assert secret not in str(entry.details)
    assert_chain_intact(store)


def test_coalition_admin_manages_its_own_keys_but_not_other_coalitions(
    app_client: TestClient, make_actor, store: Store
) -> None:
    admin = make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN)
    other = make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN)
    seq = last_seq(store)
    own = app_client.post(
        f"/api/v1/organisations/{admin.org}/keys",
        json={"role": "submitter", "holder": "field officer"},
        headers=admin.headers,
    )
    assert own.status_code == 201, own.text
    assert [e.action for e in entries_after(store, seq)] == ["key.create"]
    assert own.json()["key_id"] in [
        r["key_id"] for r in _listed_keys(app_client, admin.org, admin.headers).json()["data"]
    ]

    seq = last_seq(store)
    # Another coalition's keys: 404, so their existence is not even confirmed.
    listing = app_client.get(f"/api/v1/organisations/{other.org}/keys", headers=admin.headers)
    assert_problem(listing, 404)
    creating = app_client.post(
        f"/api/v1/organisations/{other.org}/keys",
        json={"role": "submitter", "holder": "intruder"},
        headers=admin.headers,
    )
    assert_problem(creating, 404)
    revoking = app_client.post(
        f"/api/v1/keys/{other.key_id}/revoke", json={}, headers=admin.headers
    )
    assert_problem(revoking, 404)
    assert entries_after(store, seq) == []
    assert app_client.get("/api/v1/whoami", headers=other.headers).status_code == 200

    # A coalition admin cannot manage a steward's keys either.
    steward = make_actor(OrgKind.STEWARD, Role.ADMIN)
    listing = app_client.get(f"/api/v1/organisations/{steward.org}/keys", headers=admin.headers)
    assert_problem(listing, 404)


def test_submitter_may_not_manage_keys(app_client: TestClient, make_actor, store: Store) -> None:
    submitter = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    colleague = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=submitter.org)
    seq = last_seq(store)
    creating = app_client.post(
        f"/api/v1/organisations/{submitter.org}/keys",
        json={"role": "admin", "holder": "me, promoted"},
        headers=submitter.headers,
    )
    assert assert_problem(creating, 403)["code"] == "permission-denied"
    listing = app_client.get(
        f"/api/v1/organisations/{submitter.org}/keys", headers=submitter.headers
    )
    assert_problem(listing, 403)
    # Nor revoke a colleague's key (hidden like any key one may not manage).
    revoking = app_client.post(
        f"/api/v1/keys/{colleague.key_id}/revoke", json={}, headers=submitter.headers
    )
    assert_problem(revoking, 404)
    assert app_client.get("/api/v1/whoami", headers=colleague.headers).status_code == 200
    assert entries_after(store, seq) == []


def test_reviewer_may_not_manage_steward_keys(app_client: TestClient, make_actor) -> None:
    reviewer = make_actor(OrgKind.STEWARD, Role.REVIEWER)
    response = app_client.post(
        f"/api/v1/organisations/{reviewer.org}/keys",
        json={"role": "approver", "holder": "x"},
        headers=reviewer.headers,
    )
    assert_problem(response, 403)


def test_holder_revokes_their_own_key(app_client: TestClient, make_actor, store: Store) -> None:
    holder = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER)
    seq = last_seq(store)
    response = app_client.post(
        f"/api/v1/keys/{holder.key_id}/revoke",
        json={"reason": "phone stolen"},
        headers={"X-API-Key": holder.token},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["key_id"] == holder.key_id
    assert body["revoked_at"] is not None
    assert body["revoked_reason"] == "phone stolen"
    assert "token" not in body and "secret_hash" not in body
    [entry] = entries_after(store, seq)
    assert (entry.action, entry.subject, entry.actor) == (
        "key.revoke",
        f"key:{holder.key_id}",
        f"key:{holder.key_id}",
    )
    assert entry.details["reason"] == "phone stolen"
    assert_problem(app_client.get("/api/v1/whoami", headers=holder.headers), 401)
    assert_chain_intact(store)


def test_revoking_twice_is_409(app_client: TestClient, make_actor, store: Store) -> None:
    admin = make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN)
    member = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, org=admin.org)
    url = f"/api/v1/keys/{member.key_id}/revoke"
    first = app_client.post(url, json={"reason": "left"}, headers=admin.headers)
    assert first.status_code == 200, first.text
    seq = last_seq(store)
    second = app_client.post(url, json={"reason": "again"}, headers=admin.headers)
    body = assert_problem(second, 409)
    assert member.key_id in body["detail"]
    assert entries_after(store, seq) == []
    listed = _listed_keys(app_client, admin.org, admin.headers).json()["data"]
    [row] = [r for r in listed if r["key_id"] == member.key_id]
    assert row["revoked_reason"] == "left"
    assert row["revoked_at"] is not None


def test_revoking_an_unknown_key_is_404(app_client: TestClient, make_actor) -> None:
    admin = make_actor(OrgKind.STEWARD, Role.ADMIN)
    assert_problem(
        app_client.post("/api/v1/keys/000000000000/revoke", json={}, headers=admin.headers), 404
    )


def test_unknown_route_and_method_are_problems(app_client: TestClient) -> None:
    assert_problem(app_client.get("/api/v1/no-such-thing"), 404)
    assert_problem(app_client.delete("/api/v1/whoami"), 405)


def test_audit_log_verifies_after_everything(store: Store) -> None:
    assert_chain_intact(store)
