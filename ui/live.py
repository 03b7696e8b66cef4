"""Pushes to the live web UI: subscribed to `ocpp_bridge.station_fanout` (ui/apps.py), so they
run after commit with the event dicts documented in ocpp_bridge.station_events, and broadcast on
the channel layer to the browsers following them.

These run on a charger's path (the thread that handled its frame), so they never raise and
never wait: in a daphne process they only append to this process's queue, and a flusher task on
daphne's loop sends the queue every FLUSH_SECONDS as one message per group that some browser
follows (`ui.follows`); events nobody follows cost nothing more. A process with Redis and no
flusher yet (a Celery worker, a script) starts one on its background loop
(csms.runtime.background_loop); without Redis (the embedded default, outside daphne) they are
sent at once. The overview hears a station's traffic ("seen") at most every SEEN_PUSH_SECONDS.
A browser that misses a push re-reads the page's parts when its socket (re)opens.
"""

import asyncio
import json
import logging
import time
from collections import deque
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from csms.runtime.background_loop import channel_layer_do, run_on_background_loop
from csms.throttled_log import ThrottledLog
from ui.follows import followed_groups

logger = logging.getLogger(__name__)

STATIONS_GROUP = "ui.stations"
# The calls whose answers change a station's charging limits (smart_charging.station_limits).
LIMIT_ACTIONS = frozenset({"SetChargingProfile", "ClearChargingProfile"})
# Payloads larger than this are not pushed (the station page shows where to read them).
MAX_PUSHED_PAYLOAD_CHARS = 16_000
# The overview hears "station seen" at most this often per station and process.
SEEN_PUSH_SECONDS = 5.0
FLUSH_SECONDS = 0.1
# If the loop stalls, the oldest pushes go first: they are the least interesting.
MAX_QUEUED_PUSHES = 50_000

_seen_pushed_at: dict[str, float] = {}
_queued: deque[tuple[str, dict[str, Any]]] = deque(maxlen=MAX_QUEUED_PUSHES)
_flusher: asyncio.Task[None] | None = None


def station_group(asset_id: Any) -> str:
    """The group of the browsers showing one station's page."""
    return f"ui.station.{asset_id}"


def limits_group(asset_id: Any) -> str:
    """The group of the browsers showing one station's charging limits: its page, and the
    page of its panel."""
    return f"ui.limits.{asset_id}"


def panel_group(panel_id: Any) -> str:
    """The group of the browsers showing one panel's page."""
    return f"ui.panel.{panel_id}"


def frames_logged(events: list[dict[str, Any]]) -> None:
    """Frames in or out (each the `ocpp.message` webhook `data`)."""
    try:
        for data in events:
            asset_id = data["assetId"]
            _push(station_group(asset_id), "frame", _pushable_frame(data))
            if data.get("direction") == "fromStation" and _seen_due(asset_id):
                _push(STATIONS_GROUP, "seen", {"assetId": asset_id, "at": data.get("at")})
    except Exception:
        logger.exception("Could not push frames to the web UI")


def station_connectivity_changed(data: dict[str, Any]) -> None:
    """A station connected or disconnected (the `asset.connectivity` webhook `data`)."""
    try:
        event = {
            key: data.get(key)
            for key in ("assetId", "chargingStationId", "protocol", "online", "reason", "at")
        }
        _push(STATIONS_GROUP, "connectivity", event)
        _push(station_group(data["assetId"]), "connectivity", event)
    except Exception:
        logger.exception("Could not push a connectivity change to the web UI")


def connector_status_changed(data: dict[str, Any]) -> None:
    """{"assetId", "evseId", "connectorId", "status", "errorCode", "at"}."""
    try:
        _push(STATIONS_GROUP, "connector", data)
        _push(station_group(data["assetId"]), "connector", data)
    except Exception:
        logger.exception("Could not push a connector status to the web UI")


def charging_limits_changed(data: dict[str, Any]) -> None:
    """A station's kept limits changed (smart_charging.fanout): {"assetId"}."""
    try:
        _push(limits_group(data["assetId"]), "limits", {"assetId": data["assetId"]})
    except Exception:
        logger.exception("Could not push a change of limits to the web UI")


def calls_finished(events: list[dict[str, Any]]) -> None:
    """CSMS calls that ended (ocpp_bridge.station_fanout): those that set or cleared a limit
    change what its station's page and its panel's page show. Queued, like every push here:
    this runs after the commit of the charger's answer, on its path."""
    try:
        for data in events:
            if data.get("action") in LIMIT_ACTIONS:
                _push(limits_group(data["assetId"]), "limits", data)
    except Exception:
        logger.exception("Could not push a limit's answer to the web UI")


def push(group: str, event: str, data: dict[str, Any]) -> None:
    """Queue one push for the browsers following `group` (sent at the next flush)."""
    _push(group, event, data)


_flush_failures = ThrottledLog(logger)


def ensure_flusher() -> None:
    """Start this process's flusher on the running loop, unless one runs already (daphne: at
    its first station, or on its background loop if a push came first). One flusher only:
    two would split the queue between them and could reorder a browser's pushes."""
    global _flusher
    if not _flusher_running():
        _flusher = asyncio.get_running_loop().create_task(_flush_forever())


def _push(group: str, event: str, data: dict[str, Any]) -> None:
    push = {"event": event, "data": data}
    if not _flusher_running() and settings.REDIS_URL:
        # A Celery worker: flush from this process's background loop, as daphne does from its
        # own. Sending each push at once cost the worker a Redis round trip per frame, whether
        # or not a browser followed it (docs/PERFORMANCE.md, fix 24).
        run_on_background_loop(_start_flusher())
    if _flusher_running():
        _queued.append((group, push))
        return
    channel_layer_do("group_send", group, {"type": "ui.push", **push})


async def _start_flusher() -> None:
    ensure_flusher()


def _flusher_running() -> bool:
    task = _flusher
    return task is not None and not task.done() and not task.get_loop().is_closed()


async def _flush_forever() -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        try:
            await flush()
        except Exception:
            _flush_failures.warning("Could not push to the web UI")


async def flush() -> None:
    """Send what is queued: one message per followed group, the pushes in their order."""
    if not _queued:
        return
    batches: dict[str, list[dict[str, Any]]] = {}
    while _queued:
        group, push = _queued.popleft()
        batches.setdefault(group, []).append(push)
    followed = await followed_groups(batches)
    layer = get_channel_layer()
    for group, pushes in batches.items():
        if group in followed:
            await layer.group_send(group, {"type": "ui.push.batch", "pushes": pushes})


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
