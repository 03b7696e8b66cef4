"""Give a station a new Basic-auth password: generated here, sent in the protocol's message, and
stored only when the station accepts it (ocpp_bridge.charger.incoming.password_change), so a
station that refuses or never answers keeps the password it has."""

import secrets
import string
from typing import Any

from assets.models import Asset
from ocpp_bridge.calls.create import station_version
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion

# 2.0.1 asks for 16 to 40 characters (SecurityCtrlr.BasicAuthPassword); letters and digits
# only, which every station's configuration store takes.
PASSWORD_LENGTH = 32
PASSWORD_ALPHABET = string.ascii_letters + string.digits


def password_generate() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def password_message(version: OcppVersion, password: str) -> tuple[str, dict[str, Any]]:
    """The action and payload that set `password` on a station speaking `version`."""
    if version.is_v16:
        return "ChangeConfiguration", {"key": "AuthorizationKey", "value": password}
    data = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeValue": password,
    }
    return "SetVariables", {"setVariableData": [data]}


def station_password_rotate(*, asset: Asset, source: str, requested_by: Any = None) -> OcppCall:
    """Queue a new generated password for the station; it is stored when the station accepts.

    Raises CallRefusedError when the station is not connected.
    """
    action, payload = password_message(station_version(asset), password_generate())
    return ocpp_call_send(
        asset=asset,
        action=action,
        payload=payload,
        wait=False,
        source=source,
        requested_by=requested_by,
    )
