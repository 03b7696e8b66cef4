"""Deliver a station's queued calls, strictly one outstanding at a time.

Any process may call `ocpp_call_dispatch_next` (a Celery worker after a call is queued, a
daphne process after an answer arrives); the database decides who sends: the asset row is
locked while choosing, and a partial unique index allows one `sent` call per station.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.models import Asset
from csms.background_loop import channel_layer_do
from ocpp_bridge.calls.outcomes import ocpp_call_fail, ocpp_calls_expire_overdue
from ocpp_bridge.models import CallState, Direction, OcppCall
from ocpp_bridge.protocol.framing import CALL, encode_call
from ocpp_bridge.services.frames import frame_record
from ocpp_bridge.services.station_events import StationRef

logger = logging.getLogger(__name__)

assert CallState.SENT > CallState.QUEUED  # _claim_next orders by state, descending

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
            call, channel_name = _claim_next(asset_id)
        except IntegrityError:
            return None  # another process sent one in the meantime
        if call is None:
            return None
        if channel_name is None:
            ocpp_call_fail(call_id=call.pk, reason="station_not_connected")
            continue
        if _hand_to_connection(call, channel_name):
            return call
    return None


def ocpp_calls_dispatch_next(*, asset_ids: Sequence[Any]) -> None:
    """`ocpp_call_dispatch_next` for several stations (whose calls were just answered), with
    one look for queued calls for all of them."""
    if not asset_ids:
        return
    waiting = set(
        OcppCall.objects.filter(asset_id__in=asset_ids, state=CallState.QUEUED)
        .order_by()
        .values_list("asset_id", flat=True)
        .distinct()
    )
    for asset_id in asset_ids:
        if asset_id in waiting:
            ocpp_call_dispatch_next(asset_id=asset_id, look_first=False)


def _any_queued(asset_id: Any) -> bool:
    return OcppCall.objects.filter(asset_id=asset_id, state=CallState.QUEUED).exists()


def _claim_next(asset_id: Any) -> tuple[OcppCall | None, str | None]:
    """Mark the next queued call sent (or return it with no channel when the station is
    offline). Holds the asset row lock for the choice."""
    with transaction.atomic():
        try:
            asset = (
                Asset.objects.select_for_update(of=("self",))
                .select_related("current_connection")
                .get(pk=asset_id)
            )
        except Asset.DoesNotExist:  # deleted meanwhile: its calls went with it
            return None, None
        # One query: an outstanding call (which must be answered first), else the oldest queued.
        # "sent" sorts after "queued", so descending state puts it first (a CASE said so before,
        # at 14 % of the worker's CPU for compiling its ORDER BY).
        call = (
            OcppCall.objects.filter(asset_id=asset_id, state__in=[CallState.SENT, CallState.QUEUED])
            .order_by("-state", "created_at", "id")
            .first()
        )
        if call is not None and call.state == CallState.SENT:
            return None, None
        connection = asset.current_connection
        if call is None or connection is None or connection.closed_at is not None:
            return call, None
        now = timezone.now()
        call.state = CallState.SENT
        call.sent_at = now
        call.deadline_at = now + timedelta(seconds=call.timeout_seconds)
        call.connection = connection
        call.save(update_fields=["state", "sent_at", "deadline_at", "connection"])
        frame_record(
            station=StationRef(asset.pk, asset.identity, asset.network_id, connection.protocol),
            connection_id=connection.pk,
            direction=Direction.OUT,
            message_type=CALL,
            message_id=call.message_id,
            action=call.action,
            payload=call.payload,
        )
        return call, connection.channel_name


def _hand_to_connection(call: OcppCall, channel_name: str) -> bool:
    """Pass the frame to the consumer holding the socket, wherever it runs."""
    event = {
        "type": "ocpp.call",
        "call_id": str(call.pk),
        "frame": encode_call(call.message_id, call.action, call.payload),
        "timeout": call.timeout_seconds,
    }
    try:
        channel_layer_do("send", channel_name, event)
    except Exception:
        logger.exception("Could not hand call %s to %s", call.pk, channel_name)
        ocpp_call_fail(call_id=call.pk, reason="delivery_failed")
        return False
    return True


def ocpp_calls_sweep() -> int:
    """Finish what lost processes and lost tasks left behind; returns the stations moved on.

    Sent calls past their deadline time out (the consumer that would have done it may have
    died), and stations whose queued calls wait with none outstanding are dispatched again.
    Safe anywhere, any time, concurrently: the database decides who sends.
    """
    expired = ocpp_calls_expire_overdue()
    stalled = _stalled_stations(STALLED_AFTER_SECONDS)
    stations = {call.asset_id for call in expired} | set(stalled)
    for asset_id in stations:
        ocpp_call_dispatch_next(asset_id=asset_id)
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
