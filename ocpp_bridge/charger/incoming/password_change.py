"""A station that accepts a new Basic-auth password uses it from its next connection on, so the
CSMS must store it as soon as the station says Accepted (2.0.1 A01.FR.03: the CSMS SHALL assume
the change succeeded); otherwise it keeps the old hash and refuses the station's new password.

The password travels in the CSMS's own call (2.x SetVariables of SecurityCtrlr.BasicAuthPassword,
1.6 ChangeConfiguration of AuthorizationKey); the answer says whether the station took it.
"""

import logging
from typing import Any

from assets.station_reports import asset_record_password
from ocpp_bridge.models import CallState, OcppCall
from ocpp_bridge.protocol.masking import secrets_masked

logger = logging.getLogger(__name__)

PASSWORD_ACTIONS = frozenset({"SetVariables", "ChangeConfiguration"})


def password_change_record(*, asset_id: Any, call_id: Any) -> None:
    """Store the password of an answered call that set one and was accepted, if it was."""
    call = OcppCall.objects.filter(pk=call_id, state=CallState.ANSWERED).first()
    if call is None:
        return
    password = accepted_password(call.action, call.payload or {}, call.response_payload or {})
    if password is not None:
        asset_record_password(asset_id=asset_id, password=password)
        logger.info("Station %s accepted a new Basic-auth password: stored", asset_id)
    masked = secrets_masked(call.action, call.payload)
    if masked is not call.payload:  # answered: its clear text is needed no longer
        OcppCall.objects.filter(pk=call.pk).update(payload=masked)


def accepted_password(action: str, request: dict[str, Any], response: dict[str, Any]) -> str | None:
    """The new password `request` set, if the station's `response` accepted it."""
    if action == "ChangeConfiguration":
        if request.get("key") == "AuthorizationKey" and response.get("status") == "Accepted":
            return str(request.get("value", "")) or None
        return None
    if action != "SetVariables":
        return None
    for position, data in enumerate(request.get("setVariableData", [])):
        if not _is_basic_auth_password(data):
            continue
        results = response.get("setVariableResult", [])
        result = _matching_result(data, results) or (
            results[position] if position < len(results) else None
        )
        if result is not None and result.get("attributeStatus") == "Accepted":
            return str(data.get("attributeValue", "")) or None
    return None


def _is_basic_auth_password(data: dict[str, Any]) -> bool:
    return (
        data.get("component", {}).get("name") == "SecurityCtrlr"
        and data.get("variable", {}).get("name") == "BasicAuthPassword"
        and data.get("attributeType", "Actual") == "Actual"
    )


def _matching_result(data: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The result for the same component and variable (results may come in any order)."""
    for result in results:
        if _is_basic_auth_password(result) and result.get("attributeType", "Actual") == "Actual":
            return result
    return None
