"""``voicescount webhooks deliver|list`` against the test stores, with a real local receiver."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.cli.conftest import Invoke
from tests.conftest import Actor, Store, unique
from tests.publishing.conftest import submit_dataset
from tests.review.test_webhooks import (  # noqa: F401 (fixtures)
    SUBMISSION_EVENTS,
    Receiver,
    Register,
    check_signature,
    coalition,
    deliveries,
    free_port,
    queue,
    receiver,
    register,
)
from voicescount.notifications.service import BACKOFF


def test_deliver_sends_what_is_due_once(
    cli: Invoke,
    app_client: TestClient,
    coalition: Actor,  # noqa: F811
    register: Register,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    store: Store,
) -> None:
    ours = register(coalition, f"{receiver.url}/cron")
    unreachable = register(coalition, f"http://127.0.0.1:{free_port()}/nobody")
    submit_dataset(app_client, coalition)

    result = cli("webhooks", "deliver")
    assert result.exit_code == 0, result.output
    assert result.stdout == "webhooks: 3 delivered, 3 failed (to retry), 0 given up\n"
    requests = receiver.at("/cron")
    assert [r.event["type"] for r in requests] == SUBMISSION_EVENTS
    for request in requests:
        check_signature(ours["secret"], request)
    for delivery in deliveries(store, unreachable["id"]):
        assert delivery.attempts == 1 and delivery.last_error is not None
        assert delivery.next_attempt_at is not None
        assert delivery.next_attempt_at - delivery.created_at >= BACKOFF[0]

    # Nothing is sent twice; the failed ones wait for their backoff.
    again = cli("webhooks", "deliver")
    assert again.exit_code == 0, again.output
    assert again.stdout == "webhooks: 0 delivered, 0 failed (to retry), 0 given up\n"
    assert len(receiver.at("/cron")) == 3


def test_deliver_goes_on_in_rounds_until_nothing_is_due(
    cli: Invoke,
    coalition: Actor,  # noqa: F811
    register: Register,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    store: Store,
) -> None:
    register(coalition, f"{receiver.url}/rounds")
    for _ in range(5):
        queue(store, coalition)
    result = cli("webhooks", "deliver", "--batch", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout == "webhooks: 5 delivered, 0 failed (to retry), 0 given up\n"
    assert len(receiver.at("/rounds")) == 5
    assert cli("webhooks", "deliver", "--batch", "0").exit_code == 2


def test_deliver_reports_what_is_given_up(
    cli: Invoke,
    app_client: TestClient,
    coalition: Actor,  # noqa: F811
    register: Register,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    store: Store,
) -> None:
    receiver.status = 410
    webhook = register(coalition, f"{receiver.url}/gone")
    queue(store, coalition)
    result = cli("webhooks", "deliver")
    assert result.exit_code == 0, result.output
    assert result.stdout == "webhooks: 0 delivered, 0 failed (to retry), 1 given up\n"
    [shown] = app_client.get("/api/v1/webhooks", headers=coalition.headers).json()["data"]
    assert shown["id"] == webhook["id"] and shown["active"] is False


def test_list_shows_an_organisations_webhooks_without_secrets(
    cli: Invoke,
    app_client: TestClient,
    coalition: Actor,  # noqa: F811
    register: Register,  # noqa: F811
    receiver: Receiver,  # noqa: F811
    store: Store,
) -> None:
    ours = register(coalition, f"{receiver.url}/listed")
    unreachable = register(coalition, f"http://127.0.0.1:{free_port()}/nobody")
    removed = register(coalition, "https://hooks.example.org/removed")
    submit_dataset(app_client, coalition)
    assert cli("webhooks", "deliver").exit_code == 0
    app_client.delete(f"/api/v1/webhooks/{removed['id']}", headers=coalition.headers)

    listed = cli("webhooks", "list", "--org", coalition.org)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        f"{ours['id']:<6} active {ours['url']}  (3 delivered, 0 pending, 0 given up)",
        f"{unreachable['id']:<6} active {unreachable['url']}  (0 delivered, 3 pending, 0 given up)",
        f"{removed['id']:<6} off    {removed['url']}  (0 delivered, 0 pending, 3 given up)",
    ]
    for webhook in (ours, unreachable, removed):
        assert webhook["secret"] not in listed.output

    as_json = cli("webhooks", "list", "--org", coalition.org, "--json")
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    assert [(r["id"], r["active"], r["delivered"], r["pending"], r["given_up"]) for r in rows] == [
        (ours["id"], True, 3, 0, 0),
        (unreachable["id"], True, 0, 3, 0),
        (removed["id"], False, 0, 0, 3),
    ]
    assert rows[0]["created_by"] == f"key:{coalition.key_id}"
    assert "secret" not in rows[0]

    # An organisation without webhooks lists nothing; an unknown one is an error.
    other = unique("EMPTY")
    assert cli("org", "create", other, "--name", "Empty", "--kind", "steward").exit_code == 0
    empty = cli("webhooks", "list", "--org", other)
    assert (empty.exit_code, empty.stdout) == (0, "")
    unknown = cli("webhooks", "list", "--org", unique("NOPE"))
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: ")
    assert cli("webhooks", "list").exit_code == 2  # --org is required


def test_help_names_both_commands(cli: Invoke) -> None:
    result = cli("webhooks", "-h")
    assert result.exit_code == 0, result.output
    assert "deliver" in result.stdout and "list" in result.stdout
    assert "webhooks" in cli("-h").stdout
