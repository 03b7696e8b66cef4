"""The frame log's entries for what a station sent and what the CSMS answered it."""

from typing import Any

from ocpp_bridge.charger.handlers import Payload, StationContext
from ocpp_bridge.frame_log import FrameDraft, frames_record
from ocpp_bridge.models import Direction
from ocpp_bridge.protocol.errors import OcppError
from ocpp_bridge.protocol.framing import (
    CALLRESULTERROR,
    Call,
    CallError,
    CallResult,
    Frame,
    encode_call_error,
    encode_call_result_error,
)
from ocpp_bridge.protocol.masking import reported_secrets_masked


def error_reply(
    station: StationContext, message_id: str, error: OcppError, *, action: str = ""
) -> tuple[str, FrameDraft]:
    """The CALLERROR to send, and its entry in the frame log."""
    draft = FrameDraft(
        direction=Direction.OUT,
        message_type=CallError.message_type,
        message_id=message_id,
        action=action,
        payload={
            "errorCode": error.code.spelled_for(station.version),
            "errorDescription": error.description,
            "errorDetails": error.details,
        },
    )
    reply = encode_call_error(
        message_id, error.code, error.description, error.details, station.version
    )
    return reply, draft


def result_error_reply(message_id: str, error: OcppError, *, action: str) -> tuple[str, FrameDraft]:
    """The 2.1 CALLRESULTERROR for a CALLRESULT the CSMS could not accept, and its entry in
    the frame log."""
    draft = FrameDraft(
        direction=Direction.OUT,
        message_type=CALLRESULTERROR,
        message_id=message_id,
        action=action,
        payload={
            "errorCode": error.code.value,
            "errorDescription": error.description,
            "errorDetails": error.details,
        },
    )
    return encode_call_result_error(message_id, error.code, error.description, error.details), draft


def draft_out(message_type: int, call: Call, payload: Payload) -> FrameDraft:
    return FrameDraft(
        direction=Direction.OUT,
        message_type=message_type,
        message_id=call.message_id,
        action=call.action,
        payload=payload,
    )


def draft_in(
    frame: Frame | None,
    *,
    raw: str = "",
    action: str = "",
    invalid_response: dict[str, Any] | None = None,
) -> FrameDraft:
    payload = None
    if isinstance(frame, (Call, CallResult)):
        payload = reported_secrets_masked(frame.payload)
    elif isinstance(frame, CallError):
        payload = {
            "errorCode": frame.error_code,
            "errorDescription": frame.description,
            "errorDetails": frame.details,
        }
    return FrameDraft(
        direction=Direction.IN,
        message_type=frame.message_type if frame else None,
        message_id=frame.message_id if frame else "",
        action=frame.action if isinstance(frame, Call) else action,
        payload=payload,
        raw=raw,
        invalid_response=invalid_response,
    )


def log(station: StationContext, drafts: list[FrameDraft]) -> None:
    frames_record(station=station.ref, connection_id=station.connection_id, drafts=drafts)
