"""Reading endpoints and deliveries, within what an API client may see."""

from typing import Any

from django.db.models import QuerySet

from api.identifiers import is_uuid
from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoints_visible(*, network_ids: set[Any] | None) -> QuerySet[WebhookEndpoint]:
    """A client restricted to networks sees the endpoints of its networks only; an endpoint
    for every network (no network) is seen by unrestricted clients only."""
    endpoints = WebhookEndpoint.objects.all()
    return endpoints if network_ids is None else endpoints.filter(network_id__in=network_ids)


def endpoint_visible_get(
    *, network_ids: set[Any] | None, endpoint_id: str
) -> WebhookEndpoint | None:
    if not is_uuid(endpoint_id):
        return None
    return endpoints_visible(network_ids=network_ids).filter(pk=endpoint_id).first()


def deliveries_of(
    *, endpoint: WebhookEndpoint, state: str | None = None, event_type: str | None = None
) -> QuerySet[WebhookDelivery]:
    deliveries = endpoint.deliveries.all()
    if state:
        deliveries = deliveries.filter(state=state)
    if event_type:
        deliveries = deliveries.filter(event_type=event_type)
    return deliveries


def delivery_of(*, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery | None:
    if not is_uuid(delivery_id):
        return None
    return (
        endpoint.deliveries.select_related("endpoint")
        .prefetch_related("attempts")
        .filter(pk=delivery_id)
        .first()
    )
