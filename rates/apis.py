"""Rate display on stations: POST .../rate-display/sync-rate and .../rate-display/disable."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get
from api.errors import ApiError
from ocpp_bridge.api.call_responses import ERRORS_DOC, checked, refusals_as_api_errors, requester
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.models import CallState, OcppCall
from rates.display import answered_status
from rates.services import RateNotSetError, rate_display_disable, rate_display_sync

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
        try:
            with refusals_as_api_errors():
                call = rate_display_sync(asset=asset, wait=True, requested_by=requester(request))
        except RateNotSetError as error:
            raise ApiError(status.HTTP_409_CONFLICT, "rate_not_set", str(error)) from None
        answer = station_status(checked(call, waited=True))
        assert asset.rate is not None
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
        with refusals_as_api_errors():
            call = rate_display_disable(asset=asset, wait=True, requested_by=requester(request))
        checked(call, waited=True)
        answer = station_status(call)
        if answer != "Accepted":
            raise ApiError(
                status.HTTP_502_BAD_GATEWAY,
                "station_rejected",
                f"The station answered {call.action} with {answer or 'no status'}.",
                {"ocppMessageId": call.message_id, "status": answer},
            )
        return Response(status=status.HTTP_200_OK)
