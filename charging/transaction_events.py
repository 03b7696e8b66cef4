"""Sessions from OCPP 2.x TransactionEvents.

Stations retry events and replay their offline queue after an outage, so an event may come
twice, late, or before the events that preceded it. Each seqNo is applied once; readings and
state changes are ordered by their own timestamps, not by arrival.

Transactions here are `atomic(savepoint=False)`: called from a station's frame, they run inside
its transaction, and a failure rolls the whole frame back (ocpp_bridge.charger.incoming); a
savepoint would only add round trips to every message.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from charging.lifecycle import (
    charging_state_record,
    energy_update,
    rate_snapshot,
    seen_running,
    session_reprice,
    sessions_close_stale,
    station_stop_apply,
)
from charging.meter_values import Sample, meter_samples_store, parse_meter_values
from charging.models import ChargingSession, SessionStatus
from tokens.models import IdToken


@dataclass(frozen=True)
class TransactionEvent:
    """The parts of a 2.x TransactionEvent a session is built from."""

    event_type: str
    timestamp: datetime
    seq_no: int
    transaction_id: str
    trigger_reason: str = ""
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str = ""
    charging_state: str = ""
    stopped_reason: str = ""
    remote_start_id: int | None = None
    reservation_id: int | None = None


def transaction_event_apply(
    *, asset_id: Any, event: TransactionEvent, meter_values: list[dict[str, Any]]
) -> ChargingSession:
    """Apply a 2.x TransactionEvent to its session, creating the session on the first event seen
    (which may be an Updated or Ended when the Started was lost). A seqNo already applied is
    ignored; an event older than the session's end does not reopen it. A running session ends
    any older one still open on its EVSE (the station lost it, e.g. in a reboot)."""
    with transaction.atomic(savepoint=False):
        session, created = ChargingSession.objects.select_for_update().get_or_create(
            asset_id=asset_id,
            transaction_id=event.transaction_id,
            defaults={"started_at": event.timestamp, "seen_seq_nos": []},
        )
        if created:
            rate_snapshot(session, asset_id=asset_id)
        if event.seq_no in session.seen_seq_nos:
            return session
        session.seen_seq_nos = sorted({*session.seen_seq_nos, event.seq_no})
        _apply_event_fields(session, event)
        samples = parse_meter_values(meter_values, v16=False)
        meter_samples_store(
            asset_id=asset_id, session_id=session.pk, evse_id=session.evse_id, samples=samples
        )
        _apply_energy(session, samples)
        if event.event_type == "Ended" and not session.station_stopped:
            reason = event.stopped_reason or "Local"
            station_stop_apply(session, at=event.timestamp, reason=reason, meter_stop=None)
        session_reprice(session)
        session.save()
        if session.status == SessionStatus.ACTIVE and session.evse_id is not None:
            sessions_close_stale(asset_id=asset_id, evse_id=session.evse_id)
    return session


def _apply_event_fields(session: ChargingSession, event: TransactionEvent) -> None:
    if session.started_at is None or event.timestamp < session.started_at:
        session.started_at = event.timestamp
    seen_running(session, event.timestamp)
    session.evse_id = event.evse_id or session.evse_id
    session.connector_id = event.connector_id or session.connector_id
    if event.id_token and not session.id_token:
        session.id_token = event.id_token
        session.token = IdToken.objects.filter(id_token=event.id_token).first()
    if event.remote_start_id is not None:
        session.remote_start_id = event.remote_start_id
    if event.reservation_id is not None:
        session.reservation_id = event.reservation_id
    if event.charging_state:
        charging_state_record(session, at=event.timestamp, state=event.charging_state)
    session.last_seq_no = max(session.last_seq_no or 0, event.seq_no)


def _apply_energy(session: ChargingSession, samples: list[Sample]) -> None:
    """Meter start is the earliest register reading, meter stop the latest (by sample time)."""
    readings = sorted((s.sampled_at, s.energy_wh) for s in samples if s.energy_wh is not None)
    if not readings:
        return
    first, last = readings[0][1], readings[-1][1]
    start = session.meter_start_wh
    session.meter_start_wh = first if start is None else min(first, start)
    session.meter_stop_wh = max(last, session.meter_stop_wh or last)
    energy_update(session)
