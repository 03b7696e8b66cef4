"""Station connections: one live connection per station, online state derived from it."""

import os
import socket
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from observability import charger as counted
from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next
from ocpp_bridge.calls.outcomes import ocpp_calls_fail_for_connection
from ocpp_bridge.models import ChargerConnection
from ocpp_bridge.station_events import StationRef, station_connectivity_changed

SERVER_INSTANCE = f"{socket.gethostname()}:{os.getpid()}"


def connection_open(
    *, asset_id: Any, protocol: str, channel_name: str, remote_addr: str = ""
) -> tuple[ChargerConnection, str | None]:
    """Make a new connection the station's live one.

    Returns the connection and the channel name of the connection it replaces (still open on
    some server process), which the caller must tell to close. Locks the asset row so two
    handshakes of one identity are serialised.
    """
    now = timezone.now()
    with transaction.atomic():
        asset = Asset.objects.select_for_update().get(pk=asset_id)
        previous = asset.current_connection
        connection = ChargerConnection.objects.create(
            asset_id=asset_id,
            protocol=protocol,
            channel_name=channel_name,
            server_instance=SERVER_INSTANCE,
            remote_addr=remote_addr[:64],
        )
        asset.current_connection = connection
        asset.protocol = protocol
        asset.is_online = True
        asset.connected_at = now
        asset.last_seen_at = now
        asset.save(
            update_fields=[
                "current_connection",
                "protocol",
                "is_online",
                "connected_at",
                "last_seen_at",
                "updated_at",
            ]
        )
        replaced_channel = None
        if previous is not None and previous.closed_at is None:
            previous.closed_at = now
            previous.close_reason = ChargerConnection.CloseReason.REPLACED
            previous.save(update_fields=["closed_at", "close_reason"])
            replaced_channel = previous.channel_name
        # A replaced connection needs no "disconnected": the station never went offline.
        station_connectivity_changed(connection, _ref(asset, protocol), online=True)
    counted.station_connected(protocol)
    if replaced_channel:
        counted.station_disconnected(ChargerConnection.CloseReason.REPLACED)
    return connection, replaced_channel


def _ref(asset: Asset, protocol: str) -> StationRef:
    return StationRef(asset.pk, asset.identity, asset.network_id, protocol)


def connection_close(
    *,
    connection_id: Any,
    code: int | None,
    reason: str = ChargerConnection.CloseReason.DISCONNECTED,
) -> None:
    """Record that a connection ended. The station goes offline only if this connection was
    still its live one: a replaced connection closing late must not hide the new one."""
    now = timezone.now()
    with transaction.atomic():
        # The asset row first, as `connection_open` locks it before it closes the connection
        # it replaces: the other order deadlocked a reconnect racing the old socket's close.
        went_offline = Asset.objects.filter(current_connection_id=connection_id).update(
            is_online=False, current_connection=None, disconnected_at=now
        )
        closed = ChargerConnection.objects.filter(pk=connection_id, closed_at__isnull=True).update(
            closed_at=now, close_reason=reason
        )
        ChargerConnection.objects.filter(pk=connection_id).update(close_code=code)
        if went_offline:
            connection = ChargerConnection.objects.select_related("asset").get(pk=connection_id)
            station = _ref(connection.asset, connection.protocol)
            station_connectivity_changed(connection, station, online=False)
    if closed:  # a replaced connection was counted when it was replaced
        counted.station_disconnected(reason)


def connection_end(
    *,
    connection_id: Any,
    asset_id: Any,
    code: int | None,
    reason: str = ChargerConnection.CloseReason.DISCONNECTED,
) -> None:
    """The socket is gone (closed, or its process shut down or died): record it, fail the call
    it carried, and let queued calls move on (to a newer connection that replaced this one,
    else to failure)."""
    connection_close(connection_id=connection_id, code=code, reason=reason)
    failure = (
        "station_disconnected" if reason == ChargerConnection.CloseReason.DISCONNECTED else reason
    )
    ocpp_calls_fail_for_connection(connection_id=connection_id, reason=failure)
    ocpp_call_dispatch_next(asset_id=asset_id)
