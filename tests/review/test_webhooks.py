"""Webhooks: registration, signed deliveries to a real receiver, retries with backoff, 410 Gone.

The receiver here is a plain ``http.server`` on a free local port. It checks signatures the way
the Standard Webhooks specification describes them, without voicescount's own code: HMAC-SHA256
over ``"{webhook-id}.{webhook-timestamp}.{body}"`` with the base64 key after ``whsec_``.

Delivery is driven by calling :func:`notifications.service.deliver_due` (the server's worker is
off in the tests), with an explicit ``now`` to walk through the backoff schedule; one test lets the
server's own worker deliver. Every webhook a test registers is removed when it ends, so the shared
store never holds deliveries that another test's ``deliver_due`` would send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.conftest import Actor, Store
from tests.publishing.conftest import submit_dataset
from voicescount.access import service as access
from voicescount.app import create_app
from voicescount.notifications import service as notifications
from voicescount.notifications import signing
from voicescount.notifications import worker as worker_module
from voicescount.notifications.service import BACKOFF, MAX_ATTEMPTS, DeliveryRun
from voicescount.notifications.worker import DeliveryWorker
from voicescount.storage.tables import AuditEntry, Webhook, WebhookDelivery
from voicescount.storage.types import utcnow
from voicescount.types import OrgKind, Role

SUBMISSION_EVENTS = ["version.submitted", "version.screening", "version.under_review"]


# ------------------------------------------------------------------------------------------
# A receiver, and signatures checked without voicescount's code


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    #: The status answered to each POST; ``statuses`` (a queue) goes first while it lasts.
    status: int = 200
    statuses: list[int] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def at(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 15.0) -> list[Request]:
        deadline = time.monotonic() + timeout
        while len(self.at(path)) < count:
            assert time.monotonic() < deadline, f"{len(self.at(path))} of {count} requests came"
            time.sleep(0.02)
        return self.at(path)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.statuses.pop(0) if state.statuses else state.status
            self.send_response(status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def check_signature(secret: str, request: Request, *, tolerance: int = 300) -> None:
    """What a Standard Webhooks receiver does, written out with hashlib and hmac alone."""
    headers = request.headers
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    assert abs(time.time() - int(timestamp)) <= tolerance
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{message_id}.{timestamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [s.split(",", 1) for s in headers["webhook-signature"].split()]
    assert ["v1", expected] in given, "no v1 signature matches"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------------------
# Helpers: register (and clean up), queue, deliver


Register = Callable[[Actor, str], dict[str, Any]]
MakeActor = Callable[..., Actor]


@pytest.fixture
def register(app_client: TestClient) -> Iterator[Register]:
    """``register(actor, url)`` through the API; every webhook is removed after the test."""
    created: list[tuple[Actor, int]] = []

    def factory(actor: Actor, url: str) -> dict[str, Any]:
        response = app_client.post("/api/v1/webhooks", json={"url": url}, headers=actor.headers)
        assert response.status_code == 201, response.text
        created.append((actor, response.json()["id"]))
        return response.json()

    yield factory
    for actor, webhook_id in created:
        app_client.delete(f"/api/v1/webhooks/{webhook_id}", headers=actor.headers)


def deliver(store: Store, now: Any = None) -> DeliveryRun:
    with store.session() as session, httpx.Client() as client:
        return notifications.deliver_due(session, client, now=now)


def queue(store: Store, actor: Actor, event_type: str = "test.ping") -> int:
    """Queue one event for ``actor``'s organisation, the way a transition does."""
    with store.session() as session:
        organisation = access.get_organisation(session, actor.org)
        assert organisation.id is not None
        count = notifications.enqueue(session, [organisation.id], {"type": event_type})
        session.commit()
    return count


def deliveries(store: Store, webhook_id: int) -> list[WebhookDelivery]:
    with store.session() as session:
        statement = (
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(col(WebhookDelivery.id))
        )
        return list(session.exec(statement))


@pytest.fixture
def coalition(make_actor: MakeActor) -> Actor:
    return make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")


# ------------------------------------------------------------------------------------------
# Registration


def test_the_secret_is_shown_once(
    app_client: TestClient, coalition: Actor, register: Register, store: Store
) -> None:
    created = register(coalition, "https://hooks.example.org/voicescount")
    assert created["url"] == "https://hooks.example.org/voicescount"
    assert created["active"] is True
    assert created["created_by"] == f"key:{coalition.key_id}"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24

    listed = app_client.get("/api/v1/webhooks", headers=coalition.headers)
    assert listed.status_code == 200, listed.text
    [shown] = listed.json()["data"]
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    assert secret not in listed.text

    deleted = app_client.delete(f"/api/v1/webhooks/{created['id']}", headers=coalition.headers)
    assert deleted.status_code == 200, deleted.text
    assert "secret" not in deleted.json() and deleted.json()["active"] is False
    [shown] = app_client.get("/api/v1/webhooks", headers=coalition.headers).json()["data"]
    assert shown["active"] is False

    # Both changes are in the audit log, with who made them; never the secret.
    with store.session() as session:
        entries = session.exec(
            select(AuditEntry).where(AuditEntry.subject == f"webhook:{created['id']}")
        ).all()
    assert [(e.action, e.actor) for e in entries] == [
        ("webhook.register", f"key:{coalition.key_id}"),
        ("webhook.remove", f"key:{coalition.key_id}"),
    ]
    assert secret not in json.dumps([e.details for e in entries])


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.org/x",
        "javascript:alert(1)",
        "hooks.example.org/x",
        "http://",
        "/relative/path",
        "https://hooks.example.org/" + "x" * 1000,
        # What the client could not call: refused now rather than failing at every delivery
        "http://[::1/hook",
        "http://hooks.example.org:abc/hook",
        "http://hooks.example.org:99999/hook",
        "http://hooks..example.org/hook",
        "http://" + "a" * 70 + ".example.org/hook",
        "http://xn--a.example.org/hook",
        "http://hooks\x00.example.org/hook",
        "http://0177.0.0.1/hook",  # 127.0.0.1 in octal: httpx refuses to call it
    ],
)
def test_only_http_urls_are_registered(app_client: TestClient, coalition: Actor, url: str) -> None:
    response = app_client.post("/api/v1/webhooks", json={"url": url}, headers=coalition.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "url" in json.dumps(response.json()["errors"])
    assert app_client.get("/api/v1/webhooks", headers=coalition.headers).json()["data"] == []


@pytest.fixture
def public_only(store: Store) -> Iterator[TestClient]:
    """An app of a deployment that only calls public receivers (the production default)."""
    with TestClient(create_app(store.settings(webhook_allow_private=False))) as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "https://LOCALHOST/hook",
        "http://hooks.localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        # Other spellings of 127.0.0.1 that the resolver accepts
        "http://2130706433/hook",
        "http://127.1/hook",
        "http://0x7f000001/hook",
        "http://127.0.0.1./hook",
    ],
)
def test_private_addresses_are_refused_unless_allowed(
    public_only: TestClient, app_client: TestClient, coalition: Actor, url: str
) -> None:
    refused = public_only.post("/api/v1/webhooks", json={"url": url}, headers=coalition.headers)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "url" and "private or local" in error["message"]
    assert public_only.get("/api/v1/webhooks", headers=coalition.headers).json()["data"] == []


def test_public_addresses_are_registered_where_private_ones_are_not(
    public_only: TestClient, coalition: Actor
) -> None:
    for url in ("https://hooks.example.org/in", "http://93.184.216.34/in"):
        response = public_only.post(
            "/api/v1/webhooks", json={"url": url}, headers=coalition.headers
        )
        assert response.status_code == 201, response.text
        public_only.delete(f"/api/v1/webhooks/{response.json()['id']}", headers=coalition.headers)


def test_private_addresses_are_allowed_when_the_deployment_says_so(
    coalition: Actor, register: Register
) -> None:
    assert register(coalition, "http://127.0.0.1:9/hook")["active"] is True


def test_another_organisation_neither_sees_nor_removes_a_webhook(
    app_client: TestClient, coalition: Actor, make_actor: MakeActor, register: Register
) -> None:
    webhook = register(coalition, "https://hooks.example.org/ours")
    colleague = make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN, org=coalition.org)
    others = [
        make_actor(OrgKind.DATA_PROVIDER, Role.ADMIN, country="KE"),
        make_actor(OrgKind.STEWARD, Role.ADMIN, country="KE"),  # not even the deployment admin
    ]
    for other in others:
        assert app_client.get("/api/v1/webhooks", headers=other.headers).json()["data"] == []
        url = f"/api/v1/webhooks/{webhook['id']}"
        assert app_client.delete(url, headers=other.headers).status_code == 404
        assert app_client.get(f"{url}/deliveries", headers=other.headers).status_code == 404
    # Any key of the organisation manages its webhooks.
    [seen] = app_client.get("/api/v1/webhooks", headers=colleague.headers).json()["data"]
    assert seen["id"] == webhook["id"] and seen["active"] is True
    unknown = app_client.get("/api/v1/webhooks/999999999/deliveries", headers=coalition.headers)
    assert unknown.status_code == 404
    assert app_client.get("/api/v1/webhooks").status_code == 401


# ------------------------------------------------------------------------------------------
# Delivery


def test_a_submission_is_delivered_signed_to_the_coalition_and_the_office(
    app_client: TestClient,
    coalition: Actor,
    make_actor: MakeActor,
    register: Register,
    receiver: Receiver,
    store: Store,
) -> None:
    office = make_actor(OrgKind.STEWARD, Role.REVIEWER, country="KE")
    elsewhere = make_actor(OrgKind.STEWARD, Role.REVIEWER, country="UG")
    ours = register(coalition, f"{receiver.url}/coalition")
    theirs = register(office, f"{receiver.url}/office")
    register(elsewhere, f"{receiver.url}/elsewhere")

    uid = submit_dataset(app_client, coalition)
    assert receiver.requests == []  # queued with the transition; sent by deliver_due
    run = deliver(store)
    assert run.delivered == 4 and run.failed == 0 and run.given_up == 0

    told = receiver.at("/coalition")
    assert [r.event["type"] for r in told] == SUBMISSION_EVENTS
    for request in told:
        check_signature(ours["secret"], request)
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"].startswith("voicescount-webhooks/")
        assert request.headers["webhook-id"] == request.event["id"]
        assert request.headers["webhook-id"].startswith("msg_")
    assert len({r.headers["webhook-id"] for r in told}) == 3
    submitted, screening, under_review = (r.event for r in told)
    assert submitted["dataset"] == uid and submitted["version"] == 1
    assert (submitted["from"], submitted["to"]) == ("draft", "submitted")
    assert submitted["actor"] == f"key:{coalition.key_id}"
    assert submitted["links"] == {"version": f"/api/v1/datasets/{uid}/versions/1"}
    assert submitted["title"] == "Child marriage in Mombasa"
    assert (screening["from"], screening["to"], screening["actor"]) == (
        "submitted",
        "screening",
        "system",
    )
    assert (under_review["from"], under_review["to"]) == ("screening", "under_review")

    # The statistics office of the coalition's country hears of the case it may take up.
    [for_office] = receiver.at("/office")
    check_signature(theirs["secret"], for_office)
    assert for_office.event["type"] == "version.under_review"
    assert for_office.event["dataset"] == uid
    assert for_office.headers["webhook-id"] != under_review["id"]  # one message per webhook
    # A signature made with another webhook's secret does not pass.
    with pytest.raises(AssertionError):
        check_signature(ours["secret"], for_office)
    # An office of another country is not told.
    assert receiver.at("/elsewhere") == []

    # voicescount's own verifier agrees, and refuses a tampered body.
    signing.verify(ours["secret"], told[0].headers, told[0].body, now=int(time.time()))
    with pytest.raises(signing.InvalidSignature):
        signing.verify(ours["secret"], told[0].headers, told[0].body + b" ", now=int(time.time()))

    # Listed as delivered, newest first; nothing is sent twice.
    listed = app_client.get(f"/api/v1/webhooks/{ours['id']}/deliveries", headers=coalition.headers)
    assert listed.status_code == 200, listed.text
    rows = listed.json()["data"]
    assert [row["event"]["type"] for row in rows] == SUBMISSION_EVENTS[::-1]
    for row in rows:
        assert row["attempts"] == 1 and row["last_status"] == 200
        assert row["delivered_at"] is not None and row["next_attempt_at"] is None
        assert row["last_error"] is None
    assert [row["event"] for row in rows[::-1]] == [r.event for r in told]
    assert deliver(store) == DeliveryRun()
    assert len(receiver.requests) == 4


def test_failures_are_retried_with_backoff_then_given_up(
    app_client: TestClient, coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    receiver.status = 500
    webhook = register(coalition, f"{receiver.url}/failing")
    assert queue(store, coalition) == 1
    [delivery] = deliveries(store, webhook["id"])
    assert delivery.attempts == 0 and delivery.next_attempt_at is not None

    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        last = attempt == MAX_ATTEMPTS
        assert deliver(store, now) == (DeliveryRun(given_up=1) if last else DeliveryRun(failed=1))
        [delivery] = deliveries(store, webhook["id"])
        assert delivery.attempts == attempt
        assert (delivery.last_status, delivery.last_error) == (500, "HTTP 500")
        assert delivery.delivered_at is None
        if last:
            assert delivery.next_attempt_at is None
            break
        assert delivery.next_attempt_at == now + BACKOFF[attempt - 1]
        # Not a moment before it is due.
        assert deliver(store, delivery.next_attempt_at - timedelta(seconds=1)) == DeliveryRun()
        now = delivery.next_attempt_at

    # The waits grow: 30 s, 2 min, 10 min, 1 h, 6 h, 24 h.
    assert list(BACKOFF) == sorted(BACKOFF) and len(BACKOFF) + 1 == MAX_ATTEMPTS
    # Given up: never sent again, however late it gets.
    assert deliver(store, now + timedelta(days=30)) == DeliveryRun()
    requests = receiver.at("/failing")
    assert len(requests) == MAX_ATTEMPTS
    # Every attempt is the same message (receivers deduplicate on webhook-id), freshly signed.
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    for request in requests:
        check_signature(webhook["secret"], request)

    [row] = app_client.get(
        f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=coalition.headers
    ).json()["data"]
    assert row["attempts"] == MAX_ATTEMPTS
    assert row["delivered_at"] is None and row["next_attempt_at"] is None
    assert (row["last_status"], row["last_error"]) == (500, "HTTP 500")
    # Failing is not a reason to switch the webhook off (410 Gone is).
    [shown] = app_client.get("/api/v1/webhooks", headers=coalition.headers).json()["data"]
    assert shown["active"] is True


def test_a_retry_that_succeeds_is_delivered(
    coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    receiver.statuses = [503]
    webhook = register(coalition, f"{receiver.url}/flaky")
    queue(store, coalition)
    now = utcnow()
    assert deliver(store, now) == DeliveryRun(failed=1)
    assert deliver(store, now + BACKOFF[0]) == DeliveryRun(delivered=1)
    [delivery] = deliveries(store, webhook["id"])
    assert delivery.attempts == 2 and delivery.delivered_at is not None
    assert (delivery.last_status, delivery.last_error, delivery.next_attempt_at) == (
        200,
        None,
        None,
    )
    first, second = receiver.at("/flaky")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_an_unreachable_receiver_is_retried(
    coalition: Actor, register: Register, store: Store
) -> None:
    webhook = register(coalition, f"http://127.0.0.1:{free_port()}/nobody")
    queue(store, coalition)
    now = utcnow()
    assert deliver(store, now) == DeliveryRun(failed=1)
    [delivery] = deliveries(store, webhook["id"])
    assert delivery.attempts == 1 and delivery.last_status is None
    assert delivery.last_error is not None and delivery.last_error.startswith("ConnectError")
    assert delivery.next_attempt_at == now + BACKOFF[0]


def test_an_address_the_client_cannot_call_fails_the_delivery_not_the_run(
    coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    """A webhook stored before its URL was checked as strictly as now is failed and retried
    like any other; the deliveries after it go out."""
    broken = register(coalition, f"{receiver.url}/broken")
    fine = register(coalition, f"{receiver.url}/fine")
    with store.session() as session:
        webhook = session.get(Webhook, broken["id"])
        assert webhook is not None
        webhook.url = "http://hooks..example.org/hook"
        session.add(webhook)
        session.commit()
    queue(store, coalition)
    now = utcnow()
    assert deliver(store, now) == DeliveryRun(delivered=1, failed=1)
    [failed] = deliveries(store, broken["id"])
    assert failed.attempts == 1 and failed.last_status is None
    assert failed.last_error is not None and failed.next_attempt_at == now + BACKOFF[0]
    assert len(receiver.at("/fine")) == 1 and deliveries(store, fine["id"])[0].delivered_at


def test_gone_switches_the_webhook_off(
    app_client: TestClient, coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    receiver.status = 410
    webhook = register(coalition, f"{receiver.url}/gone")
    uid = submit_dataset(app_client, coalition)
    assert deliver(store) == DeliveryRun(given_up=1, skipped=2)
    # One request: the receiver said it is gone, so the two other events are not sent.
    [request] = receiver.at("/gone")
    assert request.event["type"] == "version.submitted"
    [shown] = app_client.get("/api/v1/webhooks", headers=coalition.headers).json()["data"]
    assert shown["active"] is False
    rows = app_client.get(
        f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=coalition.headers
    ).json()["data"]
    assert [(r["event"]["type"], r["attempts"], r["last_status"]) for r in rows] == [
        ("version.under_review", 0, None),
        ("version.screening", 0, None),
        ("version.submitted", 1, 410),
    ]
    for row in rows:
        assert row["next_attempt_at"] is None and row["delivered_at"] is None
    assert [r["last_error"] for r in rows][:2] == ["webhook switched off: 410 Gone"] * 2
    # The switch is in the audit log, by voicescount itself.
    with store.session() as session:
        [entry] = session.exec(
            select(AuditEntry).where(
                AuditEntry.subject == f"webhook:{webhook['id']}",
                AuditEntry.action == "webhook.gone",
            )
        ).all()
    assert entry.actor == "system" and entry.details["status"] == 410
    # Later transitions are not queued for it.
    second = submit_dataset(app_client, coalition)
    assert second != uid
    assert len(deliveries(store, webhook["id"])) == 3
    assert deliver(store) == DeliveryRun()


def test_a_removed_webhook_sends_nothing_more(
    app_client: TestClient, coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    webhook = register(coalition, f"{receiver.url}/removed")
    queue(store, coalition)
    removed = app_client.delete(f"/api/v1/webhooks/{webhook['id']}", headers=coalition.headers)
    assert removed.status_code == 200, removed.text
    assert deliver(store) == DeliveryRun()
    assert receiver.requests == []
    [row] = app_client.get(
        f"/api/v1/webhooks/{webhook['id']}/deliveries", headers=coalition.headers
    ).json()["data"]
    assert (row["attempts"], row["next_attempt_at"], row["last_error"]) == (
        0,
        None,
        "webhook removed",
    )
    assert queue(store, coalition) == 0


def test_a_delivery_is_sent_once_when_two_deliverers_race(
    coalition: Actor, register: Register, receiver: Receiver, store: Store
) -> None:
    """Two server processes (``serve --workers 2``) and cron may deliver at the same time: a
    delivery is claimed before it is sent, so only one of them sends it."""
    register(coalition, f"{receiver.url}/raced")
    for _ in range(20):
        queue(store, coalition)
    start = threading.Barrier(3)
    runs: list[DeliveryRun] = []

    def deliverer() -> None:
        start.wait()
        runs.append(deliver(store))

    threads = [threading.Thread(target=deliverer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(run.delivered for run in runs) == 20
    requests = receiver.at("/raced")
    assert len(requests) == len({r.headers["webhook-id"] for r in requests}) == 20


def test_the_servers_worker_delivers(
    store: Store,
    make_actor: MakeActor,
    receiver: Receiver,
) -> None:
    coalition = make_actor(OrgKind.DATA_PROVIDER, Role.SUBMITTER, country="KE")
    with TestClient(create_app(store.settings(webhook_interval=0.05))) as client:
        created = client.post(
            "/api/v1/webhooks", json={"url": f"{receiver.url}/worker"}, headers=coalition.headers
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        try:
            submit_dataset(client, coalition)
            requests = receiver.wait_for("/worker", 3)
            assert [r.event["type"] for r in requests] == SUBMISSION_EVENTS
            for request in requests:
                check_signature(secret, request)
        finally:
            client.delete(f"/api/v1/webhooks/{created.json()['id']}", headers=coalition.headers)


def test_the_worker_keeps_going_after_a_failed_round(
    coalition: Actor,
    register: Register,
    receiver: Receiver,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = worker_module.deliver_due
    rounds: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> DeliveryRun:
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("the database went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(worker_module, "deliver_due", flaky)
    register(coalition, f"{receiver.url}/steady")
    queue(store, coalition)
    worker = DeliveryWorker(store.engine, interval=0.05)
    worker.start()
    try:
        [request] = receiver.wait_for("/steady", 1)
    finally:
        worker.stop()
    assert request.event["type"] == "test.ping"
    assert len(rounds) >= 2
    assert not worker._thread.is_alive()


def test_a_queued_event_commits_with_its_transition(
    coalition: Actor, register: Register, store: Store
) -> None:
    """Nothing is queued by a transaction that rolls back."""
    webhook = register(coalition, "https://hooks.example.org/rolled-back")
    with store.session() as session:
        organisation = access.get_organisation(session, coalition.org)
        assert organisation.id is not None
        assert notifications.enqueue(session, [organisation.id], {"type": "test.ping"}) == 1
        session.rollback()
    assert deliveries(store, webhook["id"]) == []
    with store.session() as session:
        assert session.get(Webhook, webhook["id"]) is not None
