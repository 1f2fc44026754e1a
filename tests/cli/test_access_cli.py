"""``voicescount org|key|audit`` against the test stores, through click's CliRunner."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.cli.conftest import Invoke
from tests.conftest import Store, unique
from voicescount.config import get_settings
from voicescount.storage.tables import AuditEntry


def test_settings_follow_the_environment(cli: Invoke, store: Store) -> None:
    assert get_settings().resolved_database_url == store.url


def test_org_create_and_list(cli: Invoke) -> None:
    slug = unique("LNOB")
    created = cli(
        "org", "create", slug, "--name", "LNOB Kenya", "--kind", "data_provider", "--country", "KE"
    )
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == f"created data_provider '{slug}': LNOB Kenya"
    listed = cli("org", "list")
    assert listed.exit_code == 0, listed.output
    [line] = [ln for ln in listed.stdout.splitlines() if ln.startswith(slug)]
    assert line.split() == [slug, "data_provider", "KE", "LNOB", "Kenya"]
    steward = unique("NSO")
    assert cli("org", "create", steward, "--name", "KNBS", "--kind", "steward").exit_code == 0
    [line] = [ln for ln in cli("org", "list").stdout.splitlines() if ln.startswith(steward)]
    assert line.split() == [steward, "steward", "--", "KNBS"]


def test_org_create_errors(cli: Invoke) -> None:
    slug = unique("DUP")
    assert cli("org", "create", slug, "--name", "One", "--kind", "steward").exit_code == 0
    duplicate = cli("org", "create", slug, "--name", "Two", "--kind", "steward")
    assert duplicate.exit_code == 1
    assert duplicate.stderr.startswith("error: ")
    assert slug in duplicate.stderr
    assert duplicate.stdout == ""
    invalid = cli("org", "create", "9x", "--name", " ", "--kind", "steward", "--country", "ke")
    assert invalid.exit_code == 1
    lines = invalid.stderr.splitlines()
    assert lines[0].startswith("error: ")
    assert [ln.split(":")[0].strip() for ln in lines[1:]] == ["- slug", "- name", "- country"]
    # click itself refuses an unknown kind, before our code runs (usage error: exit 2).
    assert cli("org", "create", unique("K"), "--name", "x", "--kind", "pirate").exit_code == 2


def test_key_lifecycle_through_the_cli_and_over_http(cli: Invoke, store: Store) -> None:
    slug = unique("COAL")
    assert (
        cli("org", "create", slug, "--name", "Coalition", "--kind", "data_provider").exit_code == 0
    )

    created = cli("key", "create", slug, "--role", "submitter", "--holder", "Amina", "--json")
    assert created.exit_code == 0, created.output
    issued = json.loads(created.stdout)
    assert {k: issued[k] for k in ("organisation", "role", "holder")} == {
        "organisation": slug,
        "role": "submitter",
        "holder": "Amina",
    }
    assert issued["token"].startswith(f"vck_{issued['key_id']}_")

    with TestClient(_app(store)) as client:
        me = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {issued['token']}"})
        assert me.status_code == 200, me.text
        assert me.json()["key_id"] == issued["key_id"]
        assert me.json()["organisation"] == slug

    listed = cli("key", "list", slug)
    assert listed.exit_code == 0, listed.output
    [line] = listed.stdout.splitlines()
    assert line.split()[:3] == [issued["key_id"], "submitter", "active"]
    assert issued["token"] not in listed.stdout
    assert issued["token"].split("_", 2)[2] not in listed.stdout

    revoked = cli("key", "revoke", issued["key_id"], "--reason", "lost phone")
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout.startswith(f"revoked {issued['key_id']} at ")

    [line] = cli("key", "list", slug).stdout.splitlines()
    assert line.split()[:3] == [issued["key_id"], "submitter", "revoked"]

    with TestClient(_app(store)) as client:
        me = client.get("/api/v1/whoami", headers={"X-API-Key": issued["token"]})
        assert me.status_code == 401

    again = cli("key", "revoke", issued["key_id"])
    assert again.exit_code == 1
    assert again.stderr.startswith("error: ") and "already revoked" in again.stderr


def test_key_create_prints_the_token_once_without_json(cli: Invoke) -> None:
    slug = unique("NSO")
    assert cli("org", "create", slug, "--name", "NSO", "--kind", "steward").exit_code == 0
    created = cli("key", "create", slug, "--role", "reviewer", "--holder", "Kofi")
    assert created.exit_code == 0, created.output
    summary, token = created.stdout.splitlines()
    assert summary.startswith("key ") and f"reviewer of {slug}" in summary
    assert token.startswith("vck_")
    assert "not shown again" in created.stderr
    assert token not in cli("key", "list", slug).stdout


def test_key_errors(cli: Invoke) -> None:
    slug = unique("COAL")
    assert cli("org", "create", slug, "--name", "C", "--kind", "data_provider").exit_code == 0
    wrong_role = cli("key", "create", slug, "--role", "reviewer", "--holder", "x")
    assert wrong_role.exit_code == 1
    assert wrong_role.stderr.startswith("error: ")
    assert "reviewer" in wrong_role.stderr
    assert "  - role: choose one of: admin, submitter" in wrong_role.stderr
    assert cli("key", "list", slug).stdout == ""

    no_org = cli("key", "create", unique("NOPE"), "--role", "admin", "--holder", "x")
    assert (no_org.exit_code, no_org.stderr[:7]) == (1, "error: ")
    no_key = cli("key", "revoke", "000000000000")
    assert (no_key.exit_code, no_key.stderr[:7]) == (1, "error: ")
    no_list = cli("key", "list", unique("NOPE"))
    assert (no_list.exit_code, no_list.stderr[:7]) == (1, "error: ")


def test_audit_verify_passes_on_the_shared_store(cli: Invoke) -> None:
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit log intact: ")
    assert int(result.stdout.split(": ")[1].split()[0]) > 0


def test_audit_verify_names_the_broken_entry(fresh_cli: Invoke, fresh_store: Store) -> None:
    assert fresh_cli("audit", "verify").stdout.strip() == "audit log intact: 0 entries"
    for n in range(3):
        created = fresh_cli("org", "create", f"ORG{n}", "--name", "o", "--kind", "steward")
        assert created.exit_code == 0, created.output
    assert fresh_cli("audit", "verify").stdout.strip() == "audit log intact: 3 entries"
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    with fresh_store.engine.begin() as connection:
        connection.execute(update(table).where(table.c.seq == 2).values(actor="someone else"))
    result = fresh_cli("audit", "verify")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "BROKEN at entry 2" in result.stderr
    assert "1 entries verified before it" in result.stderr


def test_db_upgrade_is_idempotent(cli: Invoke) -> None:
    result = cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("database at revision ")


def _app(store: Store):  # type: ignore[no-untyped-def]
    from voicescount.app import create_app

    return create_app(store.settings())
