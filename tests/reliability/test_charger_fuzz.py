"""Malformed OCPP-J frames of every kind, for each version, sent to a real daphne process.

Each generated frame carries the answer the OCPP-J spec of its version asks for: a CALLERROR
with the version's spelling of the code (and "-1" when the frame's own id cannot be read), or
nothing where the spec says to ignore it. After every frame the same connection must still
answer a Heartbeat; at the end the station's stored state must be unchanged and every frame
in either direction must be in the frame log.

FUZZ_EXAMPLES raises the number of frames per version (CI keeps it small); FUZZ_REPORT names
a JSON file to write the figures to (bench/fuzz.py reads it).
"""

import base64
import json
import os
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from django.forms.models import model_to_dict
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema.validators import Draft4Validator, validator_for
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from assets.models import Asset, Connector, StationVariable
from charging.models import ChargingSession, MeterSample
from ocpp_bridge.models import ChargerConnection, OcppCall, OcppFrame
from ocpp_bridge.protocol.errors import ErrorCode
from ocpp_bridge.protocol.framing import FrameError, parse_frame
from ocpp_bridge.protocol.versions import CHARGER_INITIATED, OcppVersion, all_actions
from tests.conftest import STATION_PASSWORD
from tests.reliability.figures import report_figures
from tests.reliability.odd_inputs import (
    PARSER_GIVES_UP,
    UNICODE_DIGITS,
    deep_json,
    nested_text,
    truncated,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
# The CSMS's own limit (settings.OCPP_MAX_FRAME_BYTES); frames above it are refused unread.
MAX_FRAME_BYTES = 256 * 1024
IGNORED = "ignored"  # the spec says to drop the frame without an answer

# The wire spelling of each problem, per version (1.6-J §4.2.3 with its errata; 2.x Part 4).
SPELLING = {
    "v16": {
        "unreadable": "FormationViolation",
        "structure": "ProtocolError",
        "format": "FormationViolation",
        "occurrence": "OccurenceConstraintViolation",
        "type": "TypeConstraintViolation",
        "property": "PropertyConstraintViolation",
        "not_implemented": "NotImplemented",
        "not_supported": "NotSupported",
        "unknown_type": IGNORED,  # 1.6-J §4.1.3
        "binary": "ProtocolError",
    },
    "v2": {
        "unreadable": "RpcFrameworkError",
        "structure": "RpcFrameworkError",
        "format": "FormatViolation",
        "occurrence": "OccurrenceConstraintViolation",
        "type": "TypeConstraintViolation",
        "property": "PropertyConstraintViolation",
        "not_implemented": "NotImplemented",
        "not_supported": "NotSupported",
        "unknown_type": "MessageTypeNotSupported",
        "binary": "RpcFrameworkError",
    },
}


@dataclass(frozen=True)
class Case:
    """A frame to send, the problem it has, and the id the answer must carry (None: "-1")."""

    kind: str
    frame: str | bytes
    problem: str  # a key of SPELLING, or IGNORED
    message_id: str | None = None

    def expected(self, version: OcppVersion) -> tuple[str, str] | None:
        spelled = (
            IGNORED
            if self.problem == IGNORED
            else SPELLING["v16" if version.is_v16 else "v2"][self.problem]
        )
        return None if spelled == IGNORED else (self.message_id or "-1", spelled)


# --- text that is odd on purpose -------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "\u0000", "\ufeff", "\u202e", "\u200d", "\uffff", "e\u0301", "\U0001f50c", "\x7f",
        "\ud800", "\udfff", "\\", '"', "\n\t", "ǅ", "İ", "ß" * 3, "\u2028",
    ]
)  # fmt: skip
# Unicode digits go wherever text does: as ids, actions, enum values, and where numbers belong.
ANY_TEXT = st.one_of(
    st.text(max_size=40), ODD_TEXT, UNICODE_DIGITS, st.lists(ODD_TEXT, max_size=5).map("".join)
)
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)
    ),
    max_leaves=8,
)
MESSAGE_ID = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=36
)


def dumps(value: Any, ascii_only: bool) -> str:
    # Lone surrogates can only travel as JSON escapes: a text frame must be valid UTF-8.
    text = json.dumps(value, ensure_ascii=ascii_only)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True)
    return text


def storable(value: Any) -> bool:
    """False when a string holds NUL or an unpaired surrogate: text no station means, which the
    CSMS refuses as a format violation once it has read the frame's type and id."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, list):
        return all(storable(item) for item in value)
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    return True


def read_frame(
    kind: str, frame: list[Any], problem: str, message_id: str, ascii_only: bool
) -> Case:
    """A frame whose type and id can be read: unstorable text after them is its first fault.
    Judged on the text as the server reads it: two escaped halves of a pair make one character."""
    text = dumps(frame, ascii_only)
    problem = problem if storable(json.loads(text)[2:]) else "format"
    return Case(kind, text, problem, message_id)


@st.composite
def encoded(draw: st.DrawFn, value: Any) -> str:
    return dumps(value, draw(st.booleans()))


# --- deep JSON, Unicode digits in number places, NUL in the id (odd_inputs) -----------------


@st.composite
def _deep_payload(draw: st.DrawFn, version: OcppVersion) -> Case:
    """A CALL whose payload nests 30-2000 levels: as an array it is no object at any depth;
    as an object it passes the frame's 32 levels. Either way a FormatViolation on its id,
    unless the parser itself gave up: then the frame is unreadable."""
    message_id = draw(MESSAGE_ID)
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    depth, as_object, payload = draw(deep_json(min_depth=30))
    if as_object and depth < 32:
        payload = nested_text(32, as_object=False)
    head = json.dumps([2, message_id, action], ensure_ascii=draw(st.booleans()))
    if depth >= PARSER_GIVES_UP[1]:
        return Case("deep_payload", f"{head[:-1]},{payload}]", "unreadable")
    return Case("deep_payload", f"{head[:-1]},{payload}]", "format", message_id)


@st.composite
def _deep_message_id(draw: st.DrawFn) -> Case:
    """The id itself nested: no id to answer with; over the frame's 32 levels it is refused as
    too deep (FormatViolation), under them as an id that is not a string."""
    depth, _, nested = draw(deep_json(min_depth=30))
    problem = "format" if depth + 1 > 32 else "structure"
    problem = "unreadable" if depth >= PARSER_GIVES_UP[1] else problem
    return Case("deep_message_id", f'[2,{nested},"Heartbeat",{{}}]', problem)


@st.composite
def _deep_truncated(draw: st.DrawFn, version: OcppVersion) -> Case:
    """A deep frame cut short: not JSON, however far the parser got into it."""
    deep = draw(st.one_of(_deep_payload(version), _deep_message_id()))
    text = draw(truncated(str(deep.frame)).filter(_unparsable))
    return Case("deep_truncated", text, "unreadable")


@st.composite
def _unicode_digit_number(draw: st.DrawFn, version: OcppVersion) -> Case:
    """A Unicode digit written where a JSON number goes (the type id, a payload value): not
    JSON, though Python's \\d and int() would read it as a number."""
    digits = draw(UNICODE_DIGITS.filter(lambda d: "\x00" not in d))
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    frame = draw(
        st.sampled_from(
            [f'[{digits},"u","{action}",{{}}]', f'[2,"u","{action}",{{"connectorId":{digits}}}]',
             f'[2,"u","{action}",{{"connectorId":1{digits}}}]']
        )
    )  # fmt: skip
    assume(_unparsable(frame))
    return Case("unicode_digit_number", frame, "unreadable")


@st.composite
def _nul_in_id_or_action(draw: st.DrawFn, version: OcppVersion) -> Case:
    """NUL in the message id (escaped: no id to answer with; raw: not JSON) or in the action."""
    message_id = draw(MESSAGE_ID)
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    cut = draw(st.integers(0, len(message_id)))
    nul_id = message_id[:cut] + "\x00" + message_id[cut:]
    where = draw(st.sampled_from(["id", "raw_id", "action"]))
    if where == "action":
        frame = [2, message_id, action[:cut] + "\x00" + action[cut:], {}]
        return read_frame("nul_action", frame, "format", message_id, draw(st.booleans()))
    text = json.dumps([2, nul_id, action, {}], ensure_ascii=draw(st.booleans()))
    if where == "raw_id":  # a control character may not stand unescaped in a JSON string
        return Case("nul_raw_id", text.replace("\\u0000", "\x00"), "unreadable")
    return Case("nul_message_id", text, "structure")


# --- frames broken at the RPC level ----------------------------------------------------------


def _not_json() -> st.SearchStrategy[Case]:
    garbage = st.one_of(
        st.text(min_size=1).filter(_unparsable),
        st.sampled_from(["[2,", "[2,'a','Heartbeat',{}]", "{", "NaN]", "[1,]", "\ufeff[]", ""]),
        st.integers(1, 5000).map(lambda depth: "[" * depth),  # too deep or unterminated
    ).filter(_unparsable)
    return garbage.map(lambda text: Case("not_json", text, "unreadable"))


def _unparsable(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return True
    return False


def _not_an_array() -> st.SearchStrategy[Case]:
    value = st.one_of(JSON_SCALAR, st.dictionaries(ANY_TEXT, JSON_SCALAR, max_size=3), st.just([]))
    return value.flatmap(encoded).map(lambda text: Case("not_an_array", text, "structure"))


@st.composite
def _bad_type_id(draw: st.DrawFn) -> Case:
    bad = draw(
        st.one_of(ANY_TEXT, st.floats(allow_nan=False), st.booleans(), st.none(), st.just([2]))
    )
    rest = draw(st.lists(JSON_VALUE, max_size=4))
    return Case("bad_type_id", dumps([bad, *rest], draw(st.booleans())), "structure")


@st.composite
def _non_standard_json(draw: st.DrawFn, version: OcppVersion) -> Case:
    """NaN and Infinity are not JSON (RFC 8259), though Python's parser reads them."""
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    constant = draw(st.sampled_from(["NaN", "Infinity", "-Infinity"]))
    frame = f'[2,"{draw(st.uuids())}","{action}",{{"value":{constant}}}]'
    return Case("non_standard_json", frame, "unreadable")


@st.composite
def _bad_message_id(draw: st.DrawFn) -> Case:
    message_type = draw(st.sampled_from([2, 3, 4]))
    bad = draw(
        st.one_of(
            st.just(""),
            st.integers(),
            st.none(),
            st.booleans(),
            st.lists(MESSAGE_ID, max_size=2),
            st.text(min_size=37, max_size=5000),  # an oversized id
        )
    )
    extras = st.lists(JSON_VALUE, max_size=3)
    if draw(st.booleans()) and not bad:  # the id left out: what follows must not read as one
        frame = [message_type, *draw(extras.filter(lambda x: not x or not isinstance(x[0], str)))]
    else:
        frame = [message_type, bad, *draw(extras)]
    return Case("bad_message_id", dumps(frame, draw(st.booleans())), "structure")


@st.composite
def _unknown_type(draw: st.DrawFn, version: OcppVersion) -> Case:
    known = {2, 3, 4, 5, 6} if version is OcppVersion.V21 else {2, 3, 4}
    message_type = draw(st.integers(-(2**63), 2**63).filter(lambda n: n not in known))
    message_id = draw(MESSAGE_ID)
    frame = [message_type, message_id, *draw(st.lists(JSON_VALUE, max_size=3))]
    return Case("unknown_type", dumps(frame, draw(st.booleans())), "unknown_type", message_id)


@st.composite
def _bad_call_shape(draw: st.DrawFn) -> Case:
    """A CALL with the wrong number of elements or an action that is not a non-empty string."""
    message_id = draw(MESSAGE_ID)
    if draw(st.booleans()):
        extra = draw(st.lists(JSON_VALUE, min_size=0, max_size=4).filter(lambda x: len(x) != 2))
        frame = [2, message_id, *extra]
    else:
        action = draw(st.one_of(st.just(""), st.integers(), st.none(), st.lists(ANY_TEXT)))
        frame = [2, message_id, action, draw(st.dictionaries(ANY_TEXT, JSON_SCALAR, max_size=2))]
    return read_frame("bad_call_shape", frame, "structure", message_id, draw(st.booleans()))


@st.composite
def _payload_not_object(draw: st.DrawFn, version: OcppVersion) -> Case:
    message_id = draw(MESSAGE_ID)
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    payload = draw(st.one_of(JSON_SCALAR, st.lists(JSON_VALUE, max_size=3)))
    frame = [2, message_id, action, payload]
    return read_frame("payload_not_object", frame, "format", message_id, draw(st.booleans()))


@st.composite
def _bad_answer(draw: st.DrawFn) -> Case:
    """A CALLRESULT or CALLERROR of the wrong shape: the station's answer cannot be read."""
    message_id = draw(MESSAGE_ID)
    if draw(st.booleans()):
        body = draw(
            st.one_of(
                st.lists(JSON_VALUE, max_size=3).filter(lambda x: len(x) != 1),
                JSON_SCALAR.map(lambda x: [x]),
            )
        )
        frame = [3, message_id, *body]
    else:
        body = draw(st.lists(JSON_VALUE, max_size=5).filter(lambda x: len(x) != 3))
        body = body or [draw(st.one_of(st.integers(), st.none()))]
        frame = [4, message_id, *body]
        if len(body) == 3 and isinstance(body[0], str):
            frame[2] = 0  # errorCode must be a string: keep this one wrong
    return read_frame("bad_answer", frame, "structure", message_id, draw(st.booleans()))


@st.composite
def _stray_answer(draw: st.DrawFn, version: OcppVersion) -> Case:
    """A well-formed answer to a call the CSMS never made: stored, never answered."""
    message_id = "stray-" + draw(MESSAGE_ID)[:30]
    kinds = [3, 4, 5] if version is OcppVersion.V21 else [3, 4]
    kind = draw(st.sampled_from(kinds))
    if kind == 3:
        frame: list[Any] = [3, message_id, draw(st.dictionaries(ANY_TEXT, JSON_SCALAR))]
    else:
        frame = [kind, message_id, draw(ANY_TEXT), draw(ANY_TEXT), {}]
    return read_frame("stray_answer", frame, IGNORED, message_id, draw(st.booleans()))


@st.composite
def _unknown_action(draw: st.DrawFn, version: OcppVersion) -> Case:
    message_id = draw(MESSAGE_ID)
    action = draw(st.one_of(ANY_TEXT, st.text(min_size=65, max_size=3000)))
    if not action or action in all_actions(version):
        action = f"No{action}Such"
    frame = [2, message_id, action, {}]
    return read_frame("unknown_action", frame, "not_implemented", message_id, draw(st.booleans()))


@st.composite
def _csms_action(draw: st.DrawFn, version: OcppVersion) -> Case:
    """An action the version defines for the CSMS to send: the station may not send it."""
    message_id = draw(MESSAGE_ID)
    action = draw(st.sampled_from(sorted(all_actions(version) - CHARGER_INITIATED[version])))
    frame = [2, message_id, action, {}]
    return read_frame("csms_action", frame, "not_supported", message_id, draw(st.booleans()))


@st.composite
def _oversized(draw: st.DrawFn, version: OcppVersion) -> Case:
    message_id = draw(MESSAGE_ID)
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    size = draw(st.integers(MAX_FRAME_BYTES + 1, MAX_FRAME_BYTES * 3))
    frame = json.dumps([2, message_id, action, {"pad": ""}])
    frame = frame.replace('"pad": ""', f'"pad": "{"x" * (size - len(frame))}"')
    return Case("oversized", frame, "format", message_id)


def _binary() -> st.SearchStrategy[Case]:
    data = st.one_of(st.binary(max_size=200), st.just(b'[2,"b","Heartbeat",{}]'))
    return data.map(lambda raw: Case("binary", raw, "binary"))


# --- payloads that break the action's official schema in exactly one place ------------------


@cache
def request_schema(version: OcppVersion, action: str) -> dict[str, Any]:
    return json.loads(version.schema_path(action).read_text(encoding="utf-8-sig"))


def resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def minimal(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """The smallest value the schema accepts: required fields only, first enum members."""
    schema = resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: minimal(properties[name], root) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(schema["items"], root) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "a" * max(schema.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    raise AssertionError(f"no minimal value for {schema}")


def nodes(value: Any, schema: dict[str, Any], root: dict[str, Any], path: tuple = ()) -> list:
    """Every (path, schema) in a value built by `minimal`, the root included."""
    schema = resolve(schema, root)
    found = [(path, schema)]
    if isinstance(value, dict):
        for name, item in value.items():
            found += nodes(item, schema["properties"][name], root, (*path, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nodes(item, schema["items"], root, (*path, index))
    return found


WRONG_TYPES: dict[str, st.SearchStrategy[Any]] = {
    "string": st.one_of(st.integers(), st.booleans(), st.none(), st.just([]), st.just({})),
    "integer": st.one_of(ANY_TEXT, st.booleans(), st.none(), st.just(0.5), st.just([1])),
    "number": st.one_of(ANY_TEXT, st.booleans(), st.none(), st.just({})),
    "boolean": st.one_of(st.integers(), ANY_TEXT, st.none()),
    "object": st.one_of(st.integers(), ANY_TEXT, st.none(), st.lists(st.integers(), max_size=2)),
    "array": st.one_of(st.integers(), ANY_TEXT, st.none(), st.just({})),
}


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


@st.composite
def _schema_violation(draw: st.DrawFn, version: OcppVersion) -> Case:
    action = draw(st.sampled_from(sorted(CHARGER_INITIATED[version])))
    schema = request_schema(version, action)
    payload = minimal(schema, schema)
    places = nodes(payload, schema, schema)
    mutations = ["wrong_type", "missing_field", "extra_field", "not_in_enum", "too_long"]
    mutation = draw(st.sampled_from(mutations))
    path, node = draw(st.sampled_from(places))
    if mutation == "missing_field" and node.get("required"):
        name = draw(st.sampled_from(node["required"]))
        target = _at(payload, path)
        payload = replaced(payload, path, {k: v for k, v in target.items() if k != name})
        problem = "occurrence"
    elif (
        mutation == "extra_field"
        and node.get("type") == "object"
        and (node.get("additionalProperties") is False)
    ):
        name = draw(ANY_TEXT.filter(lambda key: key not in node.get("properties", {})))
        payload = replaced(payload, path, {**_at(payload, path), name: draw(JSON_VALUE)})
        problem = "format"
    elif mutation == "not_in_enum" and "enum" in node:
        payload = replaced(payload, path, draw(ANY_TEXT.filter(lambda s: s not in node["enum"])))
        problem = "property"
    elif mutation == "too_long" and "maxLength" in node:
        payload = replaced(payload, path, "z" * (node["maxLength"] + draw(st.integers(1, 300))))
        problem = "type"
    elif path and node.get("type") in WRONG_TYPES:
        payload = replaced(payload, path, draw(WRONG_TYPES[node["type"]]))
        problem = "type"
    else:  # the chosen place cannot take this mutation: drop the whole payload's first field
        required = schema.get("required") or []
        if not required:
            payload, problem = {**payload, "\ufeffextra": 1}, "format"
        else:
            payload = {k: v for k, v in payload.items() if k != required[0]}
            problem = "occurrence"
    _check_one_violation(schema, payload, problem)
    message_id = draw(MESSAGE_ID)
    frame = [2, message_id, action, payload]
    return read_frame(f"schema_{problem}", frame, problem, message_id, draw(st.booleans()))


def _at(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


KEYWORDS = {
    "occurrence": {"required"},
    "format": {"additionalProperties"},
    "property": {"enum"},
    "type": {"type", "maxLength"},
}


VALUE_KEYWORDS = {"enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}


def _check_one_violation(schema: dict[str, Any], payload: Any, problem: str) -> None:
    """The generator's own check, with the schema read independently of the CSMS: the payload
    breaks the schema exactly once, the way the case says (else the oracle would be wrong)."""
    validator = validator_for(schema, default=Draft4Validator)(schema)
    errors = list(validator.iter_errors(json.loads(json.dumps(payload))))
    keywords = {str(error.validator) for error in errors}
    # A wrong type may also break the field's enum or bounds: the type is what went wrong first.
    if problem == "type" and "type" in keywords and keywords <= {"type", *VALUE_KEYWORDS}:
        return
    assert len(errors) == 1 and keywords <= KEYWORDS[problem], (problem, payload, errors)


def cases(version: OcppVersion) -> st.SearchStrategy[Case]:
    return st.one_of(
        _not_json(),
        _not_an_array(),
        _non_standard_json(version),
        _bad_type_id(),
        _bad_message_id(),
        _unknown_type(version),
        _bad_call_shape(),
        _payload_not_object(version),
        _bad_answer(),
        _stray_answer(version),
        _unknown_action(version),
        _csms_action(version),
        _schema_violation(version),
        _schema_violation(version),  # twice as likely: the richest family
        _oversized(version),
        _deep_payload(version),
        _deep_message_id(),
        _deep_truncated(version),
        _unicode_digit_number(version),
        _nul_in_id_or_action(version),
    )


# --- the station's side of the socket -------------------------------------------------------


@dataclass
class Link:
    """One station connection; `exchange` sends a frame, then a Heartbeat, and returns what
    came back before the Heartbeat's answer (answers arrive in order)."""

    address: str
    identity: str
    protocol: str
    ws: ClientConnection | None = None
    _stack: ExitStack = field(default_factory=ExitStack)
    sent_text: int = 0
    received: list[list[Any]] = field(default_factory=list)
    beats: int = 0

    def __enter__(self) -> "Link":
        token = base64.b64encode(f"{self.identity}:{STATION_PASSWORD}".encode()).decode()
        self.ws = self._stack.enter_context(
            connect(
                f"ws://{self.address}/ocpp/{self.identity}",
                subprotocols=[self.protocol],  # type: ignore[list-item]
                additional_headers={"Authorization": f"Basic {token}"},
                max_size=2**22,
                open_timeout=20,
            )
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def send(self, frame: str | bytes) -> None:
        assert self.ws is not None
        self.ws.send(frame)
        self.sent_text += isinstance(frame, str)

    def read(self) -> list[Any]:
        assert self.ws is not None
        reply = json.loads(self.ws.recv(timeout=30))
        self.received.append(reply)
        return reply

    def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        self.beats += 1
        message_id = f"ok-{self.beats}"
        self.send(json.dumps([2, message_id, action, payload]))
        reply = self.read()
        assert reply[:2] == [3, message_id], reply
        return reply

    def exchange(self, frame: str | bytes) -> list[list[Any]]:
        self.send(frame)
        self.beats += 1
        beat_id = f"beat-{self.beats}"
        self.send(json.dumps([2, beat_id, "Heartbeat", {}]))
        replies = []
        while (reply := self.read())[1] != beat_id:
            replies.append(reply)
        assert reply[0] == 3 and "currentTime" in reply[2], reply
        return replies


def prime(link: Link, version: OcppVersion) -> None:
    """Give the station stored state worth corrupting: boot info, a connector, a session."""
    if version.is_v16:
        link.call("BootNotification", {"chargePointVendor": "Fuzz", "chargePointModel": "F1"})
        link.call(
            "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
        )
        link.call(
            "StartTransaction",
            {"connectorId": 1, "idTag": "T", "meterStart": 10, "timestamp": "2030-01-01T00:00:00Z"},
        )
        return
    link.call(
        "BootNotification",
        {"chargingStation": {"vendorName": "Fuzz", "model": "F2"}, "reason": "PowerUp"},
    )
    link.call(
        "StatusNotification",
        {
            "timestamp": "2030-01-01T00:00:00Z",
            "connectorStatus": "Occupied",
            "evseId": 1,
            "connectorId": 1,
        },
    )
    link.call(
        "TransactionEvent",
        {
            "eventType": "Started",
            "timestamp": "2030-01-01T00:00:00Z",
            "triggerReason": "Authorized",
            "seqNo": 0,
            "transactionInfo": {"transactionId": "FUZZ-TX"},
            "evse": {"id": 1, "connectorId": 1},
        },
    )


# Written by the server as time passes, not by what a station says.
VOLATILE = {"last_seen_at", "updated_at", "is_online", "connected_at", "current_connection"}


def snapshot(asset_id: Any) -> dict[str, Any]:
    def rows(model: Any, **where: Any) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in model_to_dict(row).items() if k not in VOLATILE}
            for row in model.objects.filter(**where).order_by("pk")
        ]

    return {
        "asset": rows(Asset, pk=asset_id),
        "connectors": rows(Connector, asset_id=asset_id),
        "sessions": rows(ChargingSession, asset_id=asset_id),
        "meter_samples": rows(MeterSample, asset_id=asset_id),
        "variables": rows(StationVariable, asset_id=asset_id),
        "calls": rows(OcppCall, asset_id=asset_id),
    }


def logged(connection_id: Any) -> tuple[int, Counter[tuple[Any, ...]]]:
    """Frames received on the connection, and the answers sent on it (type, id, error code)."""
    frames = OcppFrame.objects.filter(connection_id=connection_id)
    received = frames.filter(direction="in").count()
    sent = Counter(
        (
            f.message_type,
            f.message_id,
            (f.payload or {}).get("errorCode") if f.message_type == 4 else None,
        )
        for f in frames.filter(direction="out")
    )
    return received, sent


def answers(link: Link) -> Counter[tuple[Any, ...]]:
    return Counter(
        (reply[0], reply[1], reply[2] if reply[0] == 4 else None) for reply in link.received
    )


# --- the properties --------------------------------------------------------------------------

FIGURES: dict[str, dict[str, Any]] = {}


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,  # the working tree is shared: no .hypothesis folder
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@pytest.mark.parametrize("version", list(OcppVersion), ids=str)
def test_malformed_frames_get_the_versions_callerror_and_change_nothing(
    daphne_server: str, make_station, version: OcppVersion
) -> None:
    station = make_station(f"FUZZ-{version.name}", protocol=version.value)
    tally: Counter[str] = Counter()
    with Link(daphne_server, station.identity, version.value) as link:
        prime(link, version)
        before = snapshot(station.pk)

        connection = ChargerConnection.objects.get(asset=station, closed_at__isnull=True)

        @fuzz_settings(EXAMPLES)
        @given(case=cases(version))
        def frame_is_answered_as_its_version_says(case: Case) -> None:
            received_before = logged(connection.pk)[0]
            replies = link.exchange(case.frame)
            # The frame and the Heartbeat after it were both logged as received.
            assert logged(connection.pk)[0] == received_before + 2, case
            expected = case.expected(version)
            got = [(reply[1], reply[2]) for reply in replies if reply[0] == 4]
            assert got == ([expected] if expected else []), (case, replies)
            assert all(reply[0] == 4 for reply in replies), replies
            tally[case.kind] += 1

        frame_is_answered_as_its_version_says()

        assert ChargerConnection.objects.get(pk=connection.pk).closed_at is None
        assert snapshot(station.pk) == before
        received, sent = logged(connection.pk)
        assert received == link.sent_text
        assert sent == answers(link)
    FIGURES[version.value] = {"tried": sum(tally.values()), "by_kind": dict(tally)}
    report_figures("charger", FIGURES)


@pytest.mark.parametrize("version", list(OcppVersion), ids=str)
def test_binary_frames_get_the_versions_callerror(
    daphne_server: str, make_station, version: OcppVersion
) -> None:
    station = make_station(f"FUZZ-BIN-{version.name}", protocol=version.value)
    with Link(daphne_server, station.identity, version.value) as link:

        @fuzz_settings(max(EXAMPLES // 5, 10))
        @given(case=_binary())
        def binary_frame_is_refused(case: Case) -> None:
            replies = link.exchange(case.frame)
            assert [r[:3] for r in replies] == [[4, "-1", case.expected(version)[1]]]

        binary_frame_is_refused()
        assert ChargerConnection.objects.filter(asset=station, closed_at__isnull=True).exists()


def test_binary_frames_and_their_answers_are_in_the_frame_log(
    daphne_server: str, make_station
) -> None:
    station = make_station("FUZZ-BIN-LOG", protocol="ocpp2.0.1")
    with Link(daphne_server, station.identity, "ocpp2.0.1") as link:
        link.exchange(b"\x00\x01")
        connection = ChargerConnection.objects.get(asset=station, closed_at__isnull=True)
        received, sent = logged(connection.pk)
    assert sent == answers(link)
    assert received == link.sent_text + 1


def test_a_frame_bigger_than_daphne_takes_ends_only_its_own_connection(
    daphne_server: str, make_station
) -> None:
    """daphne refuses messages over 1 MiB (close 1009, then drops the socket): the station
    reconnects and is answered; the server is unharmed."""
    station = make_station("FUZZ-HUGE", protocol="ocpp2.0.1")
    frame = json.dumps([2, "huge", "Heartbeat", {"pad": "x" * (3 * 2**19)}])
    with Link(daphne_server, station.identity, "ocpp2.0.1") as link:
        with pytest.raises(ConnectionClosed) as closed:
            link.exchange(frame)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    with Link(daphne_server, station.identity, "ocpp2.0.1") as again:
        again.call("Heartbeat", {})
    assert ChargerConnection.objects.filter(asset=station).count() == 2


def test_text_with_a_nul_character_is_answered_and_logged(daphne_server: str, make_station) -> None:
    station = make_station("FUZZ-NUL", protocol="ocpp2.0.1")
    with Link(daphne_server, station.identity, "ocpp2.0.1") as link:
        replies = link.exchange("\x00")
        connection = ChargerConnection.objects.get(asset=station, closed_at__isnull=True)
        received, sent = logged(connection.pk)
    assert [r[:3] for r in replies] == [[4, "-1", "RpcFrameworkError"]]
    assert (received, sent) == (link.sent_text, answers(link))


# --- the parser's fixes for what the fuzzer found, without a server ------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(constant: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse_frame(f'[2,"a","Heartbeat",{{"x":{constant}}}]', OcppVersion.V201)
    assert (refused.value.code, refused.value.message_id) == (
        ErrorCode.RPC_FRAMEWORK_ERROR,
        "-1",
    )


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_nul_or_a_lone_surrogate_in_the_id_makes_it_unreadable(escape: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse_frame(f'[2,"a{escape}","Heartbeat",{{}}]', OcppVersion.V16)
    assert (refused.value.code.spelled_for(OcppVersion.V16), refused.value.message_id) == (
        "ProtocolError",
        "-1",
    )


@pytest.mark.parametrize(
    "frame",
    [
        '[2,"a","Authorize",{"idTag":"x\\u0000"}]',
        '[2,"a","Authorize",{"x\\ud800":1}]',
        '[2,"a","Heart\\u0000beat",{}]',
        '[3,"a",{"status":"\\udfff"}]',
    ],
)
def test_nul_or_a_lone_surrogate_after_the_id_is_a_format_violation(frame: str) -> None:
    with pytest.raises(FrameError) as refused:
        parse_frame(frame, OcppVersion.V21)
    assert (refused.value.code, refused.value.message_id) == (ErrorCode.FORMAT_VIOLATION, "a")
