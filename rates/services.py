"""Showing rates on stations: one path for the REST API and the Django admin."""

from typing import Any

from assets.models import Asset
from ocpp_bridge.calls.create import station_version
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import CallState, OcppCall
from rates.display import rate_clear_message, rate_messages


class RateNotSetError(Exception):
    pass


def rate_display_sync(
    *, asset: Asset, wait: bool, source: str = "rate_display", requested_by: Any = None
) -> OcppCall:
    """Send the asset's rate for display; the protocol's follow-up calls (2.0.1 tariff
    fallback text) are queued once the station took the rate, or at once when not waiting.

    Raises RateNotSetError, and CallRefusedError when the station cannot be called.
    """
    if asset.rate is None:
        raise RateNotSetError(f"Asset {asset.identity} has no rate.")
    messages = rate_messages(asset.rate, station_version(asset))
    call = ocpp_call_send(
        asset=asset,
        action=messages.action,
        payload=messages.payload,
        wait=wait,
        source=source,
        requested_by=requested_by,
    )
    if not wait or call.state == CallState.ANSWERED:
        for action, payload in messages.follow_ups:
            ocpp_call_send(
                asset=asset,
                action=action,
                payload=payload,
                wait=False,
                source=source,
                requested_by=requested_by,
            )
    return call


def rate_display_disable(
    *, asset: Asset, wait: bool, source: str = "rate_display", requested_by: Any = None
) -> OcppCall:
    """Tell the station to stop showing our rate. Raises CallRefusedError."""
    action, payload = rate_clear_message(station_version(asset), asset.rate)
    return ocpp_call_send(
        asset=asset,
        action=action,
        payload=payload,
        wait=wait,
        source=source,
        requested_by=requested_by,
    )
