"""Commanding stations across processes: a station held by daphne A is commanded through
daphne B, with a separate Celery worker delivering asynchronous calls (PostgreSQL + Redis)."""

import asyncio
import itertools
import time

import pytest

from ocpp_bridge.models import CallState, OcppCall
from tests.api_clients import Api, api_for
from tests.e2e.conftest import Cluster
from tests.e2e.raw_station import RawStation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESET = {"1.6": {"type": "Soft"}, "2.0.1": {"type": "Immediate"}, "2.1": {"type": "Immediate"}}


@pytest.fixture
def api(cluster: Cluster, make_station) -> Api:
    make_station("CP-A")
    return api_for(cluster.daphne_b, "write:ocpp.raw_request write:ocpp")


def raw_request(api: Api, *, sync: bool, version: str = "2.0.1", **extra: object) -> dict:
    body = {"action": "Reset", "assetId": "CP-A", "payload": RESET[version], "async": not sync}
    body.update(extra)
    return api.post("/ocpp/v2/raw-request", body)


async def wait_until_final(message_id: str, timeout: float = 20) -> OcppCall:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        call = await OcppCall.objects.aget(message_id=message_id)
        if call.is_final:
            return call
        await asyncio.sleep(0.05)
    raise AssertionError(f"call {message_id} not final after {timeout}s")


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_synchronous_raw_request_through_the_other_daphne(
    cluster: Cluster, api: Api, version: str
) -> None:
    async with RawStation(cluster.daphne_a, "CP-A", f"ocpp{version}"):
        response = await asyncio.to_thread(raw_request, api, sync=True, version=version)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "Success" and body["async"] is False
    data = body["data"]
    assert data["request"] == {
        "messageType": "2",
        "messageId": body["ocppMessageId"],
        "action": "Reset",
        "payload": RESET[version],
    }
    assert data["response"] == {
        "messageType": "CALL_RESULT",
        "messageId": body["ocppMessageId"],
        "payload": {"status": "Accepted"},
    }
    assert data["connection"]["protocol"] == f"ocpp{version}"
    call = await OcppCall.objects.aget(message_id=body["ocppMessageId"])
    assert (
        call.state == CallState.ANSWERED
        and str(call.connection_id) == data["connection"]["connectionId"]
    )


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_asynchronous_raw_request_is_delivered_by_the_worker(
    cluster: Cluster, api: Api, version: str
) -> None:
    async with RawStation(cluster.daphne_a, "CP-A", f"ocpp{version}") as station:
        response = await asyncio.to_thread(
            raw_request, api, sync=False, version=version, requestId="my-request-1"
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["async"] is True and body["ocppMessageId"] == "my-request-1"
        assert "response" not in body["data"]
        call = await wait_until_final("my-request-1")
        assert [c.message_id for c in station.calls] == ["my-request-1"]
    assert call.state == CallState.ANSWERED and call.response_payload == {"status": "Accepted"}
    read = await asyncio.to_thread(api.get, "/ocpp/v2/requests/my-request-1")
    assert read.status_code == 200
    assert read.json()["data"]["response"]["payload"] == {"status": "Accepted"}
    assert read.json()["data"]["state"] == "answered"


async def test_concurrent_requests_reach_the_station_one_at_a_time(
    cluster: Cluster, api: Api
) -> None:
    async with RawStation(cluster.daphne_a, "CP-A", "ocpp2.0.1", answer_delay=0.2) as station:
        sync_answers = asyncio.gather(
            *(asyncio.to_thread(raw_request, api, sync=True) for _ in range(3))
        )
        async_answers = [
            await asyncio.to_thread(raw_request, api, sync=False, requestId=f"burst-{n}")
            for n in range(4)
        ]
        answers = await sync_answers
        for n in range(4):
            await wait_until_final(f"burst-{n}")
        calls = await station.wait_for_calls(7)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.status_code == 200 for a in async_answers)
    assert station.max_in_flight == 1
    # Each call arrived only after the previous one was answered.
    for previous, following in itertools.pairwise(calls):
        assert previous.answered_at is not None and following.received_at >= previous.answered_at
    assert await OcppCall.objects.filter(state=CallState.ANSWERED).acount() == 7


async def test_an_unanswered_call_times_out_and_the_queue_moves_on(
    cluster: Cluster, api: Api
) -> None:
    def answer_all_but_reset(action: str, payload: dict) -> dict | None:
        return None if action == "Reset" else {"status": "Accepted"}

    async with RawStation(cluster.daphne_a, "CP-A", "ocpp2.0.1", policy=answer_all_but_reset):
        timed_out = await asyncio.to_thread(raw_request, api, sync=True)
        following = await asyncio.to_thread(
            api.post,
            "/ocpp/v2/raw-request",
            {"action": "ClearCache", "assetId": "CP-A", "payload": {}, "async": False},
        )
    assert timed_out.status_code == 504
    error = timed_out.json()["error"]
    assert error["code"] == "station_timeout"
    call = await OcppCall.objects.aget(message_id=error["details"]["ocppMessageId"])
    assert call.state == CallState.TIMED_OUT and call.completed_at is not None
    assert following.status_code == 200 and following.json()["data"]["response"]["payload"] == {
        "status": "Accepted"
    }


async def test_a_station_dropping_mid_call_fails_the_call_at_once(
    cluster: Cluster, api: Api
) -> None:
    station = RawStation(cluster.daphne_a, "CP-A", "ocpp2.0.1", policy=lambda a, p: None)
    await station.__aenter__()
    request = asyncio.create_task(asyncio.to_thread(raw_request, api, sync=True))
    await station.wait_for_calls(1)
    started = time.monotonic()
    await station.close()
    response = await request
    elapsed = time.monotonic() - started
    assert response.status_code == 502, response.text
    assert response.json()["error"]["code"] == "station_disconnected"
    call = await OcppCall.objects.aget(message_id=station.calls[0].message_id)
    assert call.state == CallState.FAILED and call.failure_reason == "station_disconnected"
    # Failed on the disconnect itself, not by the 3 s call timeout.
    assert elapsed < 3


async def test_a_station_that_is_not_connected_is_refused(cluster: Cluster, api: Api) -> None:
    response = await asyncio.to_thread(raw_request, api, sync=True)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "station_not_connected"
    assert await OcppCall.objects.acount() == 0


def answer_maybe(action: str, payload: dict) -> dict | None:
    return {"status": "Maybe"}  # not a Reset status in any version


@pytest.mark.parametrize("version", ["1.6", "2.0.1", "2.1"])
async def test_an_answer_outside_the_response_schema_is_an_invalid_response(
    cluster: Cluster, api: Api, version: str
) -> None:
    async with RawStation(
        cluster.daphne_a, "CP-A", f"ocpp{version}", policy=answer_maybe
    ) as station:
        response = await asyncio.to_thread(raw_request, api, sync=True, version=version)
        result_errors = await station.wait_for_result_errors(1 if version == "2.1" else 0)
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_response"
    details = error["details"]
    assert details["state"] == "invalid_response"
    assert details["message"].startswith("status: 'Maybe' is not one of")
    assert details["data"]["response"]["payload"] == {"status": "Maybe"}
    message_id = details["ocppMessageId"]
    read = await asyncio.to_thread(api.get, f"/ocpp/v2/requests/{message_id}")
    assert read.status_code == 200
    assert read.json()["status"] == "invalid_response"
    assert read.json()["data"]["state"] == "invalid_response"
    assert read.json()["data"]["invalidResponse"]["message"] == details["message"]
    if version == "2.1":
        assert result_errors == [
            [5, message_id, "PropertyConstraintViolation", details["message"],
             {"field": "status", "keyword": "enum"}]
        ]  # fmt: skip
    else:  # 1.6 and 2.0.1 define no such frame
        assert result_errors == []
