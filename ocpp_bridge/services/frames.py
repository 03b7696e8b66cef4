"""The frame log: every frame in either direction, as received or sent."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ocpp_bridge.models import Direction, OcppFrame
from ocpp_bridge.services.station_events import StationRef, frames_logged

MAX_RAW_CHARS = 65_536


@dataclass(frozen=True)
class FrameDraft:
    """One frame to log; `raw` is the text, kept only for frames that could not be parsed."""

    direction: Direction
    message_type: int | None
    message_id: str = ""
    action: str = ""
    payload: Any = None
    raw: str = ""


def frames_record(
    *, station: StationRef, connection_id: Any, drafts: Sequence[FrameDraft]
) -> list[OcppFrame]:
    """Append frames (e.g. a CALL and its answer) with one INSERT and tell their followers.
    Call it inside the transaction that acts on the frames, if any: the frames, their webhook
    events and the effects are stored together or not at all."""
    frames = [
        OcppFrame(
            asset_id=station.asset_id,
            connection_id=connection_id,
            direction=draft.direction,
            message_type=draft.message_type,
            message_id=draft.message_id[:64],
            action=draft.action[:64],
            payload=draft.payload,
            raw=storable_text(draft.raw[:MAX_RAW_CHARS]),
        )
        for draft in drafts
    ]
    with transaction.atomic(savepoint=False):
        OcppFrame.objects.bulk_create(frames)
        frames_logged(frames, station)
    return frames


def storable_text(text: str) -> str:
    """The text as PostgreSQL can store it: NUL and unpaired surrogates (which a station may
    send in a frame that does not parse) escaped as the JSON `\\u` sequences they came as."""
    if "\x00" in text:
        text = text.replace("\x00", "\\u0000")
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def frame_record(*, station: StationRef, connection_id: Any, **draft: Any) -> OcppFrame:
    """Append one frame; `draft` holds the FrameDraft fields."""
    return frames_record(
        station=station, connection_id=connection_id, drafts=[FrameDraft(**draft)]
    )[0]
