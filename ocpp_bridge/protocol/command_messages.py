"""Common station commands, spelled for each protocol (shared by the legacy REST endpoints,
the admin actions and the web UI)."""

import zlib
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion

Message = tuple[str, dict[str, Any]]

# Legacy reset types map onto 2.x: a hard reset happens now, a soft one when idle.
_RESET_TYPES_2X = {
    "Hard": "Immediate",
    "Soft": "OnIdle",
    "Immediate": "Immediate",
    "OnIdle": "OnIdle",
}
_RESET_TYPES_16 = {"Hard": "Hard", "Soft": "Soft", "Immediate": "Hard", "OnIdle": "Soft"}


def remote_start_message(
    version: OcppVersion, *, id_tag: str, connector_id: int | None, request_key: str
) -> Message:
    if version is OcppVersion.V16:
        payload: dict[str, Any] = {"idTag": id_tag}
        if connector_id:
            payload["connectorId"] = connector_id
        return "RemoteStartTransaction", payload
    payload = {
        "idToken": {"idToken": id_tag, "type": "Central"},
        # 2.x wants an integer to match the TransactionEvent to this request.
        "remoteStartId": zlib.crc32(request_key.encode()) & 0x7FFFFFFF,
    }
    if connector_id:
        payload["evseId"] = connector_id
    return "RequestStartTransaction", payload


def remote_stop_message(version: OcppVersion, *, transaction_id: str) -> Message:
    if version is OcppVersion.V16:
        return "RemoteStopTransaction", {"transactionId": int(transaction_id)}
    return "RequestStopTransaction", {"transactionId": transaction_id}


def reset_message(version: OcppVersion, *, reset_type: str) -> Message:
    if version is OcppVersion.V16:
        return "Reset", {"type": _RESET_TYPES_16[reset_type]}
    return "Reset", {"type": _RESET_TYPES_2X[reset_type]}
