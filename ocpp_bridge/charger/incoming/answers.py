"""A station's answers (CALLRESULT, CALLERROR) to the CSMS's own calls, stored on their calls."""

import logging
from collections.abc import Sequence
from typing import Any

from ocpp_bridge.calls.outcomes import (
    AnsweredCall,
    StationAnswer,
    error_answer,
    ocpp_calls_record_answers,
    result_answer,
)
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.charger.incoming.configuration_answer import (
    CONFIGURATION_ACTION,
    configuration_answer_record,
)
from ocpp_bridge.charger.incoming.frames import draft_in, result_error_reply
from ocpp_bridge.charger.incoming.password_change import (
    PASSWORD_ACTIONS,
    password_change_record,
)
from ocpp_bridge.frame_log import FrameDraft
from ocpp_bridge.protocol.errors import OcppError
from ocpp_bridge.protocol.framing import CALLERROR, CallError, CallResult
from ocpp_bridge.protocol.masking import reported_secrets_masked
from ocpp_bridge.protocol.versions import OcppVersion

logger = logging.getLogger(__name__)


def take_answer(station: StationContext, frame: CallResult | CallError) -> AnsweredCall | None:
    """The station answered one of our calls: store it; returns the call it answered."""
    return take_answers([(station, frame)])[0]


def take_answers(
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
        station = answers[position][0]
        if call is None:
            logger.info("%s answered %s, which no call awaits", station.identity, answer.message_id)
        elif call.invalid is not None:
            logger.info(
                "%s answered %s %s outside its response schema: %s",
                station.identity,
                call.action,
                answer.message_id,
                call.invalid.description,
            )
        elif call.action in PASSWORD_ACTIONS:
            password_change_record(asset_id=station.asset_id, call_id=call.id)
        elif call.action == CONFIGURATION_ACTION:
            configuration_answer_record(asset_id=station.asset_id, call_id=call.id)
    return calls


def answer_frames(
    station: StationContext, frame: CallResult | CallError, call: AnsweredCall | None
) -> tuple[str | None, list[FrameDraft]]:
    """What the CSMS sends back for a station's answer (nothing, or in 2.1 a CALLRESULTERROR
    for a CALLRESULT outside its response schema: 1.6 and 2.0.1 define no such frame), and
    the frame log's entries: the answer, logged with the action it answers so the log (and
    its followers) need no lookup, and with what was wrong with it."""
    action = call.action if call else ""
    invalid = call.invalid if call else None
    drafts = [draft_in(frame, action=action, invalid_response=verdict(invalid))]
    if invalid is None or station.version is not OcppVersion.V21:
        return None, drafts
    reply, draft = result_error_reply(frame.message_id, invalid, action=action)
    return reply, [*drafts, draft]


def verdict(invalid: OcppError | None) -> dict[str, Any] | None:
    """What the frame log and its followers show of an answer outside its schema."""
    if invalid is None:
        return None
    return {
        "errorCode": invalid.code.value,
        "message": invalid.description,
        "field": invalid.details.get("field"),
    }


def _station_answer(station: StationContext, frame: CallResult | CallError) -> StationAnswer | None:
    if isinstance(frame, CallResult):
        return result_answer(
            asset_id=station.asset_id,
            message_id=frame.message_id,
            payload=reported_secrets_masked(frame.payload),
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
