"""The frame log: every frame in either direction, as received or sent."""

from typing import Any

from ocpp_bridge.models import Direction, OcppFrame

MAX_RAW_CHARS = 65_536


def frame_record(
    *,
    asset_id: Any,
    connection_id: Any,
    direction: Direction,
    message_type: int | None,
    message_id: str = "",
    action: str = "",
    payload: Any = None,
    raw: str = "",
) -> OcppFrame:
    """Append one frame; `raw` is the text, kept only for frames that could not be parsed."""
    return OcppFrame.objects.create(
        asset_id=asset_id,
        connection_id=connection_id,
        direction=direction,
        message_type=message_type,
        message_id=message_id[:64],
        action=action[:64],
        payload=payload,
        raw=raw[:MAX_RAW_CHARS],
    )
