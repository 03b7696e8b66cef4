"""Server-process liveness: online state must not outlive the process holding the socket.

Each daphne process beats every `OCPP_SERVER_BEAT_SECONDS`; any process (or Celery beat) sweeps
processes silent for three of their own beats: their connections close as `server_lost`, their
stations go offline and their outstanding calls fail.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next
from ocpp_bridge.calls.outcomes import ocpp_calls_fail_for_server
from ocpp_bridge.charger.connections import SERVER_INSTANCE, connection_end
from ocpp_bridge.models import ChargerConnection, ServerProcess

MISSED_BEATS = 3
# A pause longer than this between two beats of a process means it could not reach the
# database (or stalled): what it saw before the pause no longer vouches for anything.
GAP_BEATS = 2


def server_beat(*, name: str = SERVER_INSTANCE, every: float | None = None) -> bool:
    """Vouch for this process's connections; `every`: its beat interval in seconds.

    False when another process swept us as dead (after a stall longer than three beats): our
    sockets' state is no longer recorded, and the caller must close them so that the stations
    reconnect and are recorded afresh."""
    every = settings.OCPP_SERVER_BEAT_SECONDS if every is None else every
    # Connect first: a beat that waits out an outage for its connection must carry the time it
    # was written, or the gap would go unnoticed.
    db_connection.ensure_connection()
    now = timezone.now()
    dead_after = timedelta(seconds=MISSED_BEATS * every)
    values = {"last_beat_at": now, "dead_after": dead_after}
    after_a_gap = Q(last_beat_at__lt=now - _longest_gap(dead_after))
    beating_since = Case(When(after_a_gap, then=Value(now)), default=F("beating_since"))
    if ServerProcess.objects.filter(name=name).update(**values, beating_since=beating_since):
        return True
    try:
        with transaction.atomic():
            ServerProcess.objects.create(name=name, **values, beating_since=now)
    except IntegrityError:  # another consumer of this process beat at the same moment
        return True
    swept = ChargerConnection.objects.filter(
        server_instance=name, close_reason=ChargerConnection.CloseReason.SERVER_LOST
    )
    return not swept.exists()


def server_beat_and_sweep(*, name: str = SERVER_INSTANCE) -> bool:
    """A beat, then a sweep judged by it, on one database connection: an outage between the
    two fails the sweep instead of letting it wait the outage out and then take every silent
    peer for dead. Returns what `server_beat` does."""
    alive = server_beat(name=name)
    if alive:
        servers_sweep_dead(sweeper=name)
    return alive


def servers_sweep_dead(*, sweeper: str = SERVER_INSTANCE) -> list[ChargerConnection]:
    """Close the connections of every process that stopped beating; returns them.

    The `sweeper` must have just beaten: a process whose own beat is stale (it stalled, or
    waited for the database) judges nobody. Silence from before the sweeper's `beating_since`
    proves nothing (e.g. the database was unreachable for every process alike), so others are
    given their full `dead_after` from then on before they are judged dead.
    """
    own = ServerProcess.objects.filter(name=sweeper).first()
    if own is None:
        return []
    now = timezone.now()
    if now - own.last_beat_at > _longest_gap(own.dead_after):
        return []
    last_seen = Greatest(F("last_beat_at"), Value(own.beating_since, DateTimeField()))
    dead = list(
        ServerProcess.objects.exclude(name=sweeper)
        .alias(deadline=ExpressionWrapper(last_seen + F("dead_after"), DateTimeField()))
        .filter(deadline__lt=now)
        .values_list("name", flat=True)
    )
    swept = []
    for name in dead:
        swept += _sweep(name)
    return swept


def _longest_gap(dead_after: timedelta) -> timedelta:
    return dead_after * GAP_BEATS / MISSED_BEATS


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
