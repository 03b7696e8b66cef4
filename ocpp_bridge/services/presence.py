"""Server-process liveness: online state must not outlive the process holding the socket.

Each daphne process beats every `OCPP_SERVER_BEAT_SECONDS`; any process (or Celery beat) sweeps
processes silent for three of their own beats: their connections close as `server_lost`, their
stations go offline and their outstanding calls fail.
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, ExpressionWrapper, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next
from ocpp_bridge.calls.outcomes import ocpp_calls_fail_for_server
from ocpp_bridge.models import ChargerConnection, ServerProcess
from ocpp_bridge.services.connections import SERVER_INSTANCE, connection_end

MISSED_BEATS = 3


def server_beat(*, name: str = SERVER_INSTANCE) -> bool:
    """Vouch for this process's connections. False when another process swept us as dead
    (after a stall longer than three beats): our sockets' state is no longer recorded, and
    the caller must close them so that the stations reconnect and are recorded afresh."""
    dead_after = timedelta(seconds=MISSED_BEATS * settings.OCPP_SERVER_BEAT_SECONDS)
    values = {"last_beat_at": timezone.now(), "dead_after": dead_after}
    if ServerProcess.objects.filter(name=name).update(**values):
        return True
    try:
        with transaction.atomic():
            ServerProcess.objects.create(name=name, **values)
    except IntegrityError:  # another consumer of this process beat at the same moment
        return True
    swept = ChargerConnection.objects.filter(
        server_instance=name, close_reason=ChargerConnection.CloseReason.SERVER_LOST
    )
    return not swept.exists()


def server_forget(*, name: str = SERVER_INSTANCE) -> None:
    """A process shutting down cleanly: its consumers have closed their connections."""
    ServerProcess.objects.filter(name=name).delete()


def servers_sweep_dead(*, beating_since: datetime | None = None) -> list[ChargerConnection]:
    """Close the connections of every process that stopped beating; returns them.

    `beating_since`: since when the caller has been beating without a gap. Silence before it
    proves nothing (e.g. the database was unreachable for every process alike), so others are
    given their full `dead_after` from then on before they are judged dead.
    """
    last_seen: Any = F("last_beat_at")
    if beating_since is not None:
        last_seen = Greatest(last_seen, Value(beating_since, output_field=DateTimeField()))
    dead = list(
        ServerProcess.objects.alias(
            deadline=ExpressionWrapper(last_seen + F("dead_after"), output_field=DateTimeField())
        )
        .filter(deadline__lt=timezone.now())
        .values_list("name", flat=True)
    )
    swept = []
    for name in dead:
        swept += _sweep(name)
    return swept


def _sweep(name: str) -> list[ChargerConnection]:
    with transaction.atomic():
        # Deleting first makes the sweep of one process happen once, whoever runs it.
        if not ServerProcess.objects.filter(name=name).delete()[0]:
            return []
    connections = list(
        ChargerConnection.objects.filter(server_instance=name, closed_at__isnull=True)
    )
    for connection in connections:
        connection_end(
            connection_id=connection.pk,
            asset_id=connection.asset_id,
            code=None,
            reason=ChargerConnection.CloseReason.SERVER_LOST,
        )
    # Stations that reconnected elsewhere before this sweep left calls on closed connections.
    for asset_id in {call.asset_id for call in ocpp_calls_fail_for_server(server_instance=name)}:
        ocpp_call_dispatch_next(asset_id=asset_id)
    return connections
