"""Payload validation against the official OCPP JSON schemas shipped by the `ocpp` package."""

import json
from decimal import Decimal
from functools import cache
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.versions import OcppVersion, all_actions

# Which CALLERROR a failed JSON-schema keyword means (OCPP-J 2.0.1 Part 4 §4.3, 1.6-J §4.2.3).
_KEYWORD_CODES: dict[str, ErrorCode] = {
    "type": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    # CiString<N> / string[0..N] are data types: a string too long breaks its type.
    "maxLength": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    "minLength": ErrorCode.TYPE_CONSTRAINT_VIOLATION,
    "required": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minItems": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "maxItems": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "minProperties": ErrorCode.OCCURRENCE_CONSTRAINT_VIOLATION,
    "additionalProperties": ErrorCode.FORMAT_VIOLATION,
}


class UnknownActionError(Exception):
    """The version has no schema for this action."""


@cache
def _validator(version: OcppVersion, action: str, response: bool) -> tuple[Validator, bool]:
    if action not in all_actions(version):
        raise UnknownActionError(action)
    path = version.schema_path(action, response=response)
    if not path.exists():  # a 2.1 SEND has no response
        raise UnknownActionError(f"{action}Response")
    # 1.6 schemas use multipleOf 0.1, which binary floats fail (21.4 → 21.399999...): schema and
    # payload are both read with Decimal for those.
    text = path.read_text(encoding="utf-8-sig")
    uses_decimal = '"multipleOf"' in text
    schema = json.loads(text, parse_float=Decimal if uses_decimal else float)
    return validator_for(schema, default=Draft4Validator)(schema), uses_decimal


def validate_payload(
    version: OcppVersion, action: str, payload: dict[str, Any], *, response: bool = False
) -> None:
    """Raise OcppError with the CALLERROR code for the first schema violation of `payload`.

    Raises UnknownActionError when the version defines no such action.
    """
    validator, uses_decimal = _validator(version, action, response)
    if uses_decimal:
        payload = json.loads(json.dumps(payload), parse_float=Decimal)
    error = best_match(validator.iter_errors(payload))
    if error is None:
        return
    raise OcppError(
        _KEYWORD_CODES.get(str(error.validator), ErrorCode.PROPERTY_CONSTRAINT_VIOLATION),
        describe_violation(error),
        {"field": field_path(error), "keyword": error.validator},
    )


def field_path(error: ValidationError) -> str:
    """The JSON path of the offending field, e.g. `chargingStation.model` or `evse[0].id`."""
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = next((name for name in error.validator_value if name not in error.instance), "")
        path = f"{path}.{missing}" if path else str(missing)
    return path


def describe_violation(error: ValidationError) -> str:
    path = field_path(error)
    return f"{path}: {error.message}" if path else error.message
