"""Station commands by name, for the legacy endpoints, the admin and the web UI alike."""

from typing import Any

from assets.models import Asset
from ocpp_bridge.calls.create import station_version
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.command_messages import reset_message


def station_reset(
    *,
    asset: Asset,
    reset_type: str,
    source: str,
    message_id: str | None = None,
    requested_by: Any = None,
) -> OcppCall:
    """Queue the protocol's Reset (`Hard`/`Soft`, or 2.x `Immediate`/`OnIdle`).

    Raises CallRefusedError when the station is not connected.
    """
    action, payload = reset_message(station_version(asset), reset_type=reset_type)
    return ocpp_call_send(
        asset=asset,
        action=action,
        payload=payload,
        wait=False,
        message_id=message_id,
        source=source,
        requested_by=requested_by,
    )
