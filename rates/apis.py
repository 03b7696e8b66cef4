"""Rate display on stations: POST .../rate-display/sync-rate and .../rate-display/disable."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get
from api.errors import ApiError
from ocpp_bridge.api_calls import ERRORS_DOC, command_station, refused
from ocpp_bridge.calls.create import CallRefusedError, station_version
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import CallState, OcppCall
from ocpp_bridge.presenters import iso
from rates.display import answered_status, rate_clear_message, rate_messages

SYNC_RATE_ANSWER = inline_serializer(
    "SyncRateAnswer",
    {
        "status": serializers.CharField(help_text="The station's answer, e.g. Accepted"),
        "timestamp": serializers.DateTimeField(),
        "data": inline_serializer(
            "SyncRateData",
            {
                "ocppMessageId": serializers.CharField(),
                "rateId": serializers.CharField(),
                "connection": inline_serializer(
                    "SyncRateConnection",
                    {"connectionId": serializers.CharField(), "protocol": serializers.CharField()},
                ),
            },
        ),
    },
)


def station_status(call: OcppCall) -> str:
    """The status the station answered; a CALLERROR is a 502 naming its code."""
    if call.state == CallState.ERROR:
        raise ApiError(
            status.HTTP_502_BAD_GATEWAY,
            "station_error",
            f"The station answered {call.action} with {call.error_code}: {call.error_description}",
            {"ocppMessageId": call.message_id, "errorCode": call.error_code},
        )
    return answered_status(call.action, call.response_payload)


class SyncRateView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(
        operation_id="rate_display_sync",
        summary="Send the asset's rate to the station for display",
        request=None,
        responses={200: SYNC_RATE_ANSWER, **ERRORS_DOC},
        tags=["Rate display"],
    )
    def post(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        if asset.rate is None:
            raise ApiError(
                status.HTTP_409_CONFLICT, "rate_not_set", f"Asset {asset_id} has no rate."
            )
        try:
            messages = rate_messages(asset.rate, station_version(asset))
        except CallRefusedError as error:
            raise refused(error) from None
        call = command_station(
            request, asset=asset, action=messages.action, payload=messages.payload,
            wait=True, message_id=None, source="rate_display",
        )  # fmt: skip
        answer = station_status(call)
        if call.state == CallState.ANSWERED:
            for action, payload in messages.follow_ups:
                ocpp_call_send(
                    asset=asset, action=action, payload=payload, wait=False, source="rate_display"
                )
        return Response(
            {
                "status": answer,
                "timestamp": iso(call.completed_at),
                "data": {
                    "ocppMessageId": call.message_id,
                    "rateId": str(asset.rate.pk),
                    "connection": {
                        "connectionId": str(call.connection_id),
                        "protocol": call.protocol,
                    },
                },
            }
        )


class DisableRateView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(
        operation_id="rate_display_disable",
        summary="Tell the station to stop displaying the rate",
        request=None,
        responses={200: OpenApiResponse(description="Empty response"), **ERRORS_DOC},
        tags=["Rate display"],
    )
    def post(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        try:
            action, payload = rate_clear_message(station_version(asset), asset.rate)
        except CallRefusedError as error:
            raise refused(error) from None
        call = command_station(
            request, asset=asset, action=action, payload=payload,
            wait=True, message_id=None, source="rate_display",
        )  # fmt: skip
        answer = station_status(call)
        if answer != "Accepted":
            raise ApiError(
                status.HTTP_502_BAD_GATEWAY,
                "station_rejected",
                f"The station answered {action} with {answer or 'no status'}.",
                {"ocppMessageId": call.message_id, "status": answer},
            )
        return Response(status=status.HTTP_200_OK)
