"""OCPP-J frame parsing: every kind of malformed frame maps to the right CALLERROR code."""

import pytest

from ocpp_bridge.protocol.errors import ErrorCode
from ocpp_bridge.protocol.framing import (
    Call,
    CallError,
    CallResult,
    FrameError,
    parse_frame,
)
from ocpp_bridge.protocol.versions import OcppVersion, negotiate_subprotocol

V16, V201, V21 = OcppVersion.V16, OcppVersion.V201, OcppVersion.V21


def test_parses_the_three_basic_frames() -> None:
    assert parse_frame('[2,"a","Heartbeat",{}]', V201) == Call("a", "Heartbeat", {})
    assert parse_frame('[3,"b",{"x":1}]', V201) == CallResult("b", {"x": 1})
    assert parse_frame('[4,"c","GenericError","oops",{}]', V201) == CallError(
        "c", "GenericError", "oops", {}
    )


@pytest.mark.parametrize(
    ("text", "version", "code", "message_id"),
    [
        ("not json", V201, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        ("not json", V16, ErrorCode.FORMAT_VIOLATION, "-1"),
        ('{"a":1}', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        ("[]", V21, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        ('["2","x","Heartbeat",{}]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        ('[2,17,"Heartbeat",{}]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        (f'[2,"{"x" * 37}","Heartbeat",{{}}]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "-1"),
        ('[2,"x","Heartbeat"]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "x"),
        ('[2,"x","Heartbeat"]', V16, ErrorCode.PROTOCOL_ERROR, "x"),
        ('[2,"x",5,{}]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "x"),
        ('[2,"x","Heartbeat",[]]', V201, ErrorCode.FORMAT_VIOLATION, "x"),
        ('[3,"x"]', V201, ErrorCode.RPC_FRAMEWORK_ERROR, "x"),
        ('[7,"x",{}]', V201, ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "x"),
        ('[5,"x","GenericError","",{}]', V201, ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED, "x"),
    ],
)
def test_malformed_frames_raise_the_right_code(
    text: str, version: OcppVersion, code: ErrorCode, message_id: str
) -> None:
    with pytest.raises(FrameError) as raised:
        parse_frame(text, version)
    assert raised.value.code is code
    assert raised.value.message_id == message_id
    assert raised.value.answer


def test_unknown_message_type_is_ignored_in_1_6() -> None:
    with pytest.raises(FrameError) as raised:
        parse_frame('[7,"x",{}]', V16)
    assert not raised.value.answer


def test_2_1_accepts_send_and_callresulterror() -> None:
    send = parse_frame('[6,"s","NotifyPeriodicEventStream",{}]', V21)
    assert isinstance(send, Call) and send.message_type == 6
    error = parse_frame('[5,"r","FormatViolation","bad",{}]', V21)
    assert isinstance(error, CallError) and error.message_type == 5


@pytest.mark.parametrize(
    ("code", "version", "spelling"),
    [
        (ErrorCode.FORMAT_VIOLATION, V16, "FormationViolation"),
        (ErrorCode.FORMAT_VIOLATION, V201, "FormatViolation"),
        (ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, V16, "OccurenceConstraintViolation"),
        (ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION, V21, "OccurrenceConstraintViolation"),
        (ErrorCode.TYPE_CONSTRAINT_VIOLATION, V16, "TypeConstraintViolation"),
    ],
)
def test_error_codes_use_the_spelling_of_the_version(
    code: ErrorCode, version: OcppVersion, spelling: str
) -> None:
    assert code.spelled_for(version) == spelling


def test_subprotocol_negotiation_prefers_the_registered_protocol() -> None:
    assert negotiate_subprotocol(["ocpp2.1", "ocpp1.6"], "ocpp1.6") is V16
    assert negotiate_subprotocol(["ocpp2.1", "ocpp1.6"], None) is V21
    assert negotiate_subprotocol(["ocpp2.1", "ocpp1.6"], "ocpp2.0.1") is V21
    assert negotiate_subprotocol(["ocpp1.5", "mqtt"], None) is None
    assert negotiate_subprotocol([], "ocpp1.6") is None
