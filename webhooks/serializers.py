"""Request shapes of the webhook endpoints, their representations and documented answers."""

from typing import Any

from rest_framework import serializers

from assets.apis.schemas import envelope, shape
from ocpp_bridge.api.presenters import iso, iso_precise
from webhooks.events import event_body
from webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.posting import RESPONSE_EXCERPT_CHARS


def endpoint_data(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    data = {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": endpoint.event_types,
        "networkId": str(endpoint.network_id) if endpoint.network_id else None,
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason or None,
        "disabledAt": iso(endpoint.disabled_at),
        "failingSince": iso(endpoint.failing_since),
        "consecutiveFailures": endpoint.consecutive_failures,
        "lastSuccessAt": iso(endpoint.last_success_at),
        "createdAt": iso(endpoint.created_at),
        "updatedAt": iso(endpoint.updated_at),
    }
    if with_secret:
        data["secret"] = endpoint.secret
    return data


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.pk),
        "endpointId": str(delivery.endpoint_id),
        "eventId": str(delivery.event_id),
        "eventType": delivery.event_type,
        "state": delivery.state,
        "attemptCount": delivery.attempt_count,
        "nextAttemptAt": iso(delivery.next_attempt_at),
        "lastAttemptAt": iso(delivery.last_attempt_at),
        "lastStatusCode": delivery.last_status_code,
        "lastError": delivery.last_error or None,
        "succeededAt": iso(delivery.succeeded_at),
        "createdAt": iso_precise(delivery.created_at),
    }


def delivery_detail(delivery: WebhookDelivery) -> dict[str, Any]:
    data = delivery_data(delivery)
    data["event"] = event_body(delivery)
    data["attempts"] = [
        {
            "number": attempt.number,
            "manual": attempt.manual,
            "attemptedAt": iso_precise(attempt.attempted_at),
            "durationMs": attempt.duration_ms,
            "statusCode": attempt.status_code,
            "succeeded": attempt.succeeded,
            "error": attempt.error or None,
            "responseBody": attempt.response_body[:RESPONSE_EXCERPT_CHARS],
        }
        for attempt in delivery.attempts.all()
    ]
    return data


class HttpUrlField(serializers.URLField):
    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        if not url.lower().startswith(("http://", "https://")):
            raise serializers.ValidationError("Give an http:// or https:// URL.")
        return url


class EndpointWriteSerializer(serializers.Serializer):
    """POST creates with these (url and eventTypes required); PATCH changes those it names."""

    url = HttpUrlField(max_length=2000, help_text="Where events are POSTed (http or https)")
    eventTypes = serializers.ListField(
        source="event_types",
        child=serializers.ChoiceField(choices=EventType.values),
        allow_empty=False,
        help_text="The event types to receive",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    networkId = serializers.UUIDField(
        source="network_id",
        required=False,
        allow_null=True,
        help_text="Only events of this network's stations; null: every network (only clients "
        "not restricted to networks may create such endpoints)",
    )
    enabled = serializers.BooleanField(
        required=False, help_text="false stops deliveries; true re-enables a disabled endpoint"
    )


class DeliveryFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=DeliveryState.values, required=False)
    eventType = serializers.ChoiceField(choices=EventType.values, required=False)


Endpoint = shape(
    "WebhookEndpoint",
    {
        "id": serializers.UUIDField(),
        "url": serializers.URLField(),
        "description": serializers.CharField(),
        "eventTypes": serializers.ListField(child=serializers.CharField()),
        "networkId": serializers.UUIDField(allow_null=True),
        "enabled": serializers.BooleanField(),
        "disabledReason": serializers.CharField(allow_null=True),
        "disabledAt": serializers.DateTimeField(allow_null=True),
        "failingSince": serializers.DateTimeField(
            allow_null=True, help_text="First failed attempt since the last success"
        ),
        "consecutiveFailures": serializers.IntegerField(),
        "lastSuccessAt": serializers.DateTimeField(allow_null=True),
        "createdAt": serializers.DateTimeField(),
        "updatedAt": serializers.DateTimeField(),
    },
)
EndpointWithSecret = shape(
    "WebhookEndpointWithSecret",
    {
        **Endpoint._declared_fields,
        "secret": serializers.CharField(
            help_text="The signing secret: shown here only, store it now"
        ),
    },
)
Delivery = shape(
    "WebhookDelivery",
    {
        "id": serializers.UUIDField(),
        "endpointId": serializers.UUIDField(),
        "eventId": serializers.UUIDField(),
        "eventType": serializers.CharField(),
        "state": serializers.CharField(help_text="pending, succeeded or failed"),
        "attemptCount": serializers.IntegerField(),
        "nextAttemptAt": serializers.DateTimeField(allow_null=True),
        "lastAttemptAt": serializers.DateTimeField(allow_null=True),
        "lastStatusCode": serializers.IntegerField(allow_null=True),
        "lastError": serializers.CharField(allow_null=True),
        "succeededAt": serializers.DateTimeField(allow_null=True),
        "createdAt": serializers.DateTimeField(),
    },
)
Event = shape(
    "WebhookEvent",
    {
        "id": serializers.UUIDField(),
        "type": serializers.CharField(),
        "createdAt": serializers.DateTimeField(),
        "data": serializers.DictField(),
    },
)
Attempt = shape(
    "WebhookAttempt",
    {
        "number": serializers.IntegerField(),
        "manual": serializers.BooleanField(help_text="Asked for by a resend"),
        "attemptedAt": serializers.DateTimeField(),
        "durationMs": serializers.IntegerField(),
        "statusCode": serializers.IntegerField(allow_null=True),
        "succeeded": serializers.BooleanField(),
        "error": serializers.CharField(allow_null=True),
        "responseBody": serializers.CharField(),
    },
)
DeliveryDetail = shape(
    "WebhookDeliveryDetail",
    {**Delivery._declared_fields, "event": Event(), "attempts": Attempt(many=True)},
)
EventTypeItem = shape(
    "WebhookEventType", {"type": serializers.CharField(), "description": serializers.CharField()}
)

EndpointEnvelope = envelope(Endpoint)
EndpointWithSecretEnvelope = envelope(EndpointWithSecret)
DeliveryDetailEnvelope = envelope(DeliveryDetail)
EventTypeList = shape(
    "WebhookEventTypeList",
    {"data": shape("WebhookEventTypeItems", {"items": EventTypeItem(many=True)})()},
)
