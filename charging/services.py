"""Charging sessions: OCPP 1.6 transactions, meter values of every version, and aborts.

Stations retry and queue messages while offline, so every function here is idempotent for a
repeated message and tolerant of messages arriving out of order. 2.x TransactionEvents are in
charging.transaction_events.

Transactions here are `atomic(savepoint=False)`: called from a station's frame, they run inside
its transaction, and a failure rolls the whole frame back (ocpp_bridge.charger.incoming); a
savepoint would only add round trips to every message.

A session row is locked by one of charging.statements' locked reads, whoever asks: a
station's message or an operator's abort.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from charging.energy import readings_count, register_readings
from charging.lifecycle import (
    ABORTED_STOP_REASON,
    CLOSED_BY_CSMS,
    last_known_reading,
    rate_snapshot,
    seen_running,
    session_close,
    session_reprice,
    sessions_close_stale,
    station_stop_apply,
)
from charging.meter_values import Sample, meter_samples_store, parse_meter_values
from charging.models import ChargingSession, SessionStatus
from charging.statements import (
    ACTIVE_ON_EVSE_LOCKED,
    ENERGY_UPDATE,
    SAME_START,
    SESSION_INSERT,
    SESSION_OF_TRANSACTION_LOCKED,
    TRANSACTION_ID_UPDATE,
)
from ocpp_bridge.calls.create import CallRefusedError, station_version
from ocpp_bridge.calls.send import ocpp_call_send
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.command_messages import remote_stop_message
from tokens.selectors import token_at_asset

logger = logging.getLogger(__name__)


class SessionNotFoundError(Exception):
    """No active session where one was asked for."""


@dataclass(frozen=True)
class AbortResult:
    session: ChargingSession
    stop_call: OcppCall | None  # None when the station was not connected


def _token_id(id_token: str, asset_id: Any) -> Any:
    """The stored token of `id_token` at the station `asset_id` (its network's, else a global
    one), if any."""
    token = token_at_asset(id_token=id_token, asset_id=asset_id)
    return None if token is None else token.pk


# `token_id` not given: the session's token is looked up by its id tag.
LOOK_UP: Any = object()


def session_start_v16(
    *,
    asset_id: Any,
    connector_id: int,
    id_tag: str,
    meter_start: int,
    timestamp: datetime,
    reservation_id: int | None = None,
    token_id: Any = LOOK_UP,
    refused: bool = False,
    start_status: str = "",
) -> ChargingSession:
    """Open a 1.6 session, `refused` when its tag was not Accepted. A repeated StartTransaction
    (same connector, tag, time and meterStart, not yet stopped by the station) returns the
    session the first one opened, so the station gets the same transactionId again; a station
    whose clock is stuck still gets a new one for each transaction. A session still open on
    the connector is closed: the station lost it (typically in a reboot).
    `token_id`: the stored token of `id_tag` (None: none), when the caller has read it.
    `start_status`: the idTagInfo status the station is answered, kept for its repeats."""
    existing = SAME_START.first(asset_id, connector_id, id_tag, timestamp, meter_start, False)
    if existing is not None:
        return existing
    with transaction.atomic(savepoint=False):
        session = ChargingSession(
            asset_id=asset_id,
            transaction_id="",
            evse_id=connector_id,
            connector_id=1,
            id_token=id_tag,
            token_id=_token_id(id_tag, asset_id) if token_id is LOOK_UP else token_id,
            status=SessionStatus.REFUSED if refused else SessionStatus.ACTIVE,
            start_status=start_status,
            started_at=timestamp,
            last_seen_at=timestamp,
            meter_start_wh=Decimal(meter_start),
            meter_last_wh=Decimal(meter_start),
            meter_last_at=timestamp,
            energy_wh=Decimal(0),
            reservation_id=reservation_id,
        )
        rate_snapshot(session, asset_id=asset_id)
        session_reprice(session)
        SESSION_INSERT.run(session)
        # 1.6 transaction ids are integers assigned by the CSMS: the row's own key.
        session.transaction_id = str(session.pk)
        TRANSACTION_ID_UPDATE.run(session)
        sessions_close_stale(
            asset_id=asset_id, evse_id=connector_id, refused_start=timestamp if refused else None
        )
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
    StopTransaction finds the station's stop applied and leaves the session as the first one
    left it. A session the CSMS closed first (aborted, stale) takes the meter stop and cost."""
    with transaction.atomic(savepoint=False):
        session = _session_locked(asset_id, str(transaction_id))
        if session is None or session.station_stopped:
            return session
        samples = parse_meter_values(transaction_data or [], v16=True)
        meter_samples_store(
            asset_id=asset_id, session_id=session.pk, evse_id=session.evse_id, samples=samples
        )
        readings_count(session, register_readings(samples), v16=True)
        station_stop_apply(
            session, at=timestamp, reason=reason or "Local", meter_stop=Decimal(meter_stop)
        )
        session.save()
    return session


def _session_locked(asset_id: Any, transaction_id: str) -> ChargingSession | None:
    """The session of a station's transaction (a unique pair), row-locked."""
    return SESSION_OF_TRANSACTION_LOCKED.get(asset_id, transaction_id)


def meter_values_record(
    *,
    asset_id: Any,
    evse_id: int | None,
    transaction_id: str | None,
    meter_values: list[dict[str, Any]],
    v16: bool,
) -> ChargingSession | None:
    """Store MeterValues samples, attached to their session when the transaction is known;
    returns that session (locked by the caller's transaction), if any."""
    samples = parse_meter_values(meter_values, v16=v16)
    with transaction.atomic(savepoint=False):
        session = None
        if transaction_id:
            session = _session_locked(asset_id, transaction_id)
        meter_samples_store(
            asset_id=asset_id,
            session_id=session.pk if session else None,
            evse_id=evse_id,
            samples=samples,
        )
        if session is not None and v16 and not session.station_stopped:
            _extend_energy(session, samples)
    return session


def _extend_energy(session: ChargingSession, samples: list[Sample]) -> None:
    """Keep a 1.6 session's energy and cost current from its new register readings."""
    readings = register_readings(samples)
    if not readings:
        return
    readings_count(session, readings, v16=True)
    seen_running(session, readings[-1][0])
    if session.status in CLOSED_BY_CSMS:  # its reading so far
        session.meter_stop_wh = last_known_reading(session)
    session_reprice(session)
    ENERGY_UPDATE.run(session)


def session_abort(*, asset: Asset, evse_id: int, requested_by: Any = None) -> AbortResult:
    """End the active session on the asset's EVSE (1.6 connector) now, as aborted, and ask the
    station to stop it when it is connected (delivered after this transaction commits).

    Raises SessionNotFoundError when no session is active there. The station's own stop, when
    it comes, adds the meter stop, energy and cost but leaves the session aborted. The EVSE's
    active sessions are locked as a transaction start locks them, in the same order: the
    latest started is the one aborted.
    """
    with transaction.atomic(savepoint=False):
        session = ACTIVE_ON_EVSE_LOCKED.first(asset.pk, evse_id, SessionStatus.ACTIVE)
        if session is None:
            raise SessionNotFoundError(f"No active session on {asset.identity} EVSE {evse_id}.")
        call = station_stop_request(asset, session, requested_by=requested_by, source="abort")
        session_close(
            session, at=timezone.now(), reason=ABORTED_STOP_REASON, status=SessionStatus.ABORTED
        )
    return AbortResult(session=session, stop_call=call)


def station_stop_request(
    asset: Asset, session: ChargingSession, *, requested_by: Any, source: str
) -> OcppCall | None:
    """Queue the protocol's remote stop of `session` (delivered after the caller's transaction
    commits); None when the station cannot be reached now."""
    try:
        version = station_version(asset)
        action, payload = remote_stop_message(version, transaction_id=session.transaction_id)
        return ocpp_call_send(
            asset=asset,
            action=action,
            payload=payload,
            wait=False,
            source=source,
            requested_by=requested_by,
        )
    except CallRefusedError as error:
        if error.code != "station_not_connected":
            logger.warning("%s of session %s sent no stop: %s", source, session.pk, error.message)
        return None
    except ValueError:  # a 2.x transaction id on a station now speaking 1.6 (integer ids)
        logger.warning("%s of session %s: its transaction id is not 1.6's", source, session.pk)
        return None
