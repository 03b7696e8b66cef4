"""One text message from one station, handled on its own: parse, log, validate, handle,
answer, each CALL in a transaction of its own."""

import logging
import time

from django.db import transaction

from assets.station_reports import asset_touch
from observability import charger as counted
from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next
from ocpp_bridge.charger.handlers import Handler, StationContext
from ocpp_bridge.charger.incoming.answers import answer_frames, take_answer
from ocpp_bridge.charger.incoming.checks import answerable_call, checked_handler, run_handler
from ocpp_bridge.charger.incoming.frames import draft_in, draft_out, error_reply, log
from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.framing import (
    SEND,
    UNREADABLE_MESSAGE_ID,
    Call,
    CallResult,
    FrameError,
    encode_call_error,
    encode_call_result,
    parse_frame,
)

logger = logging.getLogger(__name__)

# Write last-seen at most this often per connection; the live connection is what says "online".
LAST_SEEN_WRITE_INTERVAL = 15.0


def process_text(station: StationContext, text: str, *, max_bytes: int) -> str | None:
    """Handle one text message from a station; return the frame to send back, if any."""
    touch(station)
    try:
        frame = parse_frame(text, station.version)
    except FrameError as error:
        logger.info("Refused a frame of %s: %s", station.identity, error.description)
        if not error.answer:
            log(station, [draft_in(None, raw=text)])
            counted.message_dropped()
            return None
        reply, draft = error_reply(station, error.message_id, error)
        log(station, [draft_in(None, raw=text), draft])
        counted.message_refused(error.action, error.code)
        return reply
    if isinstance(frame, Call):
        return _process_call(station, frame, size=len(text.encode()), max_bytes=max_bytes)
    # Answers are stored outside any transaction: the next call is handed to the consumer
    # right after, and its answer must find the call committed as sent.
    call = take_answer(station, frame)
    answer_reply, drafts = answer_frames(station, frame, call)
    log(station, drafts)
    if call is not None:
        ocpp_call_dispatch_next(asset_id=station.asset_id)
    return answer_reply


def process_binary(station: StationContext, data: bytes) -> str:
    """A binary frame: OCPP-J is text only, and a binary frame has no readable message id.
    Logged (as a note of its size) with the error it is answered."""
    error = OcppError(ErrorCode.RPC_FRAMEWORK_ERROR, "OCPP-J messages are text frames")
    reply, draft = error_reply(station, UNREADABLE_MESSAGE_ID, error)
    log(station, [draft_in(None, raw=f"<binary frame of {len(data)} bytes>"), draft])
    counted.message_refused("", error.code)
    return reply


def answer(station: StationContext, call: Call, handler: Handler) -> str | None:
    """One transaction for the frame in, its effects and the answer out (one INSERT for both
    frames, one commit per message). If handling fails, its effects are rolled back and the
    frame is still logged, with the error it was answered."""
    try:
        with transaction.atomic():
            response = run_handler(station, call, handler)
            if call.message_type == SEND:  # a SEND (2.1) is never answered
                log(station, [draft_in(call)])
                counted.message_answered(call.action, answered=False)
                return None
            log(station, [draft_in(call), draft_out(CallResult.message_type, call, response)])
        counted.message_answered(call.action)
        return encode_call_result(call.message_id, response)
    except OcppError as error:
        return _answer_error(station, call, error)


def internal_error_reply(station: StationContext, text: str) -> str | None:
    """The answer to a frame whose processing failed unexpectedly: InternalError for a CALL
    (the station will retry it), nothing otherwise. Touches no database."""
    frame = answerable_call(station, text)
    if frame is None:
        return None
    counted.message_refused(frame.action, ErrorCode.INTERNAL_ERROR)
    return encode_call_error(
        frame.message_id,
        ErrorCode.INTERNAL_ERROR,
        f"The CSMS could not process {frame.action} now; retry later",
        {},
        station.version,
    )


def touch(station: StationContext) -> None:
    """Record that the station was seen, at most every LAST_SEEN_WRITE_INTERVAL seconds."""
    now = time.monotonic()
    if now - station.last_seen_written >= LAST_SEEN_WRITE_INTERVAL:
        asset_touch(asset_id=station.asset_id)
        station.last_seen_written = now


def _process_call(station: StationContext, call: Call, *, size: int, max_bytes: int) -> str | None:
    """Check the CALL and answer it; one that fails a check is logged with its error."""
    try:
        if size > max_bytes:
            raise OcppError(
                ErrorCode.FORMAT_VIOLATION,
                f"Frame of {size} bytes exceeds the {max_bytes} bytes accepted",
            )
        handler = checked_handler(station, call)
    except OcppError as error:
        return _answer_error(station, call, error)
    return answer(station, call, handler)


def _answer_error(station: StationContext, call: Call, error: OcppError) -> str | None:
    frame_in = draft_in(call)
    if call.message_type == SEND:  # not even with an error
        log(station, [frame_in])
        counted.message_answered(call.action, answered=False)
        return None
    reply, draft = error_reply(station, call.message_id, error, action=call.action)
    log(station, [frame_in, draft])
    counted.message_refused(call.action, error.code)
    return reply
