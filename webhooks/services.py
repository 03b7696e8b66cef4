"""Managing webhook endpoints and their deliveries."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.addresses import url_check
from webhooks.dispatch import deliveries_kick
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint, new_secret


def endpoint_create(
    *,
    url: str,
    event_types: list[str],
    description: str = "",
    network_id: Any = None,
    created_by: Any = None,
    enabled: bool = True,
) -> WebhookEndpoint:
    """Raises UrlRefusedError for a URL webhooks may not go to (webhooks.addresses)."""
    url_check(url)
    return WebhookEndpoint.objects.create(
        url=url,
        event_types=sorted(set(event_types)),
        description=description,
        network_id=network_id,
        created_by=created_by,
        enabled=enabled,
    )


def endpoint_update(*, endpoint: WebhookEndpoint, changes: dict[str, Any]) -> WebhookEndpoint:
    """Change the given fields. Enabling an endpoint starts a fresh count of failures, and
    deliveries that waited while it was disabled go out on their schedule again. Raises
    UrlRefusedError for a URL webhooks may not go to."""
    if "url" in changes:
        url_check(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = sorted(set(changes["event_types"]))
    if changes.get("enabled") and not endpoint.enabled:
        endpoint.disabled_at, endpoint.disabled_reason = None, ""
        endpoint.failing_since, endpoint.consecutive_failures = None, 0
    elif changes.get("enabled") is False and endpoint.enabled:
        endpoint.disabled_at, endpoint.disabled_reason = timezone.now(), "disabled by a client"
    for field, value in changes.items():
        setattr(endpoint, field, value)
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new signing secret, used from the next attempt on."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint, its deliveries and their attempts. A sender recording an attempt
    holds its delivery's row lock (webhooks.sending.deliveries_record): lock them first, in the
    senders' order, so that the attempts it adds are seen and deleted too, or it finds the
    delivery gone; collecting them unlocked left its attempt pointing at a deleted row."""
    with transaction.atomic():
        list(
            WebhookDelivery.objects.select_for_update()
            .filter(endpoint=endpoint)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        endpoint.delete()


class ResendRefusedError(Exception):
    pass


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery again now, whatever its state (a receiver that lost an event asks for
    it again; the event id stays the same, so it can tell a repeat). A failure afterwards
    follows the retry schedule from where the delivery was."""
    if not delivery.endpoint.enabled:
        raise ResendRefusedError("The endpoint is disabled: enable it first.")
    now = timezone.now()
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.PENDING, next_attempt_at=now, resend_requested=True
        )
        transaction.on_commit(lambda: deliveries_kick([delivery.pk]))
    delivery.refresh_from_db()
    return delivery


def deliveries_prune(*, now: Any = None) -> int:
    """Forget finished deliveries older than the retention period, and deliveries written for
    an endpoint deleted meanwhile (no constraint stops them: webhooks.models)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(
        created_at__lt=cutoff, state__in=[DeliveryState.SUCCEEDED, DeliveryState.FAILED]
    ).delete()
    orphans, _ = WebhookDelivery.objects.exclude(
        endpoint_id__in=WebhookEndpoint.objects.values("pk")
    ).delete()
    return deleted + orphans
