"""Charging sessions over REST: list, read, abort."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get, client_network_ids
from api.errors import ApiError, not_found
from api.openapi import errors
from api.pagination import PaginatedView, one
from charging.presenters import session_data, stop_request_data
from charging.selectors import session_list, session_visible_get
from charging.serializers import (
    SessionAbortAnswerSerializer,
    SessionAbortSerializer,
    SessionAnswerSerializer,
    SessionFilterSerializer,
    SessionSerializer,
)
from charging.services import SessionNotFoundError, session_abort
from ocpp_bridge.api.call_responses import requester

ERRORS = errors()
TAGS = ["Charging sessions"]


class SessionListView(PaginatedView):
    required_scopes = ["read:session"]

    @extend_schema(
        operation_id="sessions_list",
        summary="List charging sessions, oldest first",
        parameters=[SessionFilterSerializer],
        responses={
            200: SessionSerializer(many=True),
            **ERRORS,
            404: OpenApiResponse(description="asset_not_found: the assetId filter"),
        },
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = SessionFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        asset = asset_visible_get(request, values["assetId"]) if "assetId" in values else None
        sessions = session_list(
            network_ids=client_network_ids(request),
            asset=asset,
            status=values.get("status"),
            token_id=values.get("tokenId"),
            id_token=values.get("idToken"),
            started_after=values.get("startedAfter"),
            started_before=values.get("startedBefore"),
        )
        return self.page(sessions, session_data)


class SessionDetailView(APIView):
    required_scopes = ["read:session"]

    @extend_schema(
        operation_id="sessions_read",
        summary="Read a charging session",
        responses={
            200: SessionAnswerSerializer,
            **ERRORS,
            404: OpenApiResponse(description="session_not_found (also outside your networks)"),
        },
        tags=TAGS,
    )
    def get(self, request: Request, session_id: str) -> Response:
        session = session_visible_get(
            network_ids=client_network_ids(request), session_id=session_id
        )
        if session is None:
            raise not_found("session", session_id)
        return one(session_data(session))


class SessionAbortView(APIView):
    required_scopes = ["abort:session"]

    @extend_schema(
        operation_id="sessions_abort",
        summary="End the active session on a connector abruptly",
        description="Closes the session as aborted now. When the station is connected it is "
        "also told to stop (1.6 RemoteStopTransaction, 2.x RequestStopTransaction); its own "
        "stop, when it comes, adds the meter stop, energy and cost.",
        request=SessionAbortSerializer,
        responses={
            200: SessionAbortAnswerSerializer,
            **ERRORS,
            404: OpenApiResponse(
                description="asset_not_found / session_not_found: no active session there"
            ),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = SessionAbortSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        asset = asset_visible_get(request, values["chargingStationId"])
        try:
            result = session_abort(
                asset=asset, evse_id=values["connectorId"], requested_by=requester(request)
            )
        except SessionNotFoundError as error:
            raise ApiError(status.HTTP_404_NOT_FOUND, "session_not_found", str(error)) from None
        return Response(
            {
                "data": session_data(result.session),
                "stopRequest": stop_request_data(result.stop_call),
            }
        )
