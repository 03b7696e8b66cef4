"""Messages of several stations handled together (group commit): one transaction and one
INSERT of frames for all that can share them, each message answered exactly as alone."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from csms.runtime.batched_inserts import inserts_batched
from observability import charger as counted
from ocpp_bridge.calls.delivery import ocpp_calls_dispatch_next
from ocpp_bridge.charger.handlers import Handler, StationContext
from ocpp_bridge.charger.incoming.answers import answer_frames, take_answers
from ocpp_bridge.charger.incoming.checks import (
    handler_or_none,
    is_answerable,
    parsed,
    run_handler,
)
from ocpp_bridge.charger.incoming.frames import draft_in, draft_out
from ocpp_bridge.charger.incoming.single import (
    answer,
    internal_error_reply,
    process_text,
    touch,
)
from ocpp_bridge.frame_log import FrameGroup, frames_record_many
from ocpp_bridge.protocol.framing import (
    CALLERROR,
    Call,
    CallError,
    CallResult,
    Frame,
    encode_call_result,
)

logger = logging.getLogger(__name__)


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
    calls, answers = _sorted_out(messages, replies, max_bytes=max_bytes)
    if len(calls) + len(answers) <= 1:  # nothing to share
        for item in calls:
            replies[item.position] = _answer_alone(item)
        for ready in answers:
            replies[ready.position] = _process_alone(ready.station, ready.text, max_bytes=max_bytes)
        return replies
    together: list[_ReadyCall | _ReadyAnswer] = [*calls, *answers]
    try:
        answered, answered_stations = _handle_together(calls, answers)
    except Exception:
        logger.warning("A group of %d messages failed together; handling each alone", len(together))
        answered = [_answer_alone(item) for item in calls]
        answered += [
            _process_alone(ready.station, ready.text, max_bytes=max_bytes) for ready in answers
        ]
    else:
        _dispatch_next_guarded(answered_stations)
    for message, reply in zip(together, answered, strict=True):
        replies[message.position] = reply
    return replies


def _sorted_out(
    messages: Sequence[tuple[StationContext, str]],
    replies: list[str | None],
    *,
    max_bytes: int,
) -> tuple[list[_ReadyCall], list[_ReadyAnswer]]:
    """The messages that may share a transaction; every other one is handled alone here, its
    reply put in `replies`."""
    calls: list[_ReadyCall] = []
    answers: list[_ReadyAnswer] = []
    for position, (station, text) in enumerate(messages):
        frame = _batchable_frame(station, text, max_bytes=max_bytes)
        handler = handler_or_none(station, frame) if isinstance(frame, Call) else None
        if isinstance(frame, (CallResult, CallError)):
            answers.append(_ReadyAnswer(position, station, text, frame))
        elif isinstance(frame, Call) and handler is not None:
            calls.append(_ReadyCall(position, station, text, frame, handler))
        else:
            replies[position] = _process_alone(station, text, max_bytes=max_bytes)
    return calls, answers


def _batchable_frame(station: StationContext, text: str, *, max_bytes: int) -> Frame | None:
    """The frame in `text` if it can share a transaction: an answerable CALL within size, or
    an answer to one of our calls."""
    frame = parsed(station, text)
    if isinstance(frame, Call):
        return frame if is_answerable(frame) and len(text.encode()) <= max_bytes else None
    if isinstance(frame, CallError) and frame.message_type != CALLERROR:
        return None  # 2.1 CALLRESULTERROR: logged on its own
    return frame


def _handle_together(
    calls: Sequence[_ReadyCall], answers: Sequence[_ReadyAnswer]
) -> tuple[list[str | None], list[Any]]:
    """One transaction for all: each CALL's effects and each answer stored, then every frame
    in one INSERT. Returns the replies (the CALLs', then the answers': a 2.1 CALLRESULTERROR
    or nothing) and the stations whose calls were answered."""
    touched: list[_ReadyCall | _ReadyAnswer] = [*calls, *answers]
    for item in touched:
        touch(item.station)
    groups: list[FrameGroup] = []
    replies: list[str | None] = []
    answered_stations: list[Any] = []
    with transaction.atomic(), inserts_batched():
        for item in calls:
            response = run_handler(item.station, item.call, item.handler)
            drafts = [
                draft_in(item.call),
                draft_out(CallResult.message_type, item.call, response),
            ]
            groups.append(FrameGroup(item.station.ref, item.station.connection_id, drafts))
            replies.append(encode_call_result(item.call.message_id, response))
        taken = take_answers([(ready.station, ready.answer) for ready in answers])
        for ready, call in zip(answers, taken, strict=True):
            if call is not None:
                answered_stations.append(ready.station.asset_id)
            reply, drafts = answer_frames(ready.station, ready.answer, call)
            replies.append(reply)
            groups.append(FrameGroup(ready.station.ref, ready.station.connection_id, drafts))
        frames_record_many(groups)
    counted.messages_answered([item.call.action for item in calls])  # committed
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
        touch(item.station)
        return answer(item.station, item.call, item.handler)

    return _guarded(item.station, item.text, touch_and_answer)


def _guarded(station: StationContext, text: str, process: Callable[[], str | None]) -> str | None:
    try:
        return process()
    except Exception:
        # E.g. the database is unreachable: answer so the station retries later.
        logger.exception("Frame from %s could not be processed", station.identity)
        return internal_error_reply(station, text)
