"""The platform's legacy OCPP 1.6-era endpoints, served for every protocol."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get
from assets.models import Asset
from ocpp_bridge.api.call_responses import (
    ERRORS_DOC,
    command_station,
    refusals_as_api_errors,
    requester,
)
from ocpp_bridge.api.presenters import raw_request_answer
from ocpp_bridge.api.serializers import (
    RawRequestAnswerSerializer,
    RemoteStartSerializer,
    RemoteStopSerializer,
    ResetSerializer,
)
from ocpp_bridge.api.stop_target import stop_target_session
from ocpp_bridge.calls.create import station_version
from ocpp_bridge.calls.station_reset import station_reset
from ocpp_bridge.protocol.command_messages import (
    Message,
    remote_start_message,
    remote_stop_message,
)
from ocpp_bridge.protocol.versions import OcppVersion


def version_of(asset: Asset) -> OcppVersion:
    with refusals_as_api_errors():
        return station_version(asset)


def send(request: Request, asset: Asset, message: Message, request_id: str | None) -> Response:
    action, payload = message
    call = command_station(
        request, asset=asset, action=action, payload=payload, wait=False,
        message_id=request_id, source="legacy",
    )  # fmt: skip
    return Response(raw_request_answer(call))


def legacy_schema(
    operation_id: str,
    body: type[serializers.Serializer],
    errors: dict[int, OpenApiResponse] | None = None,
) -> Any:
    return extend_schema(
        operation_id=operation_id,
        request=body,
        responses={200: RawRequestAnswerSerializer, **ERRORS_DOC, **(errors or {})},
        tags=["OCPP (legacy)"],
    )


# The remote stop's own 409 beside the shared ones.
REMOTE_STOP_CONFLICT = OpenApiResponse(
    description="ambiguous_transaction: the ocppTransactionId names sessions of several stations "
    "(details.stations says how many); nothing is sent: give chargingStationId or sessionId / "
    "station_not_connected / duplicate_request_id"
)


class RemoteStartView(APIView):
    required_scopes = ["write:ocpp"]

    @legacy_schema("ocpp_remote_start_transaction", RemoteStartSerializer)
    def post(self, request: Request) -> Response:
        body = RemoteStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        asset = asset_visible_get(request, values["chargingStationId"])
        message = remote_start_message(
            version_of(asset),
            id_tag=values["idTag"],
            connector_id=values.get("connectorId"),
            request_key=values.get("requestId") or values["idTag"],
        )
        return send(request, asset, message, values.get("requestId"))


class RemoteStopView(APIView):
    required_scopes = ["write:ocpp"]

    @legacy_schema(
        "ocpp_remote_stop_transaction", RemoteStopSerializer, {409: REMOTE_STOP_CONFLICT}
    )
    def post(self, request: Request) -> Response:
        body = RemoteStopSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        session = stop_target_session(
            request,
            transaction_id=values.get("ocppTransactionId"),
            session_id=values.get("sessionId"),
            station=values.get("chargingStationId"),
        )
        asset = asset_visible_get(request, str(session.asset_id))
        message = remote_stop_message(version_of(asset), transaction_id=session.transaction_id)
        return send(request, asset, message, values.get("requestId"))


class ResetView(APIView):
    required_scopes = ["write:ocpp"]

    @legacy_schema("ocpp_reset", ResetSerializer)
    def post(self, request: Request) -> Response:
        body = ResetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        asset = asset_visible_get(request, values["chargingStationId"])
        with refusals_as_api_errors():
            call = station_reset(
                asset=asset,
                reset_type=values["resetType"],
                source="legacy",
                message_id=values.get("requestId"),
                requested_by=requester(request),
            )
        return Response(raw_request_answer(call))
