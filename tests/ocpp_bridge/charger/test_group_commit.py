"""Group commit: several stations' messages handled in one transaction, each answered as if
alone, and one station's failure costing no other station its message."""

import asyncio
import json
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset, Connector
from charging.models import MeterSample
from ocpp_bridge.charger.connections import connection_open
from ocpp_bridge.charger.group_commit import GroupCommitter
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.charger.incoming import process_texts
from ocpp_bridge.models import CallState, Direction, OcppCall, OcppFrame
from ocpp_bridge.protocol.versions import OcppVersion
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from webhooks.subscriptions import subscribed_endpoint_ids, subscriptions_held

MAX_BYTES = 64 * 1024


def connected(asset: Asset) -> StationContext:
    opened, _ = connection_open(
        asset_id=asset.pk, protocol="ocpp1.6", channel_name=f"test.{asset.identity}",
        remote_addr="",
    )  # fmt: skip
    return StationContext(
        asset_id=asset.pk,
        identity=asset.identity,
        network_id=asset.network_id,
        version=OcppVersion.V16,
        connection_id=opened.pk,
        registration_status=asset.registration_status,
    )


def status(message_id: str, state: str) -> str:
    payload = {"connectorId": 1, "errorCode": "NoError", "status": state}
    return json.dumps([2, message_id, "StatusNotification", payload])


def frames_of(asset: Asset) -> list[tuple[str, int | None, str]]:
    return list(
        OcppFrame.objects.filter(asset=asset)
        .order_by("id")
        .values_list("direction", "message_type", "message_id")
    )


@pytest.fixture
def stations(make_station: Any) -> list[Asset]:
    return [make_station(f"GC-{n}", protocol="ocpp1.6") for n in range(3)]


@pytest.mark.django_db(transaction=True)
def test_stations_handled_together_are_each_answered_and_stored(stations: list[Asset]) -> None:
    contexts = [connected(asset) for asset in stations]
    states = ["Available", "Charging", "Faulted"]
    replies = process_texts(
        [
            (ctx, status(f"m{n}", state))
            for n, (ctx, state) in enumerate(zip(contexts, states, strict=True))
        ],
        max_bytes=MAX_BYTES,
    )
    assert [json.loads(reply) for reply in replies] == [[3, "m0", {}], [3, "m1", {}], [3, "m2", {}]]
    for n, (asset, state) in enumerate(zip(stations, states, strict=True)):
        assert Connector.objects.get(asset=asset, evse_id=1).status == state
        assert frames_of(asset) == [(Direction.IN, 2, f"m{n}"), (Direction.OUT, 3, f"m{n}")]


@pytest.mark.django_db(transaction=True)
def test_a_station_failing_in_the_group_costs_the_others_nothing(stations: list[Asset]) -> None:
    contexts = [connected(asset) for asset in stations]
    # Deleted while connected: its rows can no longer be written, and the shared transaction
    # fails at commit (foreign keys are checked there).
    Asset.objects.filter(pk=stations[1].pk).delete()
    replies = process_texts(
        [(ctx, status(f"m{n}", "Charging")) for n, ctx in enumerate(contexts)],
        max_bytes=MAX_BYTES,
    )
    answers = [json.loads(reply) for reply in replies]
    assert answers[0] == [3, "m0", {}] and answers[2] == [3, "m2", {}]
    assert answers[1][:3] == [4, "m1", "InternalError"]
    for n in (0, 2):
        assert Connector.objects.get(asset=stations[n], evse_id=1).status == "Charging"
        assert frames_of(stations[n]) == [(Direction.IN, 2, f"m{n}"), (Direction.OUT, 3, f"m{n}")]
    assert not OcppFrame.objects.filter(asset_id=stations[1].pk).exists()


@pytest.mark.django_db(transaction=True)
def test_frames_that_cannot_join_the_group_get_their_own_answers(stations: list[Asset]) -> None:
    contexts = [connected(asset) for asset in stations]
    too_big = json.dumps([2, "big", "Heartbeat", {"pad": "x" * MAX_BYTES}])
    messages = [
        (contexts[0], status("ok", "Available")),
        (contexts[1], '[2, "bad", "StatusNotification", {"connectorId": "one"}]'),
        (contexts[2], "not json"),
        (contexts[0], too_big),
        (contexts[1], json.dumps([3, "nobody-asked", {}])),  # an answer to no call
        (contexts[2], status("ok2", "Preparing")),
    ]
    replies = process_texts(messages, max_bytes=MAX_BYTES)
    answers = [json.loads(reply) if reply else None for reply in replies]
    assert answers[0] == [3, "ok", {}] and answers[5] == [3, "ok2", {}]
    assert answers[1][:3] == [4, "bad", "OccurenceConstraintViolation"]  # 1.6 spelling
    assert answers[2][:3] == [4, "-1", "FormationViolation"]  # no message id to be read
    assert answers[3][:3] == [4, "big", "FormationViolation"]
    assert answers[4] is None
    # Every frame in is in the log, each with what it was answered.
    assert OcppFrame.objects.filter(direction=Direction.IN).count() == 6
    assert OcppFrame.objects.filter(direction=Direction.OUT).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_readings_of_a_group_are_stored_with_one_insert(stations: list[Asset]) -> None:
    contexts = [connected(asset) for asset in stations]
    readings = []
    for n, ctx in enumerate(contexts):
        sample = {"value": str(100 * (n + 1)), "measurand": "Power.Active.Import", "unit": "W"}
        meter_value = {"timestamp": "2026-03-01T10:00:00Z", "sampledValue": [sample, sample]}
        payload = {"connectorId": 1, "meterValue": [meter_value]}
        readings.append((ctx, json.dumps([2, f"r{n}", "MeterValues", payload])))
    with CaptureQueriesContext(connection) as queries:
        replies = process_texts(readings, max_bytes=MAX_BYTES)
    assert [json.loads(reply) for reply in replies] == [[3, f"r{n}", {}] for n in range(3)]
    for n, asset in enumerate(stations):
        values = MeterSample.objects.filter(asset=asset).values_list("value", flat=True)
        assert list(values) == [100 * (n + 1)] * 2
    sample_inserts = [q for q in queries.captured_queries
                      if q["sql"].startswith('INSERT INTO "charging_metersample"')]  # fmt: skip
    assert len(sample_inserts) == 1


def a_call(ctx: StationContext, message_id: str, state: str) -> OcppCall:
    now = timezone.now()
    return OcppCall.objects.create(
        asset_id=ctx.asset_id, connection_id=ctx.connection_id, protocol="ocpp1.6",
        message_id=message_id, action="Reset", payload={"type": "Soft"}, state=state,
        sent_at=now if state == CallState.SENT else None,
        deadline_at=now + timedelta(seconds=30) if state == CallState.SENT else None,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_answers_in_a_group_are_stored_together_and_each_station_gets_its_next_call(
    stations: list[Asset],
) -> None:
    contexts = [connected(asset) for asset in stations]
    sent = [a_call(ctx, f"c{n}", CallState.SENT) for n, ctx in enumerate(contexts)]
    queued = [a_call(ctx, f"q{n}", CallState.QUEUED) for n, ctx in enumerate(contexts[:2])]
    messages = [
        (contexts[0], json.dumps([3, "c0", {"status": "Accepted"}])),
        (contexts[1], json.dumps([4, "c1", "NotSupported", "no", {}])),
        (contexts[2], json.dumps([3, "c2", {"status": "Rejected"}])),
        (contexts[2], status("s2", "Available")),  # a CALL shares the transaction
    ]
    with CaptureQueriesContext(connection) as queries:
        replies = process_texts(messages, max_bytes=MAX_BYTES)
    assert replies[:3] == [None, None, None] and json.loads(replies[3]) == [3, "s2", {}]
    for call in sent:
        call.refresh_from_db()
    assert [call.state for call in sent] == [CallState.ANSWERED, CallState.ERROR,
                                             CallState.ANSWERED]  # fmt: skip
    assert sent[0].response_payload == {"status": "Accepted"}
    assert sent[1].error_code == "NotSupported"
    # The stations with a call waiting had it sent, right after the commit.
    assert [OcppCall.objects.get(pk=call.pk).state for call in queued] == [CallState.SENT] * 2
    logged = OcppFrame.objects.filter(direction=Direction.IN, message_type__in=[3, 4])
    assert sorted(logged.values_list("message_id", "action")) == [
        ("c0", "Reset"), ("c1", "Reset"), ("c2", "Reset")
    ]  # fmt: skip
    frame_inserts = [query for query in queries.captured_queries
                     if query["sql"].startswith('INSERT INTO "ocpp_bridge_ocppframe"')]  # fmt: skip
    assert len(frame_inserts) == 1 + 1  # the group's five frames, then both next calls sent


@pytest.mark.django_db(transaction=True)
def test_an_answer_whose_group_fails_is_stored_on_its_own(stations: list[Asset]) -> None:
    contexts = [connected(asset) for asset in stations]
    sent = [a_call(ctx, f"c{n}", CallState.SENT) for n, ctx in enumerate(contexts)]
    Asset.objects.filter(pk=stations[1].pk).delete()  # its calls go with it; its frames fail
    replies = process_texts(
        [(ctx, json.dumps([3, f"c{n}", {"status": "Accepted"}])) for n, ctx in enumerate(contexts)],
        max_bytes=MAX_BYTES,
    )
    assert replies == [None, None, None]
    for n in (0, 2):
        assert OcppCall.objects.get(pk=sent[n].pk).state == CallState.ANSWERED
        assert frames_of(stations[n]) == [(Direction.IN, 3, f"c{n}")]


@pytest.mark.django_db(transaction=True)
def test_each_station_of_a_group_tells_the_endpoints_of_its_own_network(make_station) -> None:
    north = [make_station(f"GN-{n}", protocol="ocpp1.6", network_name="north") for n in range(2)]
    south = make_station("GS-1", protocol="ocpp1.6", network_name="south")
    endpoint = WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/hook", event_types=[EventType.OCPP_MESSAGE],
        network_id=north[0].network_id,
    )  # fmt: skip
    contexts = [connected(asset) for asset in [*north, south]]
    process_texts([(ctx, status(f"w{n}", "Available")) for n, ctx in enumerate(contexts)],
                  max_bytes=MAX_BYTES)  # fmt: skip
    told = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert sorted(told.values_list("asset_id", flat=True)) == sorted(
        [north[0].pk, north[0].pk, north[1].pk, north[1].pk]  # the frame in and the answer
    )


@pytest.mark.django_db(transaction=True)
def test_held_subscriptions_are_read_once_and_current_again_after(make_station) -> None:
    network_id = make_station("GH-1", network_name="north").network_id

    def subscribed() -> list[object]:
        return subscribed_endpoint_ids(event_type=EventType.OCPP_MESSAGE, network_id=network_id)

    with subscriptions_held():
        assert subscribed() == []
        endpoint = WebhookEndpoint.objects.create(
            url="http://127.0.0.1:9/hook", event_types=[EventType.OCPP_MESSAGE]
        )
        assert subscribed() == []  # as read at the first frame of the group
    assert subscribed() == [endpoint.pk]


class Recorder:
    """A `process` that records the batches it gets and can be held until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.fail_on: str | None = None

    def __call__(self, messages: Sequence[tuple[StationContext, str]]) -> list[str | None]:
        self.release.wait(5)
        texts = [text for _, text in messages]
        self.batches.append(texts)
        if self.fail_on in texts:
            raise RuntimeError("database gone")
        return [f"reply to {text}" for text in texts]


def committer(process: Recorder, *, concurrency: int = 1, max_batch: int = 100) -> GroupCommitter:
    return GroupCommitter(
        process,
        run_in_thread=lambda func: sync_to_async(func, thread_sensitive=False),
        max_batch=max_batch,
        concurrency=concurrency,
    )


STATION = StationContext(
    asset_id=None, identity="X", network_id=None, version=OcppVersion.V16, connection_id=None,
    registration_status="Accepted",
)  # fmt: skip


def test_messages_arriving_while_a_batch_runs_are_handled_together() -> None:
    async def scenario() -> None:
        process = Recorder()
        group = committer(process, max_batch=3)
        first = asyncio.ensure_future(group.submit(STATION, "a"))
        await asyncio.sleep(0.05)  # "a" is being handled, alone: nothing waits for company
        rest = [asyncio.ensure_future(group.submit(STATION, text)) for text in "bcdef"]
        await asyncio.sleep(0.05)
        process.release.set()
        replies = await asyncio.gather(first, *rest)
        assert replies == [f"reply to {text}" for text in "abcdef"]
        assert process.batches == [["a"], ["b", "c", "d"], ["e", "f"]]

    asyncio.run(scenario())


def test_a_failed_batch_fails_its_own_waiters_only() -> None:
    async def scenario() -> None:
        process = Recorder()
        process.fail_on = "b"
        group = committer(process, max_batch=2)
        first = asyncio.ensure_future(group.submit(STATION, "a"))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(group.submit(STATION, text)) for text in "bcd"]
        await asyncio.sleep(0.05)
        process.release.set()
        results = await asyncio.gather(first, *rest, return_exceptions=True)
        assert results[0] == "reply to a" and results[3] == "reply to d"
        assert all(isinstance(result, RuntimeError) for result in results[1:3])

    asyncio.run(scenario())


def test_a_waiter_cancelled_leaves_the_others_answered_and_its_message_handled() -> None:
    async def scenario() -> None:
        process = Recorder()
        group = committer(process, concurrency=1)
        running = asyncio.ensure_future(group.submit(STATION, "a"))
        await asyncio.sleep(0.05)  # "a" is being handled; "b" and "c" wait for the next batch
        waiting = [asyncio.ensure_future(group.submit(STATION, text)) for text in "bc"]
        await asyncio.sleep(0.05)
        running.cancel()  # its station went away while its message was being handled
        waiting[0].cancel()  # and this one's before its batch even started
        process.release.set()
        assert await waiting[1] == "reply to c"
        await asyncio.sleep(0.05)
        assert process.batches == [["a"], ["b", "c"]]  # received, so handled: nothing lost
        assert group.running == set()

    asyncio.run(scenario())
