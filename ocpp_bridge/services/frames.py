"""The frame log: every frame in either direction, as received or sent."""

from typing import Any

from django.db import transaction

from ocpp_bridge.models import Direction, OcppFrame
from ocpp_bridge.services.station_events import StationRef, frame_logged

MAX_RAW_CHARS = 65_536


def frame_record(
    *,
    station: StationRef,
    connection_id: Any,
    direction: Direction,
    message_type: int | None,
    message_id: str = "",
    action: str = "",
    payload: Any = None,
    raw: str = "",
) -> OcppFrame:
    """Append one frame and tell its followers; `raw` is the text, kept only for frames that
    could not be parsed. Call it inside the transaction that acts on the frame, if any."""
    with transaction.atomic(savepoint=False):  # the frame and its events: both or neither
        frame = OcppFrame.objects.create(
            asset_id=station.asset_id,
            connection_id=connection_id,
            direction=direction,
            message_type=message_type,
            message_id=message_id[:64],
            action=action[:64],
            payload=payload,
            raw=raw[:MAX_RAW_CHARS],
        )
        frame_logged(frame, station)
    return frame
