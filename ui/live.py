"""Pushes to the live web UI: called after commit by ocpp_bridge.services.station_events with the
event dicts documented there, and broadcast on the channel layer to the browsers following them.

These run on a charger's path (the thread that handled its frame), so they do one group send
each, never raise, and tell the overview about a station's traffic at most every few seconds.
A browser that misses a push re-reads the page's parts when its socket (re)opens.
"""

import json
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

STATIONS_GROUP = "ui.stations"
# Payloads larger than this are not pushed (the station page shows where to read them).
MAX_PUSHED_PAYLOAD_CHARS = 16_000
# The overview hears "station seen" at most this often per station and process.
SEEN_PUSH_SECONDS = 5.0

_seen_pushed_at: dict[str, float] = {}


def station_group(asset_id: Any) -> str:
    """The group of the browsers showing one station's page."""
    return f"ui.station.{asset_id}"


def frame_logged(data: dict[str, Any]) -> None:
    """A frame in or out (the `ocpp.message` webhook `data`)."""
    try:
        asset_id = data["assetId"]
        _send(station_group(asset_id), "frame", _pushable_frame(data))
        if data.get("direction") == "fromStation" and _seen_due(asset_id):
            _send(STATIONS_GROUP, "seen", {"assetId": asset_id, "at": data.get("at")})
    except Exception:
        logger.exception("Could not push a frame to the web UI")


def station_connectivity_changed(data: dict[str, Any]) -> None:
    """A station connected or disconnected (the `asset.connectivity` webhook `data`)."""
    try:
        event = {
            key: data.get(key)
            for key in ("assetId", "chargingStationId", "protocol", "online", "reason", "at")
        }
        _send(STATIONS_GROUP, "connectivity", event)
        _send(station_group(data["assetId"]), "connectivity", event)
    except Exception:
        logger.exception("Could not push a connectivity change to the web UI")


def connector_status_changed(data: dict[str, Any]) -> None:
    """{"assetId", "evseId", "connectorId", "status", "errorCode", "at"}."""
    try:
        _send(STATIONS_GROUP, "connector", data)
        _send(station_group(data["assetId"]), "connector", data)
    except Exception:
        logger.exception("Could not push a connector status to the web UI")


def _send(group: str, event: str, data: dict[str, Any]) -> None:
    async_to_sync(get_channel_layer().group_send)(
        group, {"type": "ui.push", "event": event, "data": data}
    )


def _pushable_frame(data: dict[str, Any]) -> dict[str, Any]:
    """The frame without a huge payload, which a browser would not want pushed anyway."""
    size = len(json.dumps(data.get("payload"), default=str)) + len(data.get("raw") or "")
    if size <= MAX_PUSHED_PAYLOAD_CHARS:
        return data
    return {**data, "payload": None, "raw": None, "payloadTooLarge": size}


def _seen_due(asset_id: str) -> bool:
    now = time.monotonic()
    if now - _seen_pushed_at.get(asset_id, -SEEN_PUSH_SECONDS) < SEEN_PUSH_SECONDS:
        return False
    _seen_pushed_at[asset_id] = now
    return True
