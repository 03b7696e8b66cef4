"""Recording events for the endpoints that subscribe to them (the outbox)."""

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from ocpp_bridge.api.presenters import iso_precise
from webhooks.dispatch import deliveries_kick
from webhooks.models import EventType, WebhookDelivery
from webhooks.subscriptions import subscribed_endpoint_ids

__all__ = ["EventType", "event_body", "webhook_events_record"]


def webhook_events_record(
    *, event_type: str, events: list[dict[str, Any]], asset_id: Any, network_id: Any
) -> list[WebhookDelivery]:
    """Store events (their `data`) for each subscribed endpoint, in the caller's transaction,
    and have them sent after commit. Never sends anything itself: the charger path must not
    wait on it. With no subscriber, touches no database."""
    endpoint_ids = subscribed_endpoint_ids(event_type=event_type, network_id=network_id)
    if not endpoint_ids or not events:
        return []
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            event_created_at=now,
            data=data,
            asset_id=asset_id,
            next_attempt_at=now,
        )
        for event_id, data in ((uuid.uuid4(), data) for data in events)
        for endpoint_id in endpoint_ids
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: deliveries_kick(ids))
    return deliveries


def event_body(delivery: WebhookDelivery) -> dict[str, Any]:
    """What the receiver gets: the event, the same for every endpoint."""
    return {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "createdAt": iso_precise(delivery.event_created_at),
        "data": delivery.data,
    }
