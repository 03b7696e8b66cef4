"""Sessions the station abandoned: closed by the CSMS when the station shows they are over.

Stations may give up on a transaction without a StopTransaction / Ended (allowed after a
refused start, common after a reboot). Left active, such a session would count its token as
charging forever. It is closed (`completed`, `station_stopped` false, its last known reading
as meter stop) when:

- its connector reports Available (any version): "ConnectorAvailable", at the report's time;
- a 1.6 station boots (it loses its transactions; 2.x stations keep theirs and replay them):
  "StationRebooted", at the session's last sign of life;
- nothing about it reached the CSMS for SESSION_SILENCE_HOURS (by the CSMS's clock: a station
  whose clock is stuck must not look silent): "Silent", at its last sign of life.

A late StopTransaction / Ended still completes it with the station's numbers and reason
(charging.lifecycle.station_stop_apply).
"""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from charging.lifecycle import session_close
from charging.models import ChargingSession, SessionStatus
from charging.statements import ACTIVE_ON_EVSE_LOCKED

CONNECTOR_AVAILABLE = "ConnectorAvailable"
STATION_REBOOTED = "StationRebooted"
SILENT = "Silent"
AVAILABLE = "Available"
# Silent sessions closed per beat at most: a backlog is worked off over a few beats.
SILENT_BATCH = 500


def sessions_end_on_connector_status(
    *,
    asset_id: Any,
    evse_id: int,
    connector_id: int | None,
    status: str,
    at: datetime,
    starts_before_cable: bool = False,
) -> None:
    """A connector's status report (a 1.6 connector is the EVSE): Available closes the active
    sessions of its EVSE that started until then (not one on another connector of the EVSE).

    `starts_before_cable` (2.x): a transaction may start when its driver is authorized, before
    the cable is plugged (TxStartPoint Authorized), and its connector is Available until then;
    a station re-sends that status on reconnecting. So a session that has shown no cable yet is
    not ended by it: the station's own Ended (EVConnectTimeout) or the silence rule ends it."""
    if status != AVAILABLE or not evse_id:
        return
    with transaction.atomic(savepoint=False):
        for session in ACTIVE_ON_EVSE_LOCKED.rows(asset_id, evse_id, SessionStatus.ACTIVE):
            other_connector = connector_id and session.connector_id not in (None, connector_id)
            if other_connector or (session.started_at and session.started_at > at):
                continue
            if starts_before_cable and not cable_seen(session):
                continue
            _close(session, at=at, reason=CONNECTOR_AVAILABLE)


# The 2.x chargingState of an EVSE with no cable in (ChargingStateEnumType).
NO_CABLE_STATE = "Idle"


def cable_seen(session: ChargingSession) -> bool:
    """Whether the session showed a car: a chargingState other than Idle, or energy."""
    states = {state for _, state in session.charging_states} | {session.charging_state}
    return bool(states - {"", NO_CABLE_STATE}) or bool(session.energy_wh)


def sessions_end_on_reboot(*, asset_id: Any) -> None:
    """A 1.6 station booted: the transactions it ran are lost, their sessions are over."""
    with transaction.atomic(savepoint=False):
        sessions = ChargingSession.objects.select_for_update().filter(
            asset_id=asset_id, status=SessionStatus.ACTIVE
        )
        for session in sessions.order_by("id"):
            _close(session, at=_last_sign_of_life(session), reason=STATION_REBOOTED)


def sessions_close_silent(*, now: datetime | None = None) -> int:
    """Close the active sessions nothing has touched for SESSION_SILENCE_HOURS before `now`
    (default: now). Idempotent; returns how many it closed. Each in its own transaction."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.SESSION_SILENCE_HOURS)
    silent = ChargingSession.objects.filter(status=SessionStatus.ACTIVE, updated_at__lt=cutoff)
    closed = 0
    for session_id in silent.order_by("id").values_list("id", flat=True)[:SILENT_BATCH]:
        with transaction.atomic():
            session = silent.select_for_update().filter(pk=session_id).first()
            if session is not None:  # not touched meanwhile
                _close(session, at=_last_sign_of_life(session), reason=SILENT)
                closed += 1
    return closed


def _last_sign_of_life(session: ChargingSession) -> datetime:
    return session.last_seen_at or session.started_at or timezone.now()


def _close(session: ChargingSession, *, at: datetime, reason: str) -> None:
    session_close(session, at=at, reason=reason, status=SessionStatus.COMPLETED)
