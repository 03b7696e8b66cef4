"""The station page's console: a raw request sent through the same path as
POST /ocpp/v2/raw-request (ocpp_bridge.calls.send.ocpp_call_send), marked as the web UI's."""

import json
from dataclasses import dataclass, field
from typing import Any

from api.parsers import unstorable_text
from assets.models import Asset
from ocpp_bridge.api.presenters import call_response, invalid_response, iso
from ocpp_bridge.calls.create import CallRefusedError
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.framing import MAX_JSON_DEPTH, json_depth

CALL_SOURCE = "web_ui"
# Seeing a station (staff) is not commanding it: sending needs this (assets.models.Asset.Meta).
COMMAND_PERMISSION = "assets.command_station"


@dataclass(frozen=True)
class ConsoleRefusal:
    """Why a console request was not sent: a code, a sentence for the operator, the field."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


class ConsoleRefusedError(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.refusal = ConsoleRefusal(code, message, details or {})


def console_permitted(user: Any) -> bool:
    """Whether `user` may send commands through the console (superusers always may)."""
    return bool(user.has_perm(COMMAND_PERMISSION))


def console_request_parse(body: bytes) -> tuple[str, dict[str, Any]]:
    """(action, payload) from the console's JSON body; raises ConsoleRefusedError."""
    try:
        request = json.loads(body or b"null")
    except RecursionError:
        raise ConsoleRefusedError(
            "invalid_payload", f"The request nests past {MAX_JSON_DEPTH} levels."
        ) from None
    except ValueError as error:
        raise ConsoleRefusedError("malformed_json", f"The request is not JSON: {error}.") from None
    if not isinstance(request, dict) or not isinstance(request.get("action"), str):
        raise ConsoleRefusedError("invalid_request", "Pick an action to send.")
    payload = request.get("payload")
    if not isinstance(payload, dict):
        raise ConsoleRefusedError(
            "invalid_payload", "The payload must be a JSON object, e.g. {}.", {"field": "payload"}
        )
    if unstorable_text(payload) or json_depth(payload) > MAX_JSON_DEPTH:
        raise ConsoleRefusedError(
            "invalid_payload",
            f"The payload holds a NUL, an unpaired surrogate or nests past {MAX_JSON_DEPTH}.",
            {"field": "payload"},
        )
    return request["action"], payload


def console_send(*, asset: Asset, action: str, payload: dict[str, Any]) -> OcppCall:
    """Queue `action` with `payload` for the station and return the call at once; its answer
    reaches the page through the live socket (and console_call_state).

    Raises ConsoleRefusedError for what the shared path refuses: unsupported action, a payload
    breaking the official schema (naming the field), station not connected.
    """
    try:
        return ocpp_call_send(
            asset=asset, action=action, payload=payload, wait=False, source=CALL_SOURCE
        )
    except CallRefusedError as error:
        raise ConsoleRefusedError(error.code, error.message, error.details) from None


def console_call_state(call: OcppCall) -> dict[str, Any]:
    """What the console shows of a call: its state, and the answer once there is one."""
    return {
        "messageId": call.message_id,
        "action": call.action,
        "state": call.state,
        "final": call.is_final,
        "failureReason": call.failure_reason or None,
        "timeoutSeconds": call.timeout_seconds,
        "createdAt": iso(call.created_at),
        "completedAt": iso(call.completed_at),
        "response": call_response(call),
        "invalidResponse": invalid_response(call),
    }
