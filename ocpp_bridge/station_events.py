"""What happened at a station, told to whoever follows it: webhook subscribers (recorded in the
same transaction, so an event is stored exactly when its cause is) and the listeners of
`ocpp_bridge.station_fanout`, such as the live web UI (published after commit, best effort: a
browser that misses a push re-reads the page).

The domain services call these; nothing here decides anything about the station itself.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ocpp_bridge import station_fanout
from ocpp_bridge.api.presenters import iso_precise
from ocpp_bridge.models import ChargerConnection, Direction, OcppFrame
from webhooks.events import EventType, webhook_events_record

MESSAGE_TYPE_NAMES = {
    2: "CALL",
    3: "CALL_RESULT",
    4: "CALL_ERROR",
    5: "CALL_RESULT_ERROR",
    6: "SEND",
}


@dataclass(frozen=True)
class StationRef:
    """The station a frame or connection belongs to, as the caller already knows it."""

    asset_id: Any
    identity: str
    network_id: Any
    protocol: str


def _station_fields(station: StationRef) -> dict[str, Any]:
    return {
        "chargingStationId": station.identity,
        "assetId": str(station.asset_id),
        "networkId": str(station.network_id) if station.network_id else None,
        "protocol": station.protocol,
    }


def frame_event_data(frame: OcppFrame, station: StationRef) -> dict[str, Any]:
    """The `data` of an `ocpp.message` event: one frame, in or out."""
    data = _station_fields(station)
    data.update(
        {
            "frameId": frame.pk,
            "connectionId": str(frame.connection_id) if frame.connection_id else None,
            "direction": "fromStation" if frame.direction == Direction.IN else "toStation",
            "messageType": MESSAGE_TYPE_NAMES.get(frame.message_type or 0),
            "messageTypeId": frame.message_type,
            "messageId": frame.message_id,
            "action": frame.action or None,
            "payload": frame.payload,
            "at": iso_precise(frame.created_at),
        }
    )
    if frame.raw:
        data["raw"] = frame.raw
    if frame.invalid_response:  # the call it answers ended invalid_response
        data["invalidResponse"] = frame.invalid_response
    return data


def frames_logged(frames: Sequence[OcppFrame], station: StationRef) -> None:
    """Frames were added to the log (inside the caller's transaction, if any)."""
    events = [frame_event_data(frame, station) for frame in frames]
    webhook_events_record(
        event_type=EventType.OCPP_MESSAGE,
        events=events,
        asset_id=station.asset_id,
        network_id=station.network_id,
    )
    station_fanout.frames_logged.publish_on_commit(events)


def connectivity_event_data(
    connection: ChargerConnection, station: StationRef, *, online: bool
) -> dict[str, Any]:
    """The `data` of an `asset.connectivity` event."""
    data = _station_fields(station)
    data.update(
        {
            "event": "connected" if online else "disconnected",
            "online": online,
            "connectionId": str(connection.pk),
            "remoteAddress": connection.remote_addr or None,
            "reason": None if online else connection.close_reason or None,
            "closeCode": None if online else connection.close_code,
            "at": iso_precise(connection.opened_at if online else connection.closed_at),
        }
    )
    return data


def station_connectivity_changed(
    connection: ChargerConnection, station: StationRef, *, online: bool
) -> None:
    """The station came online on `connection`, or went offline because it ended."""
    data = connectivity_event_data(connection, station, online=online)
    webhook_events_record(
        event_type=EventType.ASSET_CONNECTIVITY,
        events=[data],
        asset_id=station.asset_id,
        network_id=station.network_id,
    )
    station_fanout.station_connectivity_changed.publish_on_commit(data)


def connector_status_changed(
    *,
    asset_id: Any,
    evse_id: int,
    connector_id: int,
    status: str,
    error_code: str,
    at: Any,
) -> None:
    """A connector's status changed (StatusNotification, TransactionEvent, ...)."""
    data = {
        "assetId": str(asset_id),
        "evseId": evse_id,
        "connectorId": connector_id,
        "status": status,
        "errorCode": error_code or None,
        "at": iso_precise(at),
    }
    station_fanout.connector_status_changed.publish_on_commit(data)
