"""Recording events for the endpoints that subscribe to them (the outbox)."""

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from ocpp_bridge.presenters import iso_precise
from webhooks.dispatch import deliveries_kick
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint

__all__ = ["EventType", "event_body", "webhook_event_record"]


def subscribed_endpoint_ids(*, event_type: str, network_id: Any) -> list[Any]:
    """Enabled endpoints taking `event_type` for a station of `network_id`. One small query:
    endpoints are few, and an endpoint must see events from the moment it exists."""
    endpoints = WebhookEndpoint.objects.filter(enabled=True).values_list(
        "id", "event_types", "network_id"
    )
    return [
        endpoint_id
        for endpoint_id, event_types, endpoint_network in endpoints
        if event_type in event_types and endpoint_network in (None, network_id)
    ]


def webhook_event_record(
    *, event_type: str, data: dict[str, Any], asset_id: Any, network_id: Any
) -> list[WebhookDelivery]:
    """Store the event for each subscribed endpoint, in the caller's transaction, and have it
    sent after commit. Never sends anything itself: the charger path must not wait on it."""
    endpoint_ids = subscribed_endpoint_ids(event_type=event_type, network_id=network_id)
    if not endpoint_ids:
        return []
    event_id, now = uuid.uuid4(), timezone.now()
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
