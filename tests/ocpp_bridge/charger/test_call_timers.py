"""A consumer times out its outstanding calls, and stops the timer of a call once answered."""

import asyncio

from ocpp_bridge.charger.call_timers import CallTimers
from ocpp_bridge.protocol.framing import answered_message_id


def expiry_log() -> tuple[list[str], CallTimers]:
    expired: list[str] = []

    async def expire(call_id: str) -> None:
        expired.append(call_id)

    return expired, CallTimers(expire)


async def test_an_unanswered_call_expires_and_an_answered_one_does_not() -> None:
    expired, timers = expiry_log()
    timers.start(message_id="m-answered", call_id="call-1", timeout=0.1)
    timers.start(message_id="m-silent", call_id="call-2", timeout=0.1)
    timers.answer_arrived('[3,"m-answered",{"status":"Accepted"}]')
    await asyncio.sleep(0.3)
    assert expired == ["call-2"]
    assert timers.timers == {}


async def test_an_error_answer_stops_its_timer_and_other_frames_do_not() -> None:
    expired, timers = expiry_log()
    timers.start(message_id="m1", call_id="call-1", timeout=0.1)
    timers.answer_arrived('[2,"m1","Heartbeat",{}]')  # the station's own CALL, same id
    timers.answer_arrived("not json")
    timers.answer_arrived('[3,"other",{}]')
    assert list(timers.timers) == ["m1"]
    timers.answer_arrived('[4,"m1","InternalError","",{}]')
    await asyncio.sleep(0.2)
    assert expired == []


async def test_cancel_all_stops_every_timer() -> None:
    expired, timers = expiry_log()
    timers.start(message_id="m1", call_id="call-1", timeout=0.1)
    timers.cancel_all()
    await asyncio.sleep(0.2)
    assert expired == [] and timers.timers == {}


def test_answered_message_id_reads_only_answers() -> None:
    assert answered_message_id('[3,"a",{}]') == "a"
    assert answered_message_id('[4,"b","NotImplemented","",{}]') == "b"
    assert answered_message_id('[5,"c","FormatViolation","",{}]') == "c"  # 2.1 CALLRESULTERROR
    assert answered_message_id('[2,"d","Heartbeat",{}]') is None
    assert answered_message_id("[3, 7, {}]") is None
    assert answered_message_id("{}") is None
    assert answered_message_id("[3") is None
