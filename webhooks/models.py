"""Webhook endpoints and the deliveries of events to them.

A delivery carries its event (id, type, time, data) itself: the event is written once per
subscribed endpoint in the transaction that caused it, so the charger path costs one insert
per event and nothing is lost between that commit and the POST.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models

from csms.models import TimestampedModel
from networks.models import Network


class EventType(models.TextChoices):
    OCPP_MESSAGE = "ocpp.message", "every OCPP frame to and from stations"
    ASSET_CONNECTIVITY = "asset.connectivity", "a station connected or disconnected"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(TimestampedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, help_text="The event types it subscribes to.")
    network = models.ForeignKey(
        Network,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        help_text="Only events of this network's stations; empty: every network.",
    )
    # Needed in clear to sign; shown to the API client once, at creation (or rotation).
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=100, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The current run of failed attempts: since when, and how many.
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_endpoints",
    )

    class Meta:
        ordering = ("created_at",)

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", "waiting for its next attempt"
    SUCCEEDED = "succeeded"
    FAILED = "failed", "every attempt failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint, from creation until a 2xx or the last retry."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No database constraint: its check would lock the endpoint row (FOR KEY SHARE) from the
    # charger path's transaction, which must never wait on the senders or the admin. Deleting
    # an endpoint still deletes its deliveries (Django's cascade); a row written for an endpoint
    # deleted meanwhile is never sent and is pruned (webhooks.services.deliveries_prune).
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    event_id = models.UUIDField(db_index=True)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    event_created_at = models.DateTimeField()
    data = models.JSONField()
    asset_id = models.UUIDField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender holds the delivery until then; past it (the sender died) it may be taken again.
    leased_until = models.DateTimeField(null=True, blank=True)
    resend_requested = models.BooleanField(default=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at",)
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=("state", "next_attempt_at")),
            models.Index(fields=("endpoint", "created_at")),
            # A claim reads each endpoint's first due deliveries, however long its backlog
            # (webhooks.statements.DUE_PER_ENDPOINT), and the leased ones to count in flight.
            models.Index(
                fields=("endpoint", "next_attempt_at", "created_at"),
                condition=models.Q(state="pending"),
                name="delivery_due_per_endpoint",
            ),
            models.Index(
                fields=("endpoint",),
                condition=models.Q(leased_until__isnull=False),
                name="delivery_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came of it."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    manual = models.BooleanField(default=False, help_text="Asked for by a resend.")
    attempted_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 200 characters.")

    class Meta:
        ordering = ("delivery", "number")

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
