"""OCPP-J RPC frames: parsing incoming text strictly, and encoding outgoing frames."""

import json
from dataclasses import dataclass, field
from typing import Any

from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.versions import OcppVersion

CALL = 2
CALLRESULT = 3
CALLERROR = 4
CALLRESULTERROR = 5  # 2.1
SEND = 6  # 2.1

MAX_MESSAGE_ID_LENGTH = 36
# Deeper frames are refused before anything walks them: the deepest official schema nests about
# ten levels, while ~400 levels of brackets (1 KB) exhausted the recursion of the checks, the
# schema validation and the frame log, and dropped the connection.
MAX_JSON_DEPTH = 32
# The id to answer with when the offending frame's own id cannot be read (2.0.1 Part 4 §4.2.3).
UNREADABLE_MESSAGE_ID = "-1"


@dataclass(frozen=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]
    message_type: int = CALL  # SEND shares the shape, without an answer


@dataclass(frozen=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]
    message_type: int = CALLRESULT


@dataclass(frozen=True)
class CallError:
    message_id: str
    error_code: str
    description: str
    details: dict[str, Any] = field(default_factory=dict)
    message_type: int = CALLERROR  # or CALLRESULTERROR


Frame = Call | CallResult | CallError


class FrameError(OcppError):
    """A frame that cannot be processed; `answer` is False when the spec says to ignore it."""

    def __init__(
        self,
        code: ErrorCode,
        description: str,
        *,
        message_id: str = UNREADABLE_MESSAGE_ID,
        action: str = "",
        answer: bool = True,
    ) -> None:
        super().__init__(code, description)
        self.message_id = message_id
        self.action = action
        self.answer = answer


def message_types(version: OcppVersion) -> frozenset[int]:
    if version is OcppVersion.V21:
        return frozenset({CALL, CALLRESULT, CALLERROR, CALLRESULTERROR, SEND})
    return frozenset({CALL, CALLRESULT, CALLERROR})


def parse_frame(text: str, version: OcppVersion) -> Frame:
    """Parse one WebSocket text message into a frame, or raise FrameError saying why not."""
    try:
        message = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        raise FrameError(_unreadable(version), "Message is not valid JSON") from None
    except RecursionError:  # so deep the parser gave up: whether it was JSON is not known
        raise FrameError(
            _unreadable(version), f"Message nests too deeply to be read ({MAX_JSON_DEPTH} max)"
        ) from None
    if not isinstance(message, list) or not message:
        raise FrameError(_structure(version), "Message is not a non-empty JSON array")
    if json_depth(message) > MAX_JSON_DEPTH:
        readable = len(message) > 1 and isinstance(message[1], str) and _storable(message[1])
        raise _too_deep(message_id=message[1][:MAX_MESSAGE_ID_LENGTH] if readable else None)
    message_type = message[0]
    if not isinstance(message_type, int) or isinstance(message_type, bool):
        raise FrameError(_structure(version), "MessageTypeId is not an integer")
    message_id = _read_message_id(message, version)
    if message_type not in message_types(version):
        # 1.6 §4.1.3: a message with an unknown type number SHALL be ignored.
        raise FrameError(
            ErrorCode.MESSAGE_TYPE_NOT_SUPPORTED,
            f"MessageTypeId {message_type} is not supported",
            message_id=message_id,
            answer=not version.is_v16,
        )
    if not _storable(message[2:]):
        raise FrameError(
            ErrorCode.FORMAT_VIOLATION,
            "Message holds a NUL character or an unpaired surrogate",
            message_id=message_id,
        )
    if message_type in (CALL, SEND):
        return _parse_call(message, message_id, version)
    if message_type == CALLRESULT:
        return _parse_call_result(message, message_id, version)
    return _parse_call_error(message, message_id, version)


def json_depth(value: Any) -> int:
    """How deep `value` nests (a scalar: 0, [] or {}: 1), without recursion, stopping as soon
    as MAX_JSON_DEPTH is passed."""
    if not isinstance(value, dict | list):
        return 0
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _too_deep(*, message_id: str | None) -> FrameError:
    """JSON read but deeper than MAX_JSON_DEPTH."""
    return FrameError(
        ErrorCode.FORMAT_VIOLATION,
        f"Message nests deeper than {MAX_JSON_DEPTH} levels",
        message_id=message_id or UNREADABLE_MESSAGE_ID,
    )


def _reject_constant(name: str) -> Any:
    # Python reads NaN and Infinity, which JSON (RFC 8259) does not have: a station sending them
    # sent no JSON, and they could not be stored in the frame log either.
    raise ValueError(f"{name} is not JSON")


def _storable(value: Any) -> bool:
    """False if a string in `value` holds NUL or an unpaired surrogate (read from JSON escapes):
    not text a station means, and neither PostgreSQL text nor jsonb can store it."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _read_message_id(message: list[Any], version: OcppVersion) -> str:
    if len(message) < 2:
        raise FrameError(_structure(version), "Message has no MessageId")
    message_id = message[1]
    if not isinstance(message_id, str) or not message_id:
        raise FrameError(_structure(version), "MessageId is not a non-empty string")
    if not _storable(message_id):
        raise FrameError(_structure(version), "MessageId holds a NUL or an unpaired surrogate")
    if len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise FrameError(
            _structure(version), f"MessageId is longer than {MAX_MESSAGE_ID_LENGTH} characters"
        )
    return message_id


def _parse_call(message: list[Any], message_id: str, version: OcppVersion) -> Call:
    if len(message) != 4:
        raise FrameError(
            _structure(version),
            f"A CALL has 4 elements, this one has {len(message)}",
            message_id=message_id,
        )
    action, payload = message[2], message[3]
    if not isinstance(action, str) or not action:
        raise FrameError(
            _structure(version), "Action is not a non-empty string", message_id=message_id
        )
    if not isinstance(payload, dict):
        raise FrameError(
            ErrorCode.FORMAT_VIOLATION,
            "Payload is not a JSON object",
            message_id=message_id,
            action=action,
        )
    return Call(message_id, action, payload, message_type=message[0])


def _parse_call_result(message: list[Any], message_id: str, version: OcppVersion) -> CallResult:
    if len(message) != 3 or not isinstance(message[2], dict):
        raise FrameError(
            _structure(version),
            "A CALLRESULT is [3, MessageId, {payload}]",
            message_id=message_id,
        )
    return CallResult(message_id, message[2])


def _parse_call_error(message: list[Any], message_id: str, version: OcppVersion) -> CallError:
    if len(message) != 5 or not isinstance(message[2], str):
        raise FrameError(
            _structure(version),
            "A CALLERROR is [4, MessageId, errorCode, errorDescription, {errorDetails}]",
            message_id=message_id,
        )
    details = message[4] if isinstance(message[4], dict) else {}
    description = message[3] if isinstance(message[3], str) else ""
    return CallError(message_id, message[2], description, details, message_type=message[0])


def _unreadable(version: OcppVersion) -> ErrorCode:
    # 1.6 has no RpcFrameworkError; text that is not JSON is "syntactically incorrect" there.
    return ErrorCode.FORMAT_VIOLATION if version.is_v16 else ErrorCode.RPC_FRAMEWORK_ERROR


def _structure(version: OcppVersion) -> ErrorCode:
    return ErrorCode.PROTOCOL_ERROR if version.is_v16 else ErrorCode.RPC_FRAMEWORK_ERROR


def _dumps(frame: list[Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False, default=str)


def encode_call(message_id: str, action: str, payload: dict[str, Any]) -> str:
    return _dumps([CALL, message_id, action, payload])


def encode_call_result(message_id: str, payload: dict[str, Any]) -> str:
    return _dumps([CALLRESULT, message_id, payload])


def encode_call_error(
    message_id: str,
    code: ErrorCode,
    description: str,
    details: dict[str, Any],
    version: OcppVersion,
) -> str:
    return _dumps([CALLERROR, message_id, code.spelled_for(version), description, details])


def encode_call_result_error(
    message_id: str, code: ErrorCode, description: str, details: dict[str, Any]
) -> str:
    """2.1's answer to a CALLRESULT the receiver could not accept (Part 4 §4.2.4)."""
    return _dumps([CALLRESULTERROR, message_id, code.value, description, details])


def answered_message_id(text: str) -> str | None:
    """The message id a frame answers, if it is a CALLRESULT, CALLERROR or (2.1)
    CALLRESULTERROR; None for anything else, including text that is not JSON. A quick look,
    not a check: the frame is parsed and validated properly where it is handled."""
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    if not isinstance(frame, list) or len(frame) < 2 or not isinstance(frame[1], str):
        return None
    return frame[1] if frame[0] in (CALLRESULT, CALLERROR, CALLRESULTERROR) else None
