"""POST /ocpp/v2/assets/{assetId}/rotate-password: give a station a new generated Basic-auth
password (ocpp_bridge.calls.password_rotation), the same path as the admin's action. The
password is stored when the station accepts it; it never appears in the answer."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get
from ocpp_bridge.api.call_responses import ERRORS_DOC, refusals_as_api_errors, requester
from ocpp_bridge.api.serializers import RotationAnswerSerializer
from ocpp_bridge.calls.password_rotation import station_password_rotate


class PasswordRotateView(APIView):
    required_scopes = ["write:ocpp"]

    @extend_schema(
        operation_id="asset_password_rotate",
        summary="Give the station a new generated Basic-auth password",
        description="Queued like an async raw request. The station keeps its password until "
        "it accepts the new one, which is then stored and the old one refused.",
        request=None,
        responses={202: RotationAnswerSerializer, **ERRORS_DOC},
        tags=["OCPP"],
    )
    def post(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        with refusals_as_api_errors():
            call = station_password_rotate(
                asset=asset, source="api", requested_by=requester(request)
            )
        data = {"ocppMessageId": call.message_id, "action": call.action, "state": call.state}
        return Response({"data": data}, status=status.HTTP_202_ACCEPTED)
