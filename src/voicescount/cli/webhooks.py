"""``voicescount webhooks …``: send due webhook events from cron, and see an organisation's webhooks.

The server sends due events itself every ``VOICESCOUNT_WEBHOOK_INTERVAL`` seconds. A deployment
that turns that off (``VOICESCOUNT_WEBHOOK_INTERVAL=0``) runs ``voicescount webhooks deliver``
from cron instead, e.g. every minute; running both is safe, each delivery is sent once.
"""

from __future__ import annotations

import click
import httpx
from sqlalchemy import and_, case, func
from sqlmodel import Session, col, select

from voicescount.access import service as access
from voicescount.cli.common import CONTEXT_SETTINGS, cli_session, echo_json, friendly_errors
from voicescount.notifications import service as notifications
from voicescount.storage.tables import Webhook, WebhookDelivery
from voicescount.storage.types import utcnow


@click.group(context_settings=CONTEXT_SETTINGS)
def webhooks() -> None:
    """Webhooks: signed notices of workflow transitions, retried with backoff."""


@webhooks.command("deliver", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--batch",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Deliveries taken up per round; rounds go on until nothing is due.",
)
@friendly_errors
def deliver(batch: int) -> None:
    """Send every webhook event that is due, one attempt each, and exit (run it from cron).

    Prints how many were delivered, failed (to be retried after the backoff) and given up
    (the last attempt failed, or the receiver answered 410 Gone). Failed deliveries do not
    make the command fail: they are retried by a later run.
    """
    total = notifications.DeliveryRun()
    # One "now" for the whole run: a delivery that fails is due again only after its backoff,
    # so no round takes it up twice and the rounds end.
    now = utcnow()
    with cli_session() as session, httpx.Client(follow_redirects=False) as client:
        while True:
            run = notifications.deliver_due(session, client, now=now, limit=batch)
            total.delivered += run.delivered
            total.failed += run.failed
            total.given_up += run.given_up
            total.skipped += run.skipped
            if run.handled < batch:
                break
    click.echo(
        f"webhooks: {total.delivered} delivered, {total.failed} failed (to retry), "
        f"{total.given_up} given up"
    )


@webhooks.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--org", "organisation", required=True, help="The organisation's slug.")
@click.option("--json", "as_json", is_flag=True, help="Print the webhooks as JSON.")
@friendly_errors
def list_webhooks(organisation: str, as_json: bool) -> None:
    """List an organisation's webhooks and how their deliveries went (never their secrets)."""
    with cli_session() as session:
        found = access.get_organisation(session, organisation)
        hooks = session.exec(
            select(Webhook).where(Webhook.organisation_id == found.id).order_by(col(Webhook.id))
        ).all()
        counts = _delivery_counts(session, [h.id for h in hooks if h.id is not None])
    rows = [
        {
            "id": hook.id,
            "url": hook.url,
            "active": hook.active,
            "created_at": hook.created_at.isoformat(),
            "created_by": hook.created_by,
            **counts.get(hook.id or 0, {"delivered": 0, "pending": 0, "given_up": 0}),
        }
        for hook in hooks
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        state = "active" if row["active"] else "off"
        click.echo(
            f"{row['id']:<6} {state:<6} {row['url']}  "
            f"({row['delivered']} delivered, {row['pending']} pending, "
            f"{row['given_up']} given up)"
        )


def _delivery_counts(session: Session, webhook_ids: list[int]) -> dict[int, dict[str, int]]:
    if not webhook_ids:
        return {}
    undelivered = col(WebhookDelivery.delivered_at).is_(None)
    scheduled = col(WebhookDelivery.next_attempt_at).is_not(None)
    stopped = col(WebhookDelivery.next_attempt_at).is_(None)
    statement = (
        select(
            WebhookDelivery.webhook_id,
            func.count(col(WebhookDelivery.delivered_at)),
            func.sum(case((and_(undelivered, scheduled), 1), else_=0)),
            func.sum(case((and_(undelivered, stopped), 1), else_=0)),
        )
        .where(col(WebhookDelivery.webhook_id).in_(webhook_ids))
        .group_by(col(WebhookDelivery.webhook_id))
    )
    return {
        webhook_id: {
            "delivered": int(delivered),
            "pending": int(pending or 0),
            "given_up": int(given_up or 0),
        }
        for webhook_id, delivered, pending, given_up in session.exec(statement)
    }
