"""Delivering the queued calls of several stations at once: each connected station with none
outstanding gets its oldest queued call, offline stations have theirs failed, and the claim
is one transaction for all of them."""

import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset
from csms.redis_client import redis_client
from csms.runtime import background_loop
from ocpp_bridge.calls.delivery import ocpp_calls_dispatch_next
from ocpp_bridge.charger.connections import connection_close, connection_open
from ocpp_bridge.models import CallState, Direction, OcppCall, OcppFrame
from tests.servers import unavailable

pytestmark = pytest.mark.django_db(transaction=True)


def connect(asset: Asset) -> str:
    """Open a connection for the station; returns the channel its frames are sent to."""
    channel_name = async_to_sync(get_channel_layer().new_channel)("test-delivery.")
    connection_open(asset_id=asset.pk, protocol="ocpp1.6", channel_name=channel_name)
    return channel_name


def queue(
    asset: Asset, message_id: str, *, state: str = CallState.QUEUED, **fields: Any
) -> OcppCall:
    now = timezone.now()
    return OcppCall.objects.create(
        asset=asset,
        connection=asset.current_connection if state == CallState.SENT else None,
        protocol="ocpp1.6",
        message_id=message_id,
        action="Reset",
        payload={"type": "Soft"},
        state=state,
        sent_at=now if state == CallState.SENT else None,
        deadline_at=now + timedelta(seconds=30) if state == CallState.SENT else None,
        **fields,
    )


def state_of(call: OcppCall) -> str:
    call.refresh_from_db()
    return call.state


def test_each_station_gets_its_own_next_call_in_one_claim(make_station: Any) -> None:
    first, second = make_station("DL-1"), make_station("DL-2")
    channels = [connect(first), connect(second)]
    older = queue(first, "a1", timeout_seconds=5)
    newer = queue(first, "a2")
    other = queue(second, "b1", timeout_seconds=60)
    with CaptureQueriesContext(connection) as queries:
        ocpp_calls_dispatch_next(asset_ids=[first.pk, second.pk], look_first=False)
    assert [state_of(older), state_of(newer), state_of(other)] == [
        CallState.SENT,
        CallState.QUEUED,  # behind its station's outstanding call
        CallState.SENT,
    ]
    first.refresh_from_db()
    assert older.connection_id == first.current_connection_id
    assert older.deadline_at - older.sent_at == timedelta(seconds=5)
    assert other.deadline_at - other.sent_at == timedelta(seconds=60)
    # Each frame went to its own station's connection.
    received = [async_to_sync(get_channel_layer().receive)(name) for name in channels]
    assert [json.loads(event["frame"])[1] for event in received] == ["a1", "b1"]
    assert sorted(
        OcppFrame.objects.filter(direction=Direction.OUT).values_list("message_id", flat=True)
    ) == ["a1", "b1"]
    frame_inserts = [q for q in queries.captured_queries
                     if q["sql"].startswith('INSERT INTO "ocpp_bridge_ocppframe"')]  # fmt: skip
    assert len(frame_inserts) == 1


def test_an_outstanding_call_holds_its_station_queue(make_station: Any) -> None:
    station = make_station("DL-3")
    connect(station)
    station.refresh_from_db()
    outstanding = queue(station, "s1", state=CallState.SENT)
    waiting = queue(station, "s2")
    ocpp_calls_dispatch_next(asset_ids=[station.pk], look_first=False)
    assert [state_of(outstanding), state_of(waiting)] == [CallState.SENT, CallState.QUEUED]


def test_an_offline_station_has_its_queued_calls_failed_and_others_go_on(
    make_station: Any,
) -> None:
    offline, online = make_station("DL-4"), make_station("DL-5")
    connect(offline)
    offline.refresh_from_db()
    connection_close(connection_id=offline.current_connection_id, code=1006)
    stranded = [queue(offline, "o1"), queue(offline, "o2")]
    delivered = queue(online, "n1")
    connect(online)
    ocpp_calls_dispatch_next(asset_ids=[offline.pk, online.pk])
    for call in stranded:
        call.refresh_from_db()
        assert (call.state, call.failure_reason) == (CallState.FAILED, "station_not_connected")
    assert state_of(delivered) == CallState.SENT


def test_the_claim_locks_the_stations_rows_where_the_database_can(make_station: Any) -> None:
    stations = [make_station(f"DL-L{n}") for n in range(3)]
    for station in stations:
        connect(station)
        queue(station, f"l-{station.identity}")
    with CaptureQueriesContext(connection) as queries:
        ocpp_calls_dispatch_next(asset_ids=[s.pk for s in reversed(stations)], look_first=False)
    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == int(connection.features.has_select_for_update_of)
    assert OcppCall.objects.filter(state=CallState.SENT).count() == 3


def test_stations_with_nothing_queued_are_not_locked(make_station: Any) -> None:
    idle = make_station("DL-6")
    connect(idle)
    with CaptureQueriesContext(connection) as queries:
        ocpp_calls_dispatch_next(asset_ids=[idle.pk])  # looks first
    assert not [q for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]


def test_a_call_that_cannot_be_handed_over_fails_and_its_queue_moves_on(
    make_station: Any,
) -> None:
    # The channel layer refuses to send to this name: the consumer can never be reached.
    unreachable, reachable = make_station("DL-7"), make_station("DL-8")
    connection_open(asset_id=unreachable.pk, protocol="ocpp1.6", channel_name="no such channel")
    stuck = [queue(unreachable, "u1"), queue(unreachable, "u2")]
    delivered = queue(reachable, "r1")
    channel = connect(reachable)
    ocpp_calls_dispatch_next(asset_ids=[unreachable.pk, reachable.pk], look_first=False)
    for call in stuck:  # the second was tried once the first had failed
        call.refresh_from_db()
        assert (call.state, call.failure_reason) == (CallState.FAILED, "delivery_failed")
    assert state_of(delivered) == CallState.SENT
    assert json.loads(async_to_sync(get_channel_layer().receive)(channel)["frame"])[1] == "r1"


def test_calls_whose_hand_over_did_not_report_back_stay_sent(
    make_station: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some of such sends may have reached their stations: failing those calls would report a
    # failure for a command the station is carrying out. They are answered or time out.
    if not settings.REDIS_URL:
        unavailable("needs Redis: sends wait on it from the background loop only there")
    monkeypatch.setattr(background_loop, "RESULT_TIMEOUT_SECONDS", 0.3)
    station = make_station("DL-10")
    connect(station)
    call = queue(station, "p1")
    redis = redis_client()
    redis.execute_command("CLIENT", "PAUSE", "2000", "WRITE")  # the send hangs on Redis
    try:
        ocpp_calls_dispatch_next(asset_ids=[station.pk], look_first=False)
    finally:
        redis.execute_command("CLIENT", "UNPAUSE")
    call.refresh_from_db()
    assert (call.state, call.failure_reason) == (CallState.SENT, "")
