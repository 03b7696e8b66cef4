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

from charging.energy import readings_count, register_readings
from charging.lifecycle import (
    charging_state_record,
    rate_snapshot,
    seen_running,
    session_reprice,
    sessions_close_stale,
    station_stop_apply,
)
from charging.meter_values import meter_samples_store, parse_meter_values
from charging.models import ChargingSession, SessionStatus
from charging.selectors import remote_start_token
from tokens.selectors import (
    Authorization,
    token_at_asset,
    token_authorize,
    token_authorize_transaction,
)


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


# What a station runs on an EVSE, whose start closes the older sessions it lost there.
RUNNING = frozenset({SessionStatus.ACTIVE, SessionStatus.REFUSED})


@dataclass(frozen=True)
class EventOutcome:
    session: ChargingSession
    # The decision on the event's idToken, for the answer's idTokenInfo; None: it had none.
    authorization: Authorization | None


def transaction_event_record(
    *,
    asset_id: Any,
    event: TransactionEvent,
    meter_values: list[dict[str, Any]],
    network_id: Any = None,
) -> EventOutcome:
    """Apply a 2.x TransactionEvent to its session, creating the session on the first event seen
    (which may be an Updated or Ended when the Started was lost), and decide on its idToken (in
    the station's network `network_id`). A seqNo already applied changes nothing; an event older
    than the session's end does not reopen it. A session whose own token is refused is kept as
    refused. A running session ends any older one still open on its EVSE (the station lost it,
    e.g. in a reboot)."""
    with transaction.atomic(savepoint=False):
        session, created = ChargingSession.objects.select_for_update().get_or_create(
            asset_id=asset_id,
            transaction_id=event.transaction_id,
            defaults={"started_at": event.timestamp, "seen_seq_nos": []},
        )
        if created:
            rate_snapshot(session, asset_id=asset_id)
        if event.seq_no in session.seen_seq_nos:
            return EventOutcome(session, _token_decision(session, event, network_id))
        session.seen_seq_nos = sorted({*session.seen_seq_nos, event.seq_no})
        _apply_event_fields(session, event)
        authorization = _token_decision(session, event, network_id)
        if authorization is not None and _refuses_session(session, event, authorization):
            session.status = SessionStatus.REFUSED
        samples = parse_meter_values(meter_values, v16=False)
        meter_samples_store(
            asset_id=asset_id, session_id=session.pk, evse_id=session.evse_id, samples=samples
        )
        readings_count(session, register_readings(samples), v16=False)
        if event.event_type == "Ended" and not session.station_stopped:
            reason = event.stopped_reason or "Local"
            station_stop_apply(session, at=event.timestamp, reason=reason, meter_stop=None)
        session_reprice(session)
        session.save()
        if session.evse_id is not None and session.status in RUNNING:
            refused_start = session.started_at if session.status == SessionStatus.REFUSED else None
            sessions_close_stale(
                asset_id=asset_id, evse_id=session.evse_id, refused_start=refused_start
            )
    return EventOutcome(session, authorization)


def _token_decision(
    session: ChargingSession, event: TransactionEvent, network_id: Any
) -> Authorization | None:
    """The idTokenInfo of the event's idToken: the concurrent-use rule applies to a running
    transaction's token, not to the token that ends one."""
    if not event.id_token:
        return None
    if event.event_type == "Ended":
        return token_authorize(id_token=event.id_token, network_id=network_id)
    return token_authorize_transaction(
        id_token=event.id_token, network_id=network_id, session=session
    )


def _refuses_session(
    session: ChargingSession, event: TransactionEvent, authorization: Authorization
) -> bool:
    """Whether a refused token refuses the session: the token it runs on, while it runs."""
    return (
        not authorization.accepted
        and event.event_type != "Ended"
        and session.status == SessionStatus.ACTIVE
        and session.id_token == event.id_token
    )


def _apply_event_fields(session: ChargingSession, event: TransactionEvent) -> None:
    if session.started_at is None or event.timestamp < session.started_at:
        session.started_at = event.timestamp
    seen_running(session, event.timestamp)
    session.evse_id = event.evse_id or session.evse_id
    session.connector_id = event.connector_id or session.connector_id
    if event.remote_start_id is not None:
        session.remote_start_id = event.remote_start_id
    if event.reservation_id is not None:
        session.reservation_id = event.reservation_id
    if not session.id_token:
        _token_take(session, event)
    if event.charging_state:
        charging_state_record(session, at=event.timestamp, state=event.charging_state)
    session.last_seq_no = max(session.last_seq_no or 0, event.seq_no)


def _token_take(session: ChargingSession, event: TransactionEvent) -> None:
    """The session's token: the first the station reports, or, when it reports none after a
    remote start, the one the CSMS sent in its RequestStartTransaction."""
    id_token = event.id_token
    if not id_token and session.remote_start_id is not None:
        id_token = remote_start_token(
            asset_id=session.asset_id, remote_start_id=session.remote_start_id
        )
    if id_token:
        session.id_token = id_token
        session.token = token_at_asset(id_token=id_token, asset_id=session.asset_id)
