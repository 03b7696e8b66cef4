"""Deliver a station's queued calls, strictly one outstanding at a time.

Any process may call `ocpp_call_dispatch_next` (a Celery worker after a call is queued, a
daphne process after an answer arrives); the database decides who sends: the asset row is
locked while choosing, and a partial unique index allows one `sent` call per station.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from csms.runtime.background_loop import channel_layer_send_many
from observability.calls import calls_sent_on_commit
from ocpp_bridge.calls.outcomes import ocpp_call_fail, ocpp_calls_expire_overdue
from ocpp_bridge.frame_log import FrameDraft, FrameGroup, frames_record_many
from ocpp_bridge.models import CallState, Direction, OcppCall
from ocpp_bridge.protocol.framing import CALL, encode_call
from ocpp_bridge.protocol.masking import secrets_masked
from ocpp_bridge.statements import (
    MARK_SENT,
    QUEUED_CALLS,
    STATION_HEADS,
    STATIONS_WITH_QUEUED,
    StationHead,
)
from ocpp_bridge.station_events import StationRef

logger = logging.getLogger(__name__)

assert CallState.SENT > CallState.QUEUED  # a claim's heads: by state, descending

# Upper bound on calls failed in one pass for an offline station (each in its own transaction).
MAX_CALLS_PER_PASS = 1000
# A queued call this old, with none outstanding for its station, has lost its delivery task: a
# worker killed while holding it, a broker restarted empty or unreachable when it was queued.
STALLED_AFTER_SECONDS = 5.0
# Upper bound on stations moved on by one sweep.
MAX_STALLED_PER_SWEEP = 200


def ocpp_call_dispatch_next(*, asset_id: Any, look_first: bool = True) -> OcppCall | None:
    """Send the station's oldest queued call unless one is outstanding; returns the call sent.

    Queued calls of a station that is no longer connected are failed on the way.
    `look_first=False` when a call is known to have been queued (its delivery task).
    """
    # Most passes (one after every answer) find nothing queued: say so without the row lock.
    # Nothing is missed: a call committed after this look has its own delivery task, which
    # runs after that commit and sees whatever this pass would have.
    if look_first and not _any_queued(asset_id):
        return None
    for _ in range(MAX_CALLS_PER_PASS):
        try:
            claimed, offline = _claim_next_of_many([asset_id])
        except IntegrityError:
            return None  # another process sent one in the meantime
        if claimed:
            if _hand_to_connections(claimed) == [True]:
                return claimed[0][0]
        elif offline:
            ocpp_call_fail(call_id=offline[0].pk, reason="station_not_connected")
        else:
            return None
    return None


def ocpp_calls_dispatch_next(*, asset_ids: Sequence[Any], look_first: bool = True) -> None:
    """`ocpp_call_dispatch_next` for several stations (a delivery task's, or those whose calls
    were just answered): one transaction claims the next call of every connected station with
    none outstanding, then each is handed to its connection. A station found offline is left
    to the one-station path, which fails its queued calls one by one.

    One claim for many stations costs a handful of statements where a claim per station cost
    several each, and the per-station claim was most of the worker's CPU
    (docs/PERFORMANCE.md, fix 23).
    """
    asset_ids = list(dict.fromkeys(asset_ids))
    if look_first:
        asset_ids = _with_queued(asset_ids)
    if not asset_ids:
        return
    try:
        claimed, offline = _claim_next_of_many(asset_ids)
    except DatabaseError:
        # E.g. a deadlock with a transaction that locked some of these stations in another
        # order: rolled back, so each station is claimed on its own instead.
        logger.warning("Claiming the calls of %d stations at once failed", len(asset_ids))
        _dispatch_each(asset_ids)
        return
    handed = _hand_to_connections(claimed)
    not_handed = [call.asset_id for (call, _), ok in zip(claimed, handed, strict=True) if not ok]
    # The one-station path fails the queued calls of an offline station one by one, and moves
    # the queue of a station whose call could not be handed over on to its next call.
    _dispatch_each(not_handed + [call.asset_id for call in offline])


def _dispatch_each(asset_ids: Sequence[Any]) -> None:
    for asset_id in asset_ids:
        try:
            ocpp_call_dispatch_next(asset_id=asset_id, look_first=False)
        except Exception:  # one station must not hold up the others: the calls sweep retries
            logger.exception("Could not deliver the calls of station %s", asset_id)


def _with_queued(asset_ids: Sequence[Any]) -> list[Any]:
    """The stations of `asset_ids` with a call queued, in the same order (one query)."""
    waiting = STATIONS_WITH_QUEUED.among(asset_ids)
    return [asset_id for asset_id in asset_ids if str(asset_id) in waiting]


def _claim_next_of_many(
    asset_ids: Sequence[Any],
) -> tuple[list[tuple[OcppCall, str]], list[OcppCall]]:
    """Mark the next queued call of each station sent, in one transaction that holds the
    stations' rows locked for the choice; returns the calls marked sent with their connections'
    channels, and the next calls of stations with no connection (left queued). The rows are
    locked in id order, so two claims never wait on each other in a cycle."""
    with transaction.atomic():
        stations = STATION_HEADS.locked(asset_ids)
        head_ids = [station.head_call_id for station in stations if station.head_call_id]
        queued_heads = {call.pk: call for call in QUEUED_CALLS.rows(head_ids, CallState.QUEUED)}
        to_send: list[tuple[StationHead, OcppCall]] = []
        offline: list[OcppCall] = []
        for station in stations:
            call = queued_heads.get(station.head_call_id)
            if call is None:
                continue  # nothing queued, or a call outstanding
            if station.connected:
                to_send.append((station, call))
            else:
                offline.append(call)
        _mark_sent(to_send)
        frames_record_many([_call_frames(station, call) for station, call in to_send])
    claimed = [(call, str(station.channel_name)) for station, call in to_send]
    return claimed, offline


def _mark_sent(to_send: Sequence[tuple[StationHead, OcppCall]]) -> None:
    """Mark the calls sent through their stations' current connections (whose rows the caller
    locked): one statement each, in one round trip."""
    now = timezone.now()
    for station, call in to_send:
        call.state = CallState.SENT
        call.sent_at = now
        call.deadline_at = now + timedelta(seconds=call.timeout_seconds)
        call.connection_id = station.connection_id
    MARK_SENT.run_many([call for _, call in to_send])
    calls_sent_on_commit([call for _, call in to_send])


def _call_frames(station: StationHead, call: OcppCall) -> FrameGroup:
    # A station a call is sent to is connected: its connection's protocol is there.
    ref = StationRef(station.asset_id, station.identity, station.network_id, station.protocol or "")
    draft = FrameDraft(
        direction=Direction.OUT,
        message_type=CALL,
        message_id=call.message_id,
        action=call.action,
        payload=secrets_masked(call.action, call.payload),  # the wire gets the real one
    )
    return FrameGroup(ref, station.connection_id, [draft])


def _any_queued(asset_id: Any) -> bool:
    return bool(STATIONS_WITH_QUEUED.among([asset_id]))


def _hand_to_connections(claimed: Sequence[tuple[OcppCall, str]]) -> list[bool]:
    """Pass each frame to the consumer holding its socket, wherever it runs, all at once; a
    call that could not be handed over is failed (its station's queue then moves on).

    When the sends as a whole did not report back in time, some may have reached their
    stations: those calls stay sent, to be answered or timed out (by their consumer, or by the
    calls sweep), never failed while the station may be carrying them out."""
    messages = [(channel_name, _call_event(call)) for call, channel_name in claimed]
    try:
        errors = channel_layer_send_many(messages)
    except Exception:  # e.g. no answer from the background loop in time: outcome unknown
        logger.warning("Handing %d calls over did not report back; left sent", len(messages))
        return [True] * len(messages)
    handed: list[bool] = []
    for (call, channel_name), error in zip(claimed, errors, strict=True):
        if error is not None:
            logger.error("Could not hand call %s to %s", call.pk, channel_name, exc_info=error)
            ocpp_call_fail(call_id=call.pk, reason="delivery_failed")
        handed.append(error is None)
    return handed


def _call_event(call: OcppCall) -> dict[str, Any]:
    return {
        "type": "ocpp.call",
        "call_id": str(call.pk),
        "message_id": call.message_id,
        "frame": encode_call(call.message_id, call.action, call.payload),
        "timeout": call.timeout_seconds,
    }


def ocpp_calls_sweep() -> int:
    """Finish what lost processes and lost tasks left behind; returns the stations moved on.

    Sent calls past their deadline time out (the consumer that would have done it may have
    died), and stations whose queued calls wait with none outstanding are dispatched again.
    Safe anywhere, any time, concurrently: the database decides who sends.
    """
    expired = ocpp_calls_expire_overdue()
    stalled = _stalled_stations(STALLED_AFTER_SECONDS)
    stations = {call.asset_id for call in expired} | set(stalled)
    ocpp_calls_dispatch_next(asset_ids=list(stations))
    return len(stations)


def _stalled_stations(older_than_seconds: float) -> list[Any]:
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    outstanding = OcppCall.objects.filter(state=CallState.SENT).values("asset_id")
    return list(
        OcppCall.objects.filter(state=CallState.QUEUED, created_at__lte=cutoff)
        .exclude(asset_id__in=outstanding)
        .order_by()
        .values_list("asset_id", flat=True)
        .distinct()[:MAX_STALLED_PER_SWEEP]
    )
