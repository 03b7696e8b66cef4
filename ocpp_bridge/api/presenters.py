"""The API's representation of a call, in the seed's shape."""

from datetime import UTC, datetime
from typing import Any, overload

from ocpp_bridge.models import CallState, OcppCall
from ocpp_bridge.protocol.masking import secrets_masked


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: datetime | None) -> str | None: ...


# isoformat, not strftime: strftime writes years before 1000 without their leading zeros.
def iso(value: datetime | None) -> str | None:
    if not value:
        return None
    return _utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


@overload
def iso_precise(value: datetime) -> str: ...
@overload
def iso_precise(value: datetime | None) -> str | None: ...


def iso_precise(value: datetime | None) -> str | None:
    """UTC with milliseconds, for events whose order within a second matters."""
    if not value:
        return None
    return _utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def call_response(call: OcppCall) -> dict[str, Any] | None:
    """`data.response`: the station's CALL_RESULT or CALL_ERROR, once it answered (a
    CALL_RESULT outside the action's schema too: the operator reads what the station sent)."""
    if call.state in (CallState.ANSWERED, CallState.INVALID_RESPONSE):
        return {
            "messageType": "CALL_RESULT",
            "messageId": call.message_id,
            "payload": call.response_payload,
        }
    if call.state == CallState.ERROR:
        return {
            "messageType": "CALL_ERROR",
            "messageId": call.message_id,
            "errorCode": call.error_code,
            "ErrorDescription": call.error_description,
            "errorDetails": call.error_details or {},
        }
    return None


def invalid_response(call: OcppCall) -> dict[str, Any] | None:
    """`data.invalidResponse`: what was wrong with a CALL_RESULT outside the action's official
    response schema (the code a 2.1 CALLRESULTERROR carries, the schema's message, the
    field), in the shape of the `ocpp.message` webhook's."""
    if call.state != CallState.INVALID_RESPONSE:
        return None
    return {
        "errorCode": call.error_code,
        "message": call.error_description,
        "field": (call.error_details or {}).get("field"),
    }


def call_data(call: OcppCall) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ocppMessageId": call.message_id,
        "connection": {
            "connectionId": str(call.connection_id) if call.connection_id else None,
            "protocol": call.protocol,
        },
        "request": {
            "messageType": "2",
            "messageId": call.message_id,
            "action": call.action,
            "payload": secrets_masked(call.action, call.payload),
        },
    }
    response = call_response(call)
    if response is not None:
        data["response"] = response
    invalid = invalid_response(call)
    if invalid is not None:
        data["invalidResponse"] = invalid
    return data


def raw_request_answer(call: OcppCall) -> dict[str, Any]:
    """The body of a successful POST /ocpp/v2/raw-request."""
    return {
        "status": "Success",
        "async": call.is_async,
        "ocppMessageId": call.message_id,
        "data": call_data(call),
    }


def call_detail(call: OcppCall) -> dict[str, Any]:
    """GET /ocpp/v2/requests/{id}: the call with its state and timings."""
    data = call_data(call)
    data.update(
        {
            "state": call.state,
            "assetId": str(call.asset_id),
            "failureReason": call.failure_reason or None,
            "createdAt": iso(call.created_at),
            "sentAt": iso(call.sent_at),
            "completedAt": iso(call.completed_at),
        }
    )
    return {
        "status": call.state,
        "async": call.is_async,
        "ocppMessageId": call.message_id,
        "data": data,
    }
