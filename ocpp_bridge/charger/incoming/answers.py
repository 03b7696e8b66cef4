"""A station's answers (CALLRESULT, CALLERROR) to the CSMS's own calls, stored on their calls."""

import logging
from collections.abc import Sequence

from ocpp_bridge.calls.outcomes import (
    AnsweredCall,
    StationAnswer,
    error_answer,
    ocpp_calls_record_answers,
    result_answer,
)
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.protocol.framing import CALLERROR, CallError, CallResult

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
