"""/webhooks/v1: endpoints that receive events, and their deliveries.

Network rule (as for tokens): a client restricted to networks manages only endpoints of its
networks, which receive only events of those networks' stations.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids, network_choice_check
from api.errors import ApiError, not_found
from api.openapi import errors
from api.pagination import PaginatedView, one
from webhooks.addresses import UrlRefusedError
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from webhooks.selectors import (
    deliveries_of,
    delivery_of,
    endpoint_visible_get,
    endpoints_visible,
)
from webhooks.serializers import (
    Delivery,
    DeliveryDetailEnvelope,
    DeliveryFilterSerializer,
    Endpoint,
    EndpointEnvelope,
    EndpointWithSecretEnvelope,
    EndpointWriteSerializer,
    EventTypeList,
    delivery_data,
    delivery_detail,
    endpoint_data,
)
from webhooks.services import (
    ResendRefusedError,
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_rotate_secret,
    endpoint_update,
)

TAGS = ["Webhooks"]
READ = [["read:webhooks"]]
WRITE = [["write:webhooks"]]
ENDPOINT_NOT_FOUND = {404: "webhook_endpoint_not_found (also outside your networks)"}
URL_REFUSED = {
    400: "invalid_request, webhook_url_not_https (http only where the server allows it), "
    "webhook_url_not_public (a private, loopback, link-local or mapped address)"
}


def visible_endpoint(request: Request, endpoint_id: str) -> WebhookEndpoint:
    endpoint = endpoint_visible_get(
        network_ids=client_network_ids(request), endpoint_id=endpoint_id
    )
    if endpoint is None:
        raise not_found("webhook_endpoint", endpoint_id)
    return endpoint


@contextmanager
def url_refusal_as_400() -> Iterator[None]:
    try:
        yield
    except UrlRefusedError as refused:
        raise ApiError(
            status.HTTP_400_BAD_REQUEST, refused.code, refused.message, {"field": "url"}
        ) from None


def endpoint_delivery(request: Request, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    delivery = delivery_of(endpoint=visible_endpoint(request, endpoint_id), delivery_id=delivery_id)
    if delivery is None:
        raise not_found("webhook_delivery", delivery_id)
    return delivery


class EventTypeListView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": READ}

    @extend_schema(
        operation_id="webhook_event_types",
        summary="The event types an endpoint can subscribe to",
        responses={200: EventTypeList, **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        items = [{"type": t.value, "description": t.label} for t in EventType]
        return Response({"data": {"items": items}})


class EndpointListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": READ, "POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="List webhook endpoints, oldest first",
        responses={200: Endpoint(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        endpoints = endpoints_visible(network_ids=client_network_ids(request))
        return self.page(endpoints, endpoint_data)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Create a webhook endpoint; the answer shows its signing secret, once",
        request=EndpointWriteSerializer,
        responses={201: EndpointWithSecretEnvelope, **errors(URL_REFUSED)},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = EndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        network_choice_check(request, values.get("network_id"))
        with url_refusal_as_400():
            endpoint = endpoint_create(
                created_by=getattr(request.auth, "application", None), **values
            )
        return one(endpoint_data(endpoint, with_secret=True), http_status=status.HTTP_201_CREATED)


class EndpointDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": READ, "PATCH": WRITE, "DELETE": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_read",
        summary="Read a webhook endpoint",
        responses={200: EndpointEnvelope, **errors(ENDPOINT_NOT_FOUND)},
        tags=TAGS,
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        return one(endpoint_data(visible_endpoint(request, endpoint_id)))

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint (url, event types, enable / disable, ...)",
        request=EndpointWriteSerializer(partial=True),
        responses={200: EndpointEnvelope, **errors({**ENDPOINT_NOT_FOUND, **URL_REFUSED})},
        tags=TAGS,
    )
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = visible_endpoint(request, endpoint_id)
        body = EndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        if "network_id" in changes:
            network_choice_check(request, changes["network_id"])
        with url_refusal_as_400():
            endpoint = endpoint_update(endpoint=endpoint, changes=changes)
        return one(endpoint_data(endpoint))

    @extend_schema(
        operation_id="webhook_endpoints_delete",
        summary="Delete a webhook endpoint and its deliveries",
        responses={204: None, **errors(ENDPOINT_NOT_FOUND)},
        tags=TAGS,
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        endpoint_delete(endpoint=visible_endpoint(request, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="Replace the signing secret; the answer shows the new one, once",
        request=None,
        responses={200: EndpointWithSecretEnvelope, **errors(ENDPOINT_NOT_FOUND)},
        tags=TAGS,
    )
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = endpoint_rotate_secret(endpoint=visible_endpoint(request, endpoint_id))
        return one(endpoint_data(endpoint, with_secret=True))


class DeliveryListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": READ}

    @extend_schema(
        operation_id="webhook_deliveries_list",
        summary="List an endpoint's deliveries, oldest first",
        parameters=[DeliveryFilterSerializer],
        responses={200: Delivery(many=True), **errors(ENDPOINT_NOT_FOUND)},
        tags=TAGS,
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = visible_endpoint(request, endpoint_id)
        query = DeliveryFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deliveries = deliveries_of(
            endpoint=endpoint,
            state=query.validated_data.get("state"),
            event_type=query.validated_data.get("eventType"),
        )
        return self.page(deliveries, delivery_data)


class DeliveryDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": READ}

    @extend_schema(
        operation_id="webhook_deliveries_read",
        summary="Read a delivery: its event and every attempt",
        responses={200: DeliveryDetailEnvelope, **errors({404: "webhook_delivery_not_found"})},
        tags=TAGS,
    )
    def get(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        return one(delivery_detail(endpoint_delivery(request, endpoint_id, delivery_id)))


class DeliveryResendView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_deliveries_resend",
        summary="Send a delivery again now (same event id); answers before it is sent",
        request=None,
        responses={
            202: DeliveryDetailEnvelope,
            **errors({404: "webhook_delivery_not_found", 409: "endpoint_disabled"}),
        },
        tags=TAGS,
    )
    def post(self, request: Request, endpoint_id: str, delivery_id: str) -> Response:
        delivery = endpoint_delivery(request, endpoint_id, delivery_id)
        try:
            delivery = delivery_resend(delivery=delivery)
        except ResendRefusedError as error:
            raise ApiError(status.HTTP_409_CONFLICT, "endpoint_disabled", str(error)) from None
        return one(delivery_detail(delivery), http_status=status.HTTP_202_ACCEPTED)
