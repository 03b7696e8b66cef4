"""The frame log: every frame in either direction, as received or sent."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ocpp_bridge.models import Direction, OcppFrame
from ocpp_bridge.statements import FRAME_INSERT
from ocpp_bridge.station_events import StationRef, frames_logged
from webhooks.subscriptions import subscriptions_held

MAX_RAW_CHARS = 65_536


@dataclass(frozen=True)
class FrameDraft:
    """One frame to log; `raw` is the text, kept only for frames that could not be parsed;
    `invalid_response` what was wrong with an answer outside its response schema."""

    direction: Direction
    message_type: int | None
    message_id: str = ""
    action: str = ""
    payload: Any = None
    raw: str = ""
    invalid_response: dict[str, Any] | None = None


@dataclass(frozen=True)
class FrameGroup:
    """Frames of one station's connection, to log together with other stations' frames."""

    station: StationRef
    connection_id: Any
    drafts: Sequence[FrameDraft]


def frames_record(
    *, station: StationRef, connection_id: Any, drafts: Sequence[FrameDraft]
) -> list[OcppFrame]:
    """Append frames (e.g. a CALL and its answer) with one INSERT and tell their followers.
    Call it inside the transaction that acts on the frames, if any: the frames, their webhook
    events and the effects are stored together or not at all."""
    return frames_record_many([FrameGroup(station, connection_id, drafts)])


def frames_record_many(groups: Sequence[FrameGroup]) -> list[OcppFrame]:
    """`frames_record` for the frames of several stations at once: still one INSERT."""
    per_group = [[_frame(group, draft) for draft in group.drafts] for group in groups]
    frames = [frame for group_frames in per_group for frame in group_frames]
    with transaction.atomic(savepoint=False), subscriptions_held():
        FRAME_INSERT.run_many(frames)
        for group, group_frames in zip(groups, per_group, strict=True):
            frames_logged(group_frames, group.station)
    return frames


def _frame(group: FrameGroup, draft: FrameDraft) -> OcppFrame:
    return OcppFrame(
        asset_id=group.station.asset_id,
        connection_id=group.connection_id,
        direction=draft.direction,
        message_type=draft.message_type,
        message_id=draft.message_id[:64],
        action=draft.action[:64],
        payload=draft.payload,
        raw=storable_text(draft.raw[:MAX_RAW_CHARS]),
        invalid_response=draft.invalid_response,
    )


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
