"""REST endpoints that command stations: parse, authorize, call ocpp_bridge.calls, render."""

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_columns, asset_visible_get, client_network_ids
from api.errors import not_found
from ocpp_bridge.api.call_responses import ERRORS_DOC, command_station
from ocpp_bridge.api.presenters import call_detail, raw_request_answer
from ocpp_bridge.api.serializers import RawRequestAnswerSerializer, RawRequestSerializer
from ocpp_bridge.calls.create import CALL_ASSET_FIELDS
from ocpp_bridge.models import OcppCall


class RawRequestView(APIView):
    required_scopes = ["write:ocpp.raw_request"]

    @extend_schema(
        operation_id="ocpp_raw_request",
        summary="Inject an OCPP raw request to the device",
        request=RawRequestSerializer,
        responses={200: RawRequestAnswerSerializer, **ERRORS_DOC},
        tags=["OCPP"],
    )
    def post(self, request: Request) -> Response:
        body = RawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        network_id = values["network"]["id"] if "network" in values else None
        asset = asset_visible_columns(
            request, values["assetId"], network_id=network_id, fields=CALL_ASSET_FIELDS
        )
        call = command_station(
            request,
            asset=asset,
            action=values["action"],
            payload=values["payload"],
            wait=not values["async"],
            message_id=values.get("requestId"),
        )
        return Response(raw_request_answer(call))


class CallDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["write:ocpp.raw_request"], ["write:ocpp"]]}

    @extend_schema(
        operation_id="ocpp_request_read",
        summary="Read a CSMS-initiated call: its state and the station's answer",
        responses={200: RawRequestAnswerSerializer, 404: ERRORS_DOC[404]},
        tags=["OCPP"],
    )
    def get(self, request: Request, message_id: str) -> Response:
        calls = OcppCall.objects.filter(message_id=message_id).order_by("-created_at")
        network_ids = client_network_ids(request)
        if network_ids is not None:
            calls = calls.filter(asset__network_id__in=network_ids)
        if asset_id := request.query_params.get("assetId"):
            calls = calls.filter(asset=asset_visible_get(request, asset_id))
        call = calls.first()
        if call is None:
            raise not_found("request", message_id)
        return Response(call_detail(call))
