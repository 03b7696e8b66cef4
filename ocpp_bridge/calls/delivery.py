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
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from assets.models import Asset
from csms.background_loop import channel_layer_send_many
from ocpp_bridge.calls.outcomes import ocpp_call_fail, ocpp_calls_expire_overdue
from ocpp_bridge.models import CallState, Direction, OcppCall
from ocpp_bridge.protocol.framing import CALL, encode_call
from ocpp_bridge.services.frames import FrameDraft, FrameGroup, frames_record_many
from ocpp_bridge.services.station_events import StationRef

logger = logging.getLogger(__name__)

assert CallState.SENT > CallState.QUEUED  # _claim_next_of_many orders by state, descending

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
    five each: the claim was 70 % of the worker's CPU in the async benchmark (fix 23).
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
    waiting = {
        str(asset_id)
        for asset_id in OcppCall.objects.filter(asset_id__in=asset_ids, state=CallState.QUEUED)
        .order_by()
        .values_list("asset_id", flat=True)
        .distinct()
    }
    return [asset_id for asset_id in asset_ids if str(asset_id) in waiting]


def _claim_next_of_many(
    asset_ids: Sequence[Any],
) -> tuple[list[tuple[OcppCall, str]], list[OcppCall]]:
    """Mark the next queued call of each station sent, in one transaction that holds the
    stations' rows locked for the choice; returns the calls marked sent with their connections'
    channels, and the next calls of stations with no connection (left queued). The rows are
    locked in id order, so two claims never wait on each other in a cycle."""
    # Each station's head: its outstanding call if any (it must be answered first), else its
    # oldest queued call. "sent" sorts after "queued", so descending state puts it first.
    head = (
        OcppCall.objects.filter(
            asset_id=OuterRef("pk"), state__in=[CallState.SENT, CallState.QUEUED]
        )
        .order_by("-state", "created_at", "id")
        .values("pk")[:1]
    )
    with transaction.atomic():
        assets = list(
            Asset.objects.select_for_update(of=("self",))
            .select_related("current_connection")
            .only(*CLAIM_FIELDS)
            .filter(pk__in=asset_ids)
            .annotate(head_call_id=Subquery(head))
            .order_by("pk")
        )
        queued_heads = {
            call.pk: call
            for call in OcppCall.objects.filter(
                pk__in=[asset.head_call_id for asset in assets if asset.head_call_id],
                state=CallState.QUEUED,
            )
        }
        to_send: list[tuple[Asset, OcppCall]] = []
        offline: list[OcppCall] = []
        for asset in assets:
            call = queued_heads.get(asset.head_call_id)
            if call is None:
                continue  # nothing queued, or a call outstanding
            connection = asset.current_connection
            if connection is None or connection.closed_at is not None:
                offline.append(call)
            else:
                to_send.append((asset, call))
        _mark_sent([call for _, call in to_send])
        frames_record_many([_call_frames(asset, call) for asset, call in to_send])
    claimed = [(call, asset.current_connection.channel_name) for asset, call in to_send]
    return claimed, offline


# The columns a claim reads of a station and its connection.
CLAIM_FIELDS = (
    "id",
    "identity",
    "network_id",
    "current_connection__id",
    "current_connection__protocol",
    "current_connection__channel_name",
    "current_connection__closed_at",
)


def _mark_sent(calls: Sequence[OcppCall]) -> None:
    """Mark the calls sent through their stations' current connections (whose rows the caller
    locked): one UPDATE per timeout, usually one in all."""
    now = timezone.now()
    by_timeout: dict[float, list[Any]] = {}
    for call in calls:
        by_timeout.setdefault(call.timeout_seconds, []).append(call.pk)
    current_connection = Asset.objects.filter(pk=OuterRef("asset_id")).values(
        "current_connection_id"
    )[:1]
    for timeout_seconds, call_ids in by_timeout.items():
        OcppCall.objects.filter(pk__in=call_ids).update(
            state=CallState.SENT,
            sent_at=now,
            deadline_at=now + timedelta(seconds=timeout_seconds),
            connection_id=Subquery(current_connection),
        )
    for call in calls:  # as the UPDATE left them
        call.state = CallState.SENT
        call.sent_at = now
        call.deadline_at = now + timedelta(seconds=call.timeout_seconds)


def _call_frames(asset: Asset, call: OcppCall) -> FrameGroup:
    connection = asset.current_connection
    station = StationRef(asset.pk, asset.identity, asset.network_id, connection.protocol)
    draft = FrameDraft(
        direction=Direction.OUT,
        message_type=CALL,
        message_id=call.message_id,
        action=call.action,
        payload=call.payload,
    )
    return FrameGroup(station, connection.pk, [draft])


def _any_queued(asset_id: Any) -> bool:
    return OcppCall.objects.filter(asset_id=asset_id, state=CallState.QUEUED).exists()


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
