"""Webhooks: registration, events queued with the change that caused them, delivery with retries.

An event is queued in the same transaction as the workflow transition it reports, so a
receiver is never told of a change that was rolled back, and none is lost if the process stops:
:func:`deliver_due` sends what is due, from a background thread of the server or from
``voicescount webhooks deliver`` run by cron. A delivery that fails is retried after
:data:`BACKOFF` (30 s, 2 min, 10 min, 1 h, 6 h, 24 h); after the last attempt it is given up and
stays listed with its last error. A receiver that answers 410 Gone has its webhook switched off.

Several deliverers may run at once (``serve --workers N`` runs one worker per process, and cron
may run ``voicescount webhooks deliver`` too): each delivery is claimed with a conditional
``UPDATE`` before it is sent, so only one of them sends it. A deliverer that dies after claiming
leaves the delivery to be retried once the claim (:data:`CLAIM`) has run out: delivery is at least
once, and receivers deduplicate on ``webhook-id``, which stays the same across retries.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from voicescount import __version__
from voicescount.access.roles import Principal
from voicescount.errors import InvalidInput, NotFound
from voicescount.notifications import signing
from voicescount.provenance import audit
from voicescount.storage.tables import Webhook, WebhookDelivery
from voicescount.storage.types import utcnow

#: Waits before the 2nd, 3rd, … attempt; one attempt more than there are waits.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: How long a deliverer holds a delivery it is sending before another may take it up again.
CLAIM = timedelta(minutes=5)
TIMEOUT = httpx.Timeout(10.0)
USER_AGENT = f"voicescount-webhooks/{__version__}"


@dataclass(frozen=True)
class Registered:
    webhook: Webhook
    #: Shown once, at registration: the receiver needs it to check signatures.
    secret: str


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` spells, if it is one; including the legacy IPv4 forms that
    resolvers accept (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def _http_host(url: str) -> str | None:
    """The host of ``url`` if it is an absolute http(s) URL the client can call, else None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # a port that is not a number in range raises ValueError
        _ = httpx.URL(url).host  # the client decodes the host (IDNA) when it sends
        if host and _ip_literal(host) is None:
            host.encode("idna")  # as the client does before it connects (empty or long labels)
    except (ValueError, httpx.InvalidURL):
        return None
    if parts.scheme not in ("https", "http") or not host:
        return None
    return host


def _is_private(host: str) -> bool:
    host = host.rstrip(".")
    address = _ip_literal(host)
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or (address is not None and not address.is_global)
    )


def _check_url(url: str, *, allow_private: bool) -> str:
    url = url.strip()
    problems = []
    host = _http_host(url)
    if host is None:
        problems.append("must be an absolute http:// or https:// URL")
    elif not allow_private and _is_private(host):
        problems.append(
            "points at a private or local address; this deployment only calls public "
            "receivers (VOICESCOUNT_WEBHOOK_ALLOW_PRIVATE=true lifts that)"
        )
    if len(url) > 1000:
        problems.append("at most 1,000 characters")
    if problems:
        raise InvalidInput(
            "The webhook cannot be registered.",
            errors=[{"field": "url", "message": m} for m in problems],
        )
    return url


def register(
    session: Session, principal: Principal, url: str, *, allow_private: bool = False
) -> Registered:
    """A webhook for the caller's organisation, with a new signing secret.

    Any key of an organisation may manage its webhooks: they only ever carry news the
    organisation can already read through the API."""
    secret = signing.new_secret()
    webhook = Webhook(
        organisation_id=principal.organisation_id,
        url=_check_url(url, allow_private=allow_private),
        secret=secret,
        created_by=principal.actor,
    )
    session.add(webhook)
    session.flush()
    audit.append(
        session,
        actor=principal.actor,
        action="webhook.register",
        subject=f"webhook:{webhook.id}",
        details={"url": webhook.url, "organisation": principal.organisation_slug},
    )
    session.commit()
    return Registered(webhook, secret)


def webhooks_of(session: Session, principal: Principal) -> list[Webhook]:
    statement = (
        select(Webhook)
        .where(Webhook.organisation_id == principal.organisation_id)
        .order_by(col(Webhook.id))
    )
    return list(session.exec(statement))


def get_webhook(session: Session, principal: Principal, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.organisation_id != principal.organisation_id:
        raise NotFound("webhook", str(webhook_id))
    return webhook


def remove(session: Session, principal: Principal, webhook_id: int) -> Webhook:
    """Switch a webhook off; its deliveries stay listed."""
    webhook = get_webhook(session, principal, webhook_id)
    webhook.active = False
    session.add(webhook)
    _stop_pending(session, webhook_id, "webhook removed")
    audit.append(
        session,
        actor=principal.actor,
        action="webhook.remove",
        subject=f"webhook:{webhook_id}",
        details={"url": webhook.url},
    )
    session.commit()
    return webhook


def _stop_pending(
    session: Session, webhook_id: int, reason: str, *, keep: int | None = None
) -> None:
    """Stop the deliveries of a webhook that are still to be sent (all but ``keep``)."""
    for delivery in session.exec(
        select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook_id, col(WebhookDelivery.delivered_at).is_(None)
        )
    ):
        if delivery.id == keep:
            continue
        delivery.next_attempt_at = None
        delivery.last_error = delivery.last_error or reason
        session.add(delivery)


def deliveries_of(
    session: Session, principal: Principal, webhook_id: int, *, limit: int = 100
) -> list[WebhookDelivery]:
    get_webhook(session, principal, webhook_id)
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(col(WebhookDelivery.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement))


def enqueue(session: Session, organisation_ids: Iterable[int], event: dict[str, Any]) -> int:
    """Queue ``event`` for every active webhook of the organisations, in the caller's
    transaction; returns how many deliveries were queued."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return 0
    hooks = session.exec(
        select(Webhook).where(col(Webhook.organisation_id).in_(ids), col(Webhook.active))
    ).all()
    for hook in hooks:
        assert hook.id is not None
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event={"id": f"msg_{uuid.uuid4().hex}", **event},
            )
        )
    return len(hooks)


@dataclass
class DeliveryRun:
    delivered: int = 0
    #: Failed this time; to be retried after the backoff.
    failed: int = 0
    #: Failed for the last time, or answered 410 Gone.
    given_up: int = 0
    #: Due but not sent: the webhook was switched off, or another deliverer took it up.
    skipped: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.failed + self.given_up + self.skipped


def deliver_due(
    session: Session,
    client: httpx.Client,
    *,
    now: datetime | None = None,
    limit: int = 100,
) -> DeliveryRun:
    """Send deliveries that are due at ``now`` (default: now), oldest first, at most ``limit``
    of them, one attempt each; commits after each one."""
    now = now or utcnow()
    run = DeliveryRun()
    due = session.exec(
        select(WebhookDelivery.id)
        .where(
            col(WebhookDelivery.delivered_at).is_(None),
            col(WebhookDelivery.next_attempt_at).is_not(None),
            col(WebhookDelivery.next_attempt_at) <= now,
        )
        .order_by(col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    session.commit()  # end the read: each delivery is claimed and recorded in its own transaction
    for delivery_id in due:
        assert delivery_id is not None
        if not _claim(session, delivery_id, now):
            run.skipped += 1
            continue
        delivery = session.get(WebhookDelivery, delivery_id, populate_existing=True)
        assert delivery is not None
        webhook = session.get(Webhook, delivery.webhook_id, populate_existing=True)
        if webhook is None or not webhook.active:
            delivery.next_attempt_at = None
            delivery.last_error = delivery.last_error or "webhook switched off"
            session.add(delivery)
            session.commit()
            run.skipped += 1
            continue
        outcome = _attempt(client, webhook, delivery.event)
        delivery.attempts += 1
        delivery.last_status = outcome.status
        delivery.last_error = outcome.error
        if outcome.delivered:
            delivery.delivered_at = utcnow()
            delivery.next_attempt_at = None
            run.delivered += 1
        elif outcome.status == 410:
            _switch_off(session, webhook, keep=delivery_id)
            delivery.next_attempt_at = None
            run.given_up += 1
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.next_attempt_at = None
            run.given_up += 1
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
            run.failed += 1
        session.add(delivery)
        session.commit()
    return run


def _claim(session: Session, delivery_id: int, now: datetime) -> bool:
    """Take up a due delivery, unless another deliverer has: whoever moves its
    ``next_attempt_at`` past ``now`` first sends it."""
    result = session.execute(
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.id) == delivery_id,
            col(WebhookDelivery.delivered_at).is_(None),
            col(WebhookDelivery.next_attempt_at).is_not(None),
            col(WebhookDelivery.next_attempt_at) <= now,
        )
        # From the later of ``now`` and the clock: a run given an early ``now`` (cron's, set
        # when it started) still holds what it sends for the whole CLAIM.
        .values(next_attempt_at=max(now, utcnow()) + CLAIM)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _switch_off(session: Session, webhook: Webhook, *, keep: int) -> None:
    """The receiver answered 410 Gone: switch its webhook off and stop what is still queued."""
    assert webhook.id is not None
    webhook.active = False
    session.add(webhook)
    _stop_pending(session, webhook.id, "webhook switched off: 410 Gone", keep=keep)
    audit.append(
        session,
        actor="system",
        action="webhook.gone",
        subject=f"webhook:{webhook.id}",
        details={"url": webhook.url, "status": 410},
    )


@dataclass(frozen=True)
class _Outcome:
    delivered: bool
    status: int | None
    error: str | None


def _attempt(client: httpx.Client, webhook: Webhook, event: dict[str, Any]) -> _Outcome:
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **signing.headers(webhook.secret, event["id"], int(time.time()), body),
    }
    try:
        response = client.post(webhook.url, content=body, headers=headers, timeout=TIMEOUT)
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
        # ValueError: a host name the client cannot encode (IDNA); the attempt failed all the same.
        return _Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= response.status_code < 300:
        return _Outcome(True, response.status_code, None)
    return _Outcome(False, response.status_code, f"HTTP {response.status_code}")
