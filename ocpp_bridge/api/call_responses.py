"""Shared by every REST endpoint that commands a station: one path through
ocpp_bridge.calls, and one mapping of its outcomes to HTTP answers."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request

from api.errors import ApiError
from ocpp_bridge.api.presenters import call_data
from ocpp_bridge.calls.create import CallRefusedError
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import CallState, OcppCall

REFUSAL_STATUS = {
    "station_not_connected": status.HTTP_409_CONFLICT,
    "duplicate_request_id": status.HTTP_409_CONFLICT,
    "unsupported_action": status.HTTP_400_BAD_REQUEST,
    "invalid_payload": status.HTTP_400_BAD_REQUEST,
    "invalid_request_id": status.HTTP_400_BAD_REQUEST,
    "payload_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}

ERRORS_DOC = {
    400: OpenApiResponse(
        description="invalid_request / invalid_payload (names the field) / "
        "unsupported_action / invalid_request_id"
    ),
    401: OpenApiResponse(description="unauthenticated / invalid_token"),
    403: OpenApiResponse(description="insufficient_scope"),
    404: OpenApiResponse(
        description="asset_not_found (also for assets outside the client's networks)"
    ),
    409: OpenApiResponse(description="station_not_connected / duplicate_request_id"),
    413: OpenApiResponse(description="payload_too_large: the frame exceeds what a station takes"),
    502: OpenApiResponse(
        description="station_disconnected: the station dropped mid-call / invalid_response: "
        "the station answered outside the action's official response schema (details.message "
        "says which field and what is wrong; details.data.response holds what it sent)"
    ),
    504: OpenApiResponse(description="station_timeout: no answer within the call timeout"),
}


def refused(error: CallRefusedError) -> ApiError:
    return ApiError(REFUSAL_STATUS[error.code], error.code, error.message, error.details)


def unsuccessful(call: OcppCall) -> ApiError | None:
    """The API error for a synchronous call that ended without an answer, or with one
    outside the action's response schema, if it did."""
    details = {"ocppMessageId": call.message_id, "state": call.state, "data": call_data(call)}
    if call.state == CallState.TIMED_OUT:
        return ApiError(
            status.HTTP_504_GATEWAY_TIMEOUT,
            "station_timeout",
            f"The station did not answer {call.action} within {call.timeout_seconds:g} s.",
            details,
        )
    if call.state == CallState.INVALID_RESPONSE:
        message = f"The station answered {call.action} outside its schema: {call.error_description}"
        return ApiError(
            status.HTTP_502_BAD_GATEWAY,
            "invalid_response",
            message,
            {**details, "message": call.error_description},
        )
    if call.state == CallState.FAILED:
        return ApiError(
            status.HTTP_502_BAD_GATEWAY,
            call.failure_reason or "station_disconnected",
            f"{call.action} failed: {call.failure_reason}.",
            details,
        )
    if not call.is_final:
        return ApiError(
            status.HTTP_504_GATEWAY_TIMEOUT,
            "station_busy",
            f"{call.action} is still waiting for its turn; read it at /ocpp/v2/requests/"
            f"{call.message_id}.",
            details,
        )
    return None


@contextmanager
def refusals_as_api_errors() -> Iterator[None]:
    """Map a refused call (offline station, bad payload, ...) to its API error."""
    try:
        yield
    except CallRefusedError as error:
        raise refused(error) from None


def checked(call: OcppCall, *, waited: bool) -> OcppCall:
    """The call, unless a synchronous one ended without an answer (then its API error)."""
    failure = unsuccessful(call) if waited else None
    if failure is not None:
        raise failure
    return call


def requester(request: Request) -> Any:
    """The API client a call is made for, recorded on the call."""
    return getattr(request.auth, "application", None)


def command_station(
    request: Request,
    *,
    asset: Any,
    action: str,
    payload: dict[str, Any],
    wait: bool,
    message_id: str | None,
    source: str = "api",
) -> OcppCall:
    """Send through the shared call path; map refusals and failures to API errors."""
    with refusals_as_api_errors():
        call = ocpp_call_send(
            asset=asset,
            action=action,
            payload=payload,
            wait=wait,
            message_id=message_id,
            source=source,
            requested_by=requester(request),
        )
    return checked(call, waited=wait)
