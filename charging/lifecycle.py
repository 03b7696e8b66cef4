"""How a session's state moves, whatever the protocol: the rate copied at start, the cost kept
current, the station's stop applied once, and the CSMS closing sessions the station cannot
(stale after a reboot, aborted by an operator).

Every function takes a session row the caller has locked inside a transaction (a locked read
of charging.statements, or select_for_update) and leaves saving it to the caller unless it
says otherwise.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from charging.costs import Prices, idle_seconds, sequence_complete, session_cost
from charging.energy import meter_stop_count
from charging.models import ChargingSession, SessionStatus
from charging.statements import ACTIVE_ON_EVSE_LOCKED, ASSET_RATE, RATE_BY_ID

# A new transaction on a connector means the station lost the old one, typically by rebooting.
STALE_STOP_REASON = "Reboot"
ABORTED_STOP_REASON = "Aborted"
# Sessions the CSMS closed while the station had not stopped them (yet).
CLOSED_BY_CSMS = frozenset({SessionStatus.COMPLETED, SessionStatus.ABORTED})


def rate_snapshot(session: ChargingSession, *, asset_id: Any) -> None:
    """Copy the asset's current rate onto a new session."""
    asset = ASSET_RATE.get(asset_id)
    rate = RATE_BY_ID.get(asset.rate_id) if asset and asset.rate_id else None
    if rate is None:
        return
    session.rate = rate
    session.currency = rate.currency
    session.price_per_kwh = rate.price_per_kwh
    session.price_per_hour = rate.price_per_hour
    session.flat_fee = rate.flat_fee
    session.idle_fee_per_minute = rate.idle_fee_per_minute


def seen_running(session: ChargingSession, at: datetime) -> None:
    if session.last_seen_at is None or at > session.last_seen_at:
        session.last_seen_at = at


def last_known_reading(session: ChargingSession) -> Decimal | None:
    """The latest meter register value the session has seen, in Wh."""
    for reading in (session.meter_last_wh, session.meter_stop_wh, session.meter_start_wh):
        if reading is not None:
            return reading
    return None


def charging_state_record(session: ChargingSession, *, at: datetime, state: str) -> None:
    """Add a 2.x chargingState change to the timeline; the current state is the latest one."""
    change = [at.astimezone(UTC).isoformat(), state]
    session.charging_states = sorted([*session.charging_states, change])
    session.charging_state = session.charging_states[-1][1]


def session_reprice(session: ChargingSession) -> None:
    """Recompute the cost from the rate copied at start: final once the session is closed,
    up to its latest reading while it runs."""
    if not session.has_rate or session.started_at is None:
        session.cost_amount = None
        return
    end = session.stopped_at or session.last_seen_at or session.started_at
    duration = Decimal(str(max((end - session.started_at).total_seconds(), 0)))
    session.cost_amount = session_cost(
        prices=_prices(session),
        energy_wh=session.energy_wh or Decimal(0),
        duration_seconds=duration,
        idle_seconds=_idle_seconds(session, until=end),
    )


def _prices(session: ChargingSession) -> Prices:
    return Prices(
        currency=session.currency,
        per_kwh=session.price_per_kwh,
        per_hour=session.price_per_hour,
        flat_fee=session.flat_fee,
        idle_per_minute=session.idle_fee_per_minute,
    )


def _idle_seconds(session: ChargingSession, *, until: datetime) -> Decimal:
    # With an event missing, a state change may be missing too: bill no idle time on a guess.
    if not session.charging_states or not sequence_complete(session.seen_seq_nos):
        return Decimal(0)
    states = [(datetime.fromisoformat(at), state) for at, state in session.charging_states]
    return idle_seconds(states=states, until=until)


def session_close(session: ChargingSession, *, at: datetime, reason: str, status: str) -> None:
    """The CSMS closes a session the station has not stopped: its latest reading is taken as
    its meter stop until the station's own stop (if it ever comes) tells better. Saves."""
    session.status = status
    session.stopped_at = max(at, session.started_at) if session.started_at else at
    session.stop_reason = reason[:30]
    session.meter_stop_wh = last_known_reading(session)
    session_reprice(session)
    session.save()


def station_stop_apply(
    session: ChargingSession, *, at: datetime, reason: str, meter_stop: Decimal | None
) -> None:
    """Apply the station's own report that the transaction ended, once.

    An active session is completed. One the CSMS closed as abandoned takes the station's time
    and reason (it knows better than our guess); an aborted one keeps the operator's, a refused
    one stays refused. Either way the meter stop, energy and cost are the station's.
    """
    session.station_stopped = True
    if meter_stop is not None:
        meter_stop_count(session, at=at, meter_stop=meter_stop)
    if session.status != SessionStatus.ABORTED:
        if session.status != SessionStatus.REFUSED:
            session.status = SessionStatus.COMPLETED
        session.stopped_at = at
        session.stop_reason = reason[:30]
    seen_running(session, at)
    session_reprice(session)


def sessions_close_stale(
    *, asset_id: Any, evse_id: int, refused_start: datetime | None = None
) -> None:
    """An EVSE (a 1.6 connector) runs one transaction at a time: of its active sessions only the
    latest started stays open; the older ones are closed at their last sign of life. A refused
    start (`refused_start`: its time) runs instead of every active one started until then."""
    active = ACTIVE_ON_EVSE_LOCKED.rows(asset_id, evse_id, SessionStatus.ACTIVE)
    if refused_start is None:
        stale_ones = active[1:]
    else:
        stale_ones = [s for s in active if s.started_at is None or s.started_at <= refused_start]
    for stale in stale_ones:
        session_close(
            stale,
            at=stale.last_seen_at or stale.started_at or timezone.now(),
            reason=STALE_STOP_REASON,
            status=SessionStatus.COMPLETED,
        )
