"""Charging sessions built from the transaction messages of every OCPP version.

Stations retry and queue messages while offline, so every function here is idempotent for a
repeated message and tolerant of messages arriving out of order.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

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


def _token_fk(id_token: str) -> IdToken | None:
    return IdToken.objects.filter(id_token=id_token).first() if id_token else None


def session_start_v16(
    *,
    asset_id: Any,
    connector_id: int,
    id_tag: str,
    meter_start: int,
    timestamp: datetime,
    reservation_id: int | None = None,
) -> ChargingSession:
    """Open a 1.6 session; a repeated StartTransaction (same connector, tag and time) returns the
    session the first one opened, so the station gets the same transactionId again."""
    existing = ChargingSession.objects.filter(
        asset_id=asset_id, evse_id=connector_id, id_token=id_tag, started_at=timestamp
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        session = ChargingSession.objects.create(
            asset_id=asset_id,
            transaction_id="",
            evse_id=connector_id,
            connector_id=1,
            id_token=id_tag,
            token=_token_fk(id_tag),
            started_at=timestamp,
            meter_start_wh=Decimal(meter_start),
            reservation_id=reservation_id,
        )
        # 1.6 transaction ids are integers assigned by the CSMS: the row's own key.
        session.transaction_id = str(session.pk)
        session.save(update_fields=["transaction_id"])
    return session


def session_stop_v16(
    *,
    asset_id: Any,
    transaction_id: int,
    meter_stop: int,
    timestamp: datetime,
    reason: str,
    id_tag: str = "",
    transaction_data: list[dict[str, Any]] | None = None,
) -> ChargingSession | None:
    """Close a 1.6 session. Unknown transactions are answered but change nothing; a repeated
    StopTransaction finds the session already closed and leaves it as the first one left it."""
    with transaction.atomic():
        session = (
            ChargingSession.objects.select_for_update()
            .filter(asset_id=asset_id, transaction_id=str(transaction_id))
            .first()
        )
        if session is None or session.status != SessionStatus.ACTIVE:
            return session
        samples = parse_meter_values(transaction_data or [], v16=True)
        meter_samples_store(
            asset_id=asset_id, session_id=session.pk, evse_id=session.evse_id, samples=samples
        )
        _close(session, at=timestamp, reason=reason or "Local", meter_stop=Decimal(meter_stop))
    return session


def _close(
    session: ChargingSession,
    *,
    at: datetime,
    reason: str,
    meter_stop: Decimal | None,
    status: str = SessionStatus.COMPLETED,
) -> None:
    session.status = status
    session.stopped_at = at
    session.stop_reason = reason[:30]
    if meter_stop is not None:
        session.meter_stop_wh = meter_stop
    if session.meter_start_wh is not None and session.meter_stop_wh is not None:
        session.energy_wh = max(session.meter_stop_wh - session.meter_start_wh, Decimal(0))
    session.save()


def meter_values_record(
    *,
    asset_id: Any,
    evse_id: int | None,
    transaction_id: str | None,
    meter_values: list[dict[str, Any]],
    v16: bool,
) -> None:
    """Store MeterValues samples, attached to their session when the transaction is known."""
    session = None
    if transaction_id:
        session = ChargingSession.objects.filter(
            asset_id=asset_id, transaction_id=transaction_id
        ).first()
    samples = parse_meter_values(meter_values, v16=v16)
    meter_samples_store(
        asset_id=asset_id,
        session_id=session.pk if session else None,
        evse_id=evse_id,
        samples=samples,
    )
    if session is not None and v16:
        _extend_energy(session, samples)


def _extend_energy(session: ChargingSession, samples: list[Sample]) -> None:
    """Keep a running session's energy current from its latest register reading."""
    readings = [s.energy_wh for s in samples if s.energy_wh is not None]
    if not readings or session.status != SessionStatus.ACTIVE:
        return
    if session.meter_start_wh is None:
        session.meter_start_wh = min(readings)
    session.energy_wh = max(max(readings) - session.meter_start_wh, Decimal(0))
    session.save(update_fields=["meter_start_wh", "energy_wh", "updated_at"])


def transaction_event_apply(
    *, asset_id: Any, event: TransactionEvent, meter_values: list[dict[str, Any]]
) -> ChargingSession:
    """Apply a 2.x TransactionEvent to its session, creating the session on the first event seen
    (which may be an Updated or Ended when the Started was lost). A seqNo already applied is
    ignored; an event older than the session's end does not reopen it."""
    with transaction.atomic():
        session, _ = ChargingSession.objects.select_for_update().get_or_create(
            asset_id=asset_id,
            transaction_id=event.transaction_id,
            defaults={"started_at": event.timestamp, "seen_seq_nos": []},
        )
        if event.seq_no in session.seen_seq_nos:
            return session
        session.seen_seq_nos = sorted({*session.seen_seq_nos, event.seq_no})
        _apply_event_fields(session, event)
        samples = parse_meter_values(meter_values, v16=False)
        meter_samples_store(
            asset_id=asset_id, session_id=session.pk, evse_id=session.evse_id, samples=samples
        )
        _apply_energy(session, samples)
        session.save()
    return session


def _apply_event_fields(session: ChargingSession, event: TransactionEvent) -> None:
    if session.started_at is None or event.timestamp < session.started_at:
        session.started_at = event.timestamp
    session.evse_id = event.evse_id or session.evse_id
    session.connector_id = event.connector_id or session.connector_id
    if event.id_token and not session.id_token:
        session.id_token = event.id_token
        session.token = _token_fk(event.id_token)
    if event.remote_start_id is not None:
        session.remote_start_id = event.remote_start_id
    if event.reservation_id is not None:
        session.reservation_id = event.reservation_id
    if event.charging_state and session.status == SessionStatus.ACTIVE:
        session.charging_state = event.charging_state
    session.last_seq_no = max(session.last_seq_no or 0, event.seq_no)
    if event.event_type == "Ended" and session.status == SessionStatus.ACTIVE:
        session.status = SessionStatus.COMPLETED
        session.stopped_at = event.timestamp
        session.stop_reason = (event.stopped_reason or "Local")[:30]


def _apply_energy(session: ChargingSession, samples: list[Sample]) -> None:
    """Meter start is the earliest register reading, meter stop the latest (by sample time)."""
    readings = sorted((s.sampled_at, s.energy_wh) for s in samples if s.energy_wh is not None)
    if not readings:
        return
    first, last = readings[0][1], readings[-1][1]
    start = session.meter_start_wh
    session.meter_start_wh = first if start is None else min(first, start)
    session.meter_stop_wh = max(last, session.meter_stop_wh or last)
    session.energy_wh = max(session.meter_stop_wh - session.meter_start_wh, Decimal(0))
