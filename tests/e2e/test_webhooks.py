"""Webhooks in the production shape: a real receiver gets signed events for a real station's
frames and connects (two daphne processes, a Celery worker, the webhook sender, PostgreSQL,
Redis); failed deliveries are retried when due and resent on request; a receiver that hangs
never delays the station's answers, with a broker or in the embedded setup."""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.api_clients import Api, api_for
from tests.e2e.conftest import Cluster
from tests.e2e.raw_station import RawStation
from tests.servers import daphne_process
from tests.webhooks.receiver import Received, Receiver, running_receiver
from webhooks.sending import deliveries_send

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOOT = {"chargePointVendor": "Acme", "chargePointModel": "Hooked"}
SCOPES = "read:webhooks write:webhooks write:ocpp.raw_request"
BOTH = ["ocpp.message", "asset.connectivity"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def subscribe(api: Api, receiver: Receiver, event_types: list[str] = BOTH) -> dict:
    response = api.post(
        "/webhooks/v1/webhook-endpoints", {"url": receiver.url, "eventTypes": event_types}
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]


def message(received: list[Received], direction: str, kind: str, action: str) -> list[dict]:
    return [
        r.event["data"]
        for r in received
        if r.event["type"] == "ocpp.message"
        and r.event["data"]["direction"] == direction
        and r.event["data"]["messageType"] == kind
        and r.event["data"]["action"] == action
    ]


def connectivity(received: list[Received], event: str) -> list[dict]:
    return [
        r.event["data"]
        for r in received
        if r.event["type"] == "asset.connectivity" and r.event["data"]["event"] == event
    ]


async def test_a_receiver_gets_signed_events_for_frames_connects_and_an_async_answer(
    cluster: Cluster, make_station, receiver: Receiver
) -> None:
    asset = await asyncio.to_thread(make_station, "CP-W", protocol="ocpp1.6")
    api = await asyncio.to_thread(api_for, cluster.daphne_b, SCOPES)
    endpoint = await asyncio.to_thread(subscribe, api, receiver)

    async with RawStation(cluster.daphne_a, "CP-W", "ocpp1.6") as station:
        boot = await station.call("BootNotification", BOOT)
        assert boot[2]["status"] == "Accepted"
        response = await asyncio.to_thread(
            api.post,
            "/ocpp/v2/raw-request",
            {"action": "Reset", "assetId": "CP-W", "payload": {"type": "Soft"}, "async": True},
        )
        assert response.status_code == 200, response.text
        message_id = response.json()["ocppMessageId"]
        await asyncio.to_thread(
            receiver.wait_for,
            lambda got: message(got, "fromStation", "CALL_RESULT", "Reset"),
        )
    # Deliveries are concurrent and promise no order (the connect's may land after the
    # close's): wait for every event asserted below.
    expected = [
        lambda got: connectivity(got, "connected"),
        lambda got: connectivity(got, "disconnected"),
        lambda got: message(got, "fromStation", "CALL", "BootNotification"),
        lambda got: message(got, "toStation", "CALL_RESULT", "BootNotification"),
        lambda got: message(got, "toStation", "CALL", "Reset"),
    ]
    received = await asyncio.to_thread(
        receiver.wait_for, lambda got: all(arrived(got) for arrived in expected)
    )

    assert all(r.signed_with(endpoint["secret"]) for r in received)
    assert len({r.headers["X-Webhook-Delivery-Id"] for r in received}) == len(received)
    [connected] = connectivity(received, "connected")
    assert connected["chargingStationId"] == "CP-W" and connected["assetId"] == str(asset.pk)
    assert connected["online"] is True and connected["protocol"] == "ocpp1.6"
    [disconnected] = connectivity(received, "disconnected")
    assert disconnected["online"] is False and disconnected["reason"] == "disconnected"
    assert disconnected["connectionId"] == connected["connectionId"]
    [boot_in] = message(received, "fromStation", "CALL", "BootNotification")
    assert boot_in["payload"] == BOOT and boot_in["messageId"] == boot[1]
    [boot_out] = message(received, "toStation", "CALL_RESULT", "BootNotification")
    assert boot_out["payload"]["status"] == "Accepted"
    # The asynchronous raw request's call and the station's answer, by its ocppMessageId.
    [reset_out] = message(received, "toStation", "CALL", "Reset")
    [reset_answer] = message(received, "fromStation", "CALL_RESULT", "Reset")
    assert reset_out["messageId"] == reset_answer["messageId"] == message_id
    assert reset_answer["payload"] == {"status": "Accepted"}


async def test_a_failed_delivery_is_retried_when_due_and_resent_on_request(
    cluster: Cluster, make_station, receiver: Receiver
) -> None:
    await asyncio.to_thread(make_station, "CP-R", protocol="ocpp1.6")
    api = await asyncio.to_thread(api_for, cluster.daphne_b, SCOPES)
    endpoint = await asyncio.to_thread(subscribe, api, receiver, ["asset.connectivity"])
    receiver.status = 500

    async with RawStation(cluster.daphne_a, "CP-R", "ocpp1.6"):  # connected: one event
        await asyncio.to_thread(receiver.wait_for, lambda got: len(got) == 1)
        await retried_then_resent(api, endpoint, receiver)


async def retried_then_resent(api: Api, endpoint: dict, receiver: Receiver) -> None:
    deliveries = f"/webhooks/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    first_attempted = timezone.now()
    # The worker recorded the failure and scheduled the retry an hour later.
    [item] = await asyncio.to_thread(until_listed, api, deliveries, "attemptCount", 1)
    assert (item["state"], item["lastStatusCode"]) == ("pending", 500)

    receiver.status = 200
    # An hour later (time moved, not slept) the periodic sweep sends it again.
    await asyncio.to_thread(deliveries_send, now=first_attempted + timedelta(minutes=50))
    assert len(receiver.received) == 1
    await asyncio.to_thread(deliveries_send, now=first_attempted + timedelta(hours=1, seconds=5))
    assert len(receiver.received) == 2
    [item] = await asyncio.to_thread(until_listed, api, deliveries, "state", "succeeded")

    # The receiver lost it: resend, through the API and the worker.
    resent = await asyncio.to_thread(api.post, f"{deliveries}/{item['id']}/resend")
    assert resent.status_code == 202, resent.text
    received = await asyncio.to_thread(receiver.wait_for, lambda got: len(got) == 3)
    assert received[0].body == received[1].body == received[2].body
    assert all(r.signed_with(endpoint["secret"]) for r in received)
    detail = await asyncio.to_thread(until_detail, api, f"{deliveries}/{item['id']}", 3)
    attempts = [(a["number"], a["statusCode"], a["manual"]) for a in detail["attempts"]]
    assert attempts == [(1, 500, False), (2, 200, False), (3, 200, True)]


def until_listed(api: Api, path: str, key: str, value: object) -> list[dict]:
    return poll(
        lambda: api.get(path).json()["data"]["items"],
        lambda items: items and all(item[key] == value for item in items),
    )


def until_detail(api: Api, path: str, attempts: int) -> dict:
    return poll(lambda: api.get(path).json()["data"], lambda d: len(d["attempts"]) == attempts)


def poll(read, done, timeout: float = 20):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.05)
    raise AssertionError(f"not reached in {timeout}s: {value}")


@pytest.fixture(params=["cluster", "embedded"])
def station_server(request, server_logs: Path, django_db_blocker) -> Iterator[str]:
    """Where the station connects: the production shape, or one daphne running tasks in
    process (no broker: deliveries go to its background threads)."""
    if request.param == "cluster":
        yield request.getfixturevalue("cluster").daphne_a
        return
    with (
        django_db_blocker.unblock(),
        daphne_process(
            server_logs / "daphne-embedded.log", REDIS_URL="", CELERY_TASK_ALWAYS_EAGER="true"
        ) as address,
    ):
        yield address


async def test_a_receiver_that_hangs_does_not_delay_the_station_answers(
    station_server: str, make_station, receiver: Receiver
) -> None:
    from webhooks.services import endpoint_create

    await asyncio.to_thread(make_station, "CP-S", protocol="ocpp1.6")
    await asyncio.to_thread(endpoint_create, url=receiver.url, event_types=BOTH)
    receiver.release.clear()  # the receiver takes every request and answers none

    async with RawStation(station_server, "CP-S", "ocpp1.6") as station:
        await station.call("BootNotification", BOOT)
        answers = [await station.call("Heartbeat", {}) for _ in range(20)]
        # Every answer came while the receiver held the deliveries it had been sent.
        assert all(answer[0] == 3 and "currentTime" in answer[2] for answer in answers)
        assert receiver.received and receiver.answered == 0

    receiver.release.set()
    # Nothing was lost meanwhile: 21 calls and 21 answers, connect and disconnect.
    await asyncio.to_thread(
        receiver.wait_for,
        lambda got: len(got) == 44 and receiver.answered == 44,
        60,
    )
