"""Webhooks: register an endpoint to be told of workflow transitions; list deliveries."""

from __future__ import annotations

from fastapi import APIRouter, status

from voicescount.api.deps import PrincipalDep, SessionDep, SettingsDep
from voicescount.api.schemas.review import (
    DeliveriesPublic,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPublic,
)
from voicescount.notifications import service as notifications
from voicescount.storage.tables import Webhook

router = APIRouter(tags=["webhooks"])


def _public(webhook: Webhook) -> WebhookPublic:
    assert webhook.id is not None
    return WebhookPublic(
        id=webhook.id,
        url=webhook.url,
        active=webhook.active,
        created_at=webhook.created_at,
        created_by=webhook.created_by,
    )


@router.post(
    "/webhooks",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Register a webhook for your organisation; the signing secret is shown only now",
)
def register(
    body: WebhookCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> WebhookCreated:
    registered = notifications.register(
        session, principal, body.url, allow_private=settings.webhook_allow_private
    )
    return WebhookCreated(**_public(registered.webhook).model_dump(), secret=registered.secret)


@router.get("/webhooks", response_model=WebhooksPublic, summary="Your organisation's webhooks")
def list_webhooks(session: SessionDep, principal: PrincipalDep) -> WebhooksPublic:
    return WebhooksPublic(data=[_public(w) for w in notifications.webhooks_of(session, principal)])


@router.delete(
    "/webhooks/{webhook_id}", response_model=WebhookPublic, summary="Switch a webhook off"
)
def remove(webhook_id: int, session: SessionDep, principal: PrincipalDep) -> WebhookPublic:
    return _public(notifications.remove(session, principal, webhook_id))


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveriesPublic,
    summary="Recent deliveries of a webhook: attempts, status, next retry",
)
def deliveries(webhook_id: int, session: SessionDep, principal: PrincipalDep) -> DeliveriesPublic:
    rows = notifications.deliveries_of(session, principal, webhook_id)
    return DeliveriesPublic(
        data=[
            DeliveryPublic(
                id=d.id or 0,
                event=d.event,
                attempts=d.attempts,
                delivered_at=d.delivered_at,
                next_attempt_at=d.next_attempt_at,
                last_status=d.last_status,
                last_error=d.last_error,
                created_at=d.created_at,
            )
            for d in rows
        ]
    )
