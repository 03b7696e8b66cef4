"""Which actions go which way, and schema-derived minimal answers for any CSMS request.

The simulated stations answer every CSMS-to-station action.  The interesting ones have
hand-written handlers; for the rest we build the smallest response that the official OCPP
JSON schema (shipped with the ``ocpp`` package) accepts, so that a CSMS never sees a
NotImplemented CallError from the simulator.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from ocpp_bridge.protocol.versions import (
    BIDIRECTIONAL,
    CHARGER_INITIATED,
    SUPPORTED_SUBPROTOCOLS,
    OcppVersion,
    csms_initiated,
)
from ocpp_bridge.protocol.versions import all_actions as _all_actions

# The direction tables and schema locations are the CSMS's own (ocpp_bridge.protocol, which
# knows nothing of Django): station and CSMS must agree on who sends what.
PROTOCOLS: tuple[str, ...] = SUPPORTED_SUBPROTOCOLS

# The ``ocpp`` package names versions without the "ocpp" prefix.
OCPP_VERSION: dict[str, str] = {"ocpp1.6": "1.6", "ocpp2.0.1": "2.0.1", "ocpp2.1": "2.1"}

CHARGER_INITIATED_ACTIONS: dict[str, frozenset[str]] = {
    version.value: actions for version, actions in CHARGER_INITIATED.items()
}
BIDIRECTIONAL_ACTIONS: frozenset[str] = BIDIRECTIONAL


def schema_dir(protocol: str) -> Path:
    """Directory of the ``ocpp`` package holding the JSON schemas of ``protocol``."""
    return OcppVersion(protocol).schema_dir


def all_actions(protocol: str) -> frozenset[str]:
    """Every action ``protocol`` defines, read from the schema file names."""
    return _all_actions(OcppVersion(protocol))


def csms_actions(protocol: str) -> frozenset[str]:
    """The actions a CSMS may send to a station speaking ``protocol``."""
    return csms_initiated(OcppVersion(protocol))


@cache
def _load_schema(protocol: str, name: str) -> dict[str, Any]:
    # Some schemas start with a byte order mark, hence utf-8-sig.
    with open(schema_dir(protocol) / f"{name}.json", encoding="utf-8-sig") as handle:
        return json.load(handle)


def response_schema(protocol: str, action: str) -> dict[str, Any]:
    """The JSON schema of the response (CALLRESULT payload) to ``action``."""
    return _load_schema(protocol, f"{action}Response")


def request_schema(protocol: str, action: str) -> dict[str, Any]:
    """The JSON schema of the request (CALL payload) of ``action``."""
    suffix = "" if protocol == "ocpp1.6" else "Request"
    return _load_schema(protocol, f"{action}{suffix}")


def utc_now() -> str:
    """The current UTC time as an OCPP timestamp (RFC 3339, millisecond precision, 'Z')."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_minimal_value(
    node: dict[str, Any], root: dict[str, Any], preferred: str = "Accepted"
) -> Any:
    """Build the smallest value that ``node`` (a JSON-schema fragment of ``root``) accepts.

    Only required object properties are filled.  A string enum gets ``preferred`` when it
    is one of its values, otherwise its first value, because "Accepted" is the answer a
    CSMS under test most likely expects.
    """
    if "$ref" in node:
        return build_minimal_value(_resolve(node["$ref"], root), root, preferred)
    if "enum" in node:
        values = node["enum"]
        return preferred if preferred in values else values[0]
    kind = node.get("type", "object")
    if isinstance(kind, list):
        kind = kind[0]
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"cannot build a value for schema type {kind!r}")
    return builder(node, root, preferred)


def build_minimal_response(schema: dict[str, Any], preferred: str = "Accepted") -> dict[str, Any]:
    """Build the smallest payload that a whole response ``schema`` accepts."""
    return build_minimal_value(schema, schema, preferred)


def minimal_response(protocol: str, action: str) -> dict[str, Any]:
    """A generic, schema-valid response to the CSMS request ``action`` of ``protocol``."""
    return build_minimal_response(response_schema(protocol, action))


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _build_object(node: dict[str, Any], root: dict[str, Any], preferred: str) -> dict[str, Any]:
    properties = node.get("properties", {})
    return {
        name: build_minimal_value(properties.get(name, {"type": "string"}), root, preferred)
        for name in node.get("required", [])
    }


def _build_array(node: dict[str, Any], root: dict[str, Any], preferred: str) -> list[Any]:
    items = node.get("items", {"type": "string"})
    return [build_minimal_value(items, root, preferred) for _ in range(node.get("minItems", 0))]


def _build_string(node: dict[str, Any], root: dict[str, Any], preferred: str) -> str:
    if node.get("format") == "date-time":
        return utc_now()
    # An empty string is valid unless a minimum length says otherwise.
    return "x" * node.get("minLength", 0)


def _build_number(node: dict[str, Any], root: dict[str, Any], preferred: str) -> int | float:
    value = node.get("minimum", 0)
    return value if node.get("type") == "number" else int(value)


def _build_boolean(node: dict[str, Any], root: dict[str, Any], preferred: str) -> bool:
    return False


_BUILDERS = {
    "object": _build_object,
    "array": _build_array,
    "string": _build_string,
    "integer": _build_number,
    "number": _build_number,
    "boolean": _build_boolean,
}
