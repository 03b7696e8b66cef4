"""What the CSMS does with one text message from a station: parse, log, validate, handle,
answer. Runs in a worker thread (it touches the database); the consumer only moves text."""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from assets.models import RegistrationStatus
from assets.station_reports import asset_touch
from csms.runtime.batched_inserts import inserts_batched
from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next, ocpp_calls_dispatch_next
from ocpp_bridge.calls.outcomes import (
    AnsweredCall,
    StationAnswer,
    error_answer,
    ocpp_calls_record_answers,
    result_answer,
)
from ocpp_bridge.charger.handlers import Handler, Payload, StationContext, handler_for
from ocpp_bridge.frame_log import FrameDraft, FrameGroup, frames_record, frames_record_many
from ocpp_bridge.models import Direction
from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.framing import (
    CALLERROR,
    SEND,
    UNREADABLE_MESSAGE_ID,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    encode_call_error,
    encode_call_result,
    parse_frame,
)
from ocpp_bridge.protocol.validation import UnknownActionError, validate_payload

logger = logging.getLogger(__name__)

# Write last-seen at most this often per connection; the live connection is what says "online".
LAST_SEEN_WRITE_INTERVAL = 15.0


def process_text(station: StationContext, text: str, *, max_bytes: int) -> str | None:
    """Handle one text message from a station; return the frame to send back, if any."""
    _touch(station)
    try:
        frame = parse_frame(text, station.version)
    except FrameError as error:
        if not error.answer:
            _log(station, [_draft_in(None, raw=text)])
            return None
        reply, draft = _error_reply(station, error.message_id, error)
        _log(station, [_draft_in(None, raw=text), draft])
        return reply
    if isinstance(frame, Call):
        return _process_call(station, frame, size=len(text.encode()), max_bytes=max_bytes)
    # Answers are stored outside any transaction: the next call is handed to the consumer
    # right after, and its answer must find the call committed as sent.
    call = _take_answer(station, frame)
    # Logged with the action it answers, so the log (and its followers) need no lookup.
    _log(station, [_draft_in(frame, action=call.action if call else "")])
    if call is not None:
        ocpp_call_dispatch_next(asset_id=station.asset_id)
    return None


@dataclass(frozen=True)
class _ReadyCall:
    """A CALL that passed every check made before touching the database."""

    position: int
    station: StationContext
    text: str
    call: Call
    handler: Handler


@dataclass(frozen=True)
class _ReadyAnswer:
    """A station's answer (CALLRESULT, CALLERROR) to one of our calls, parsed."""

    position: int
    station: StationContext
    text: str
    answer: CallResult | CallError


def process_texts(
    messages: Sequence[tuple[StationContext, str]], *, max_bytes: int
) -> list[str | None]:
    """Handle one text message from each of several stations (group commit); returns the
    frame to send back to each, in order.

    The CALLs that pass their checks (parsed, within size, handled, valid) and the answers to
    our calls are handled in one transaction, with one INSERT for all their frames: under load
    one commit serves many stations. Everything else goes its own way, as `process_text`. If
    anything in the shared transaction fails, it is rolled back and each of its messages is
    handled again on its own, so one station's failure costs no other station its message,
    and each is answered exactly as alone. A message whose processing fails unexpectedly is
    answered as the consumer would (`internal_error_reply`).
    """
    replies: list[str | None] = [None] * len(messages)
    calls: list[_ReadyCall] = []
    answers: list[_ReadyAnswer] = []
    for position, (station, text) in enumerate(messages):
        frame = _batchable_frame(station, text, max_bytes=max_bytes)
        handler = _handler_or_none(station, frame) if isinstance(frame, Call) else None
        if isinstance(frame, (CallResult, CallError)):
            answers.append(_ReadyAnswer(position, station, text, frame))
        elif isinstance(frame, Call) and handler is not None:
            calls.append(_ReadyCall(position, station, text, frame, handler))
        else:
            replies[position] = _process_alone(station, text, max_bytes=max_bytes)
    if len(calls) + len(answers) <= 1:  # nothing to share
        for item in calls:
            replies[item.position] = _answer_alone(item)
        for answer in answers:
            replies[answer.position] = _process_alone(
                answer.station, answer.text, max_bytes=max_bytes
            )
        return replies
    try:
        answered, answered_stations = _handle_together(calls, answers)
    except Exception:
        logger.warning(
            "A group of %d messages failed together; handling each alone",
            len(calls) + len(answers),
        )
        answered = [_answer_alone(item) for item in calls]
        for answer in answers:
            _process_alone(answer.station, answer.text, max_bytes=max_bytes)
    else:
        _dispatch_next_guarded(answered_stations)
    for item, reply in zip(calls, answered, strict=True):
        replies[item.position] = reply
    return replies


def _batchable_frame(station: StationContext, text: str, *, max_bytes: int) -> Frame | None:
    """The frame in `text` if it can share a transaction: an answerable CALL within size, or
    an answer to one of our calls."""
    frame = _parsed(station, text)
    if isinstance(frame, Call):
        return frame if _is_answerable(frame) and len(text.encode()) <= max_bytes else None
    if isinstance(frame, CallError) and frame.message_type != CALLERROR:
        return None  # 2.1 CALLRESULTERROR: logged on its own
    return frame


def _answerable_call(station: StationContext, text: str) -> Call | None:
    """The CALL in `text` if it parses and is answered (a CALL, not a SEND). No database."""
    frame = _parsed(station, text)
    return frame if isinstance(frame, Call) and _is_answerable(frame) else None


def _parsed(station: StationContext, text: str) -> Frame | None:
    try:
        return parse_frame(text, station.version)
    except FrameError:
        return None


def _is_answerable(call: Call) -> bool:
    return call.message_type != SEND  # a SEND (2.1) is never answered


def _handler_or_none(station: StationContext, call: Call) -> Handler | None:
    try:
        return _checked_handler(station, call)
    except OcppError:
        return None  # answered with its error on the usual path


def _handle_together(
    calls: Sequence[_ReadyCall], answers: Sequence[_ReadyAnswer]
) -> tuple[list[str | None], list[Any]]:
    """One transaction for all: each CALL's effects and each answer stored, then every frame
    in one INSERT. Returns the CALLs' replies and the stations whose calls were answered."""
    for item in [*calls, *answers]:
        _touch(item.station)
    groups: list[FrameGroup] = []
    replies: list[str | None] = []
    answered_stations: list[Any] = []
    with transaction.atomic(), inserts_batched():
        for item in calls:
            response = _run_handler(item.station, item.call, item.handler)
            drafts = [
                _draft_in(item.call),
                _draft_out(CallResult.message_type, item.call, response),
            ]
            groups.append(FrameGroup(item.station.ref, item.station.connection_id, drafts))
            replies.append(encode_call_result(item.call.message_id, response))
        taken = _take_answers([(answer.station, answer.answer) for answer in answers])
        for answer, call in zip(answers, taken, strict=True):
            if call is not None:
                answered_stations.append(answer.station.asset_id)
            drafts = [_draft_in(answer.answer, action=call.action if call else "")]
            groups.append(FrameGroup(answer.station.ref, answer.station.connection_id, drafts))
        frames_record_many(groups)
    return replies, answered_stations


def _dispatch_next_guarded(asset_ids: Sequence[Any]) -> None:
    """Send the next queued call of each station whose call was answered (after the commit:
    its answer must find it committed as sent). The group's messages are all stored and
    answered by now, so a failure here must not send them down the path for failed groups:
    the calls sweep moves on any queue left waiting."""
    try:
        ocpp_calls_dispatch_next(asset_ids=asset_ids)
    except Exception:
        logger.exception("Could not send the next calls of %d stations", len(asset_ids))


def _process_alone(station: StationContext, text: str, *, max_bytes: int) -> str | None:
    return _guarded(station, text, lambda: process_text(station, text, max_bytes=max_bytes))


def _answer_alone(item: _ReadyCall) -> str | None:
    def touch_and_answer() -> str | None:
        _touch(item.station)
        return _answer(item.station, item.call, item.handler)

    return _guarded(item.station, item.text, touch_and_answer)


def _guarded(station: StationContext, text: str, process: Callable[[], str | None]) -> str | None:
    try:
        return process()
    except Exception:
        # E.g. the database is unreachable: answer so the station retries later.
        logger.exception("Frame from %s could not be processed", station.identity)
        return internal_error_reply(station, text)


def process_binary(station: StationContext, data: bytes) -> str:
    """A binary frame: OCPP-J is text only, and a binary frame has no readable message id.
    Logged (as a note of its size) with the error it is answered."""
    error = OcppError(ErrorCode.RPC_FRAMEWORK_ERROR, "OCPP-J messages are text frames")
    reply, draft = _error_reply(station, UNREADABLE_MESSAGE_ID, error)
    _log(station, [_draft_in(None, raw=f"<binary frame of {len(data)} bytes>"), draft])
    return reply


def _process_call(station: StationContext, call: Call, *, size: int, max_bytes: int) -> str | None:
    """Check the CALL and answer it; one that fails a check is logged with its error."""
    try:
        if size > max_bytes:
            raise OcppError(
                ErrorCode.FORMAT_VIOLATION,
                f"Frame of {size} bytes exceeds the {max_bytes} bytes accepted",
            )
        handler = _checked_handler(station, call)
    except OcppError as error:
        return _answer_error(station, call, error)
    return _answer(station, call, handler)


def _answer(station: StationContext, call: Call, handler: Handler) -> str | None:
    """One transaction for the frame in, its effects and the answer out (one INSERT for both
    frames, one commit per message). If handling fails, its effects are rolled back and the
    frame is still logged, with the error it was answered."""
    try:
        with transaction.atomic():
            response = _run_handler(station, call, handler)
            if call.message_type == SEND:  # a SEND (2.1) is never answered
                _log(station, [_draft_in(call)])
                return None
            _log(station, [_draft_in(call), _draft_out(CallResult.message_type, call, response)])
        return encode_call_result(call.message_id, response)
    except OcppError as error:
        return _answer_error(station, call, error)


def _answer_error(station: StationContext, call: Call, error: OcppError) -> str | None:
    frame_in = _draft_in(call)
    if call.message_type == SEND:  # not even with an error
        _log(station, [frame_in])
        return None
    reply, draft = _error_reply(station, call.message_id, error, action=call.action)
    _log(station, [frame_in, draft])
    return reply


def _take_answer(station: StationContext, frame: CallResult | CallError) -> AnsweredCall | None:
    """The station answered one of our calls: store it; returns the call it answered."""
    return _take_answers([(station, frame)])[0]


def _take_answers(
    answers: Sequence[tuple[StationContext, CallResult | CallError]],
) -> list[AnsweredCall | None]:
    """Store several stations' answers to our calls (one read for all); returns, in order,
    the call each answered."""
    storable = [
        (position, answer)
        for position, (station, frame) in enumerate(answers)
        if (answer := _station_answer(station, frame)) is not None
    ]
    stored = ocpp_calls_record_answers([answer for _, answer in storable])
    calls: list[AnsweredCall | None] = [None] * len(answers)
    for (position, answer), call in zip(storable, stored, strict=True):
        calls[position] = call
        if call is None:
            station = answers[position][0]
            logger.info("%s answered %s, which no call awaits", station.identity, answer.message_id)
    return calls


def _station_answer(station: StationContext, frame: CallResult | CallError) -> StationAnswer | None:
    if isinstance(frame, CallResult):
        return result_answer(
            asset_id=station.asset_id, message_id=frame.message_id, payload=frame.payload
        )
    if frame.message_type == CALLERROR:
        return error_answer(
            asset_id=station.asset_id,
            message_id=frame.message_id,
            code=frame.error_code,
            description=frame.description,
            details=frame.details,
        )
    return None  # 2.1 CALLRESULTERROR: the station found fault with one of our answers; logged


def _checked_handler(station: StationContext, call: Call) -> Handler:
    """The handler of a CALL the station may send and that is valid; OcppError otherwise.
    Touches no database."""
    handler = handler_for(station.version, call.action)
    if handler is None:
        raise _unhandled(station, call.action)
    if (
        station.registration_status == RegistrationStatus.REJECTED
        and call.action != "BootNotification"
    ):
        raise OcppError(
            ErrorCode.SECURITY_ERROR, "The station is not accepted: send a BootNotification"
        )
    validate_payload(station.version, call.action, call.payload)
    return handler


def _run_handler(station: StationContext, call: Call, handler: Handler) -> Payload:
    try:
        response = handler(station, call.payload)
        validate_payload(station.version, call.action, response, response=True)
    except Exception:
        logger.exception("Handling %s from %s failed", call.action, station.identity)
        raise OcppError(
            ErrorCode.INTERNAL_ERROR, f"The CSMS failed to process {call.action}"
        ) from None
    return response


def _unhandled(station: StationContext, action: str) -> OcppError:
    try:
        validate_payload(station.version, action, {})
    except UnknownActionError:
        return OcppError(
            ErrorCode.NOT_IMPLEMENTED,
            f"{action} is not an action of {station.version.value}",
        )
    except OcppError:
        pass
    return OcppError(
        ErrorCode.NOT_SUPPORTED, f"{action} is sent by the CSMS, not by a charging station"
    )


def _error_reply(
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


def _draft_out(message_type: int, call: Call, payload: Payload) -> FrameDraft:
    return FrameDraft(
        direction=Direction.OUT,
        message_type=message_type,
        message_id=call.message_id,
        action=call.action,
        payload=payload,
    )


def _draft_in(frame: Frame | None, *, raw: str = "", action: str = "") -> FrameDraft:
    payload = None
    if isinstance(frame, (Call, CallResult)):
        payload = frame.payload
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
    )


def _log(station: StationContext, drafts: list[FrameDraft]) -> None:
    frames_record(station=station.ref, connection_id=station.connection_id, drafts=drafts)


def _touch(station: StationContext) -> None:
    now = time.monotonic()
    if now - station.last_seen_written >= LAST_SEEN_WRITE_INTERVAL:
        asset_touch(asset_id=station.asset_id)
        station.last_seen_written = now


def internal_error_reply(station: StationContext, text: str) -> str | None:
    """The answer to a frame whose processing failed unexpectedly: InternalError for a CALL
    (the station will retry it), nothing otherwise. Touches no database."""
    frame = _answerable_call(station, text)
    if frame is None:
        return None
    return encode_call_error(
        frame.message_id,
        ErrorCode.INTERNAL_ERROR,
        f"The CSMS could not process {frame.action} now; retry later",
        {},
        station.version,
    )
