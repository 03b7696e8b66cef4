"""Faults injected into the production shape (daphne processes, a Celery worker, PostgreSQL,
Redis), with stations on real sockets and calls made through POST /ocpp/v2/raw-request.

After each fault: every call is final with the reason that really ended it, every frame the
server acknowledged is in the frame log, and the stations reconnect and obey new commands.
Each test starts its own processes, since the fault kills one of them.
"""

import asyncio
import contextlib
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed, InvalidStatus

from assets.models import Asset
from ocpp_bridge.models import CallState, ChargerConnection, Direction, OcppCall, OcppFrame
from tests.api_clients import Api, api_for
from tests.e2e.raw_station import RawStation
from tests.reliability.tcp_proxy import TcpProxy, tcp_proxy
from tests.servers import (
    PrivateRedis,
    celery_worker_popen,
    daphne_popen,
    other_daphnes_paused,
    unavailable,
)
from tests.servers import (
    test_database_url as server_database_url,
)
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Short call timeouts and beats, so that each fault plays out in seconds.
ENV = {
    "OCPP_CALL_TIMEOUT": "3",
    "OCPP_SYNC_QUEUE_WAIT": "15",
    "OCPP_SERVER_BEAT_SECONDS": "0.5",
}
SCOPES = "write:ocpp.raw_request write:ocpp"
PROTOCOL = "ocpp2.0.1"
RESET = {"type": "Immediate"}
UNFINISHED = [CallState.QUEUED, CallState.SENT]


@pytest.fixture(autouse=True)
def production_shape() -> None:
    """These tests need PostgreSQL and Redis (CI has both: there a missing one is a failure)."""
    missing = []
    if not settings.REDIS_URL:
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("a PostgreSQL DATABASE_URL")
    if missing:
        unavailable(f"fault injection needs {' and '.join(missing)}")


@pytest.fixture(autouse=True)
def settled(transactional_db: None) -> Iterator[None]:
    """Let the last writes of the server processes land before the tables are emptied."""
    yield
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not OcppCall.objects.filter(state__in=UNFINISHED).exists():
            return
        time.sleep(0.1)


# --- helpers ----------------------------------------------------------------------------------


def raw_request(
    api: Api,
    identity: str,
    *,
    sync: bool,
    action: str = "Reset",
    payload: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> requests.Response:
    body: dict[str, Any] = {
        "action": action,
        "assetId": identity,
        "payload": RESET if payload is None else payload,
        "async": not sync,
    }
    if request_id is not None:
        body["requestId"] = request_id
    return api.post("/ocpp/v2/raw-request", body)


async def final_call(identity: str, message_id: str, timeout: float = 20) -> OcppCall:
    async def final() -> bool:
        call = await OcppCall.objects.filter(
            asset__identity=identity, message_id=message_id
        ).afirst()
        return call is not None and call.is_final

    assert await wait_for(final, timeout), f"call {message_id} of {identity} never became final"
    return await OcppCall.objects.aget(asset__identity=identity, message_id=message_id)


async def is_online(identity: str) -> bool:
    return (await Asset.objects.aget(identity=identity)).is_online


async def commanded_again(api: Api, station: RawStation) -> None:
    """The station obeys a synchronous and an asynchronous command after the fault."""
    response = await asyncio.to_thread(raw_request, api, station.identity, sync=True)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["response"]["payload"] == {"status": "Accepted"}
    request_id = f"again-{time.monotonic_ns()}"
    response = await asyncio.to_thread(
        raw_request, api, station.identity, sync=False, action="ClearCache", payload={},
        request_id=request_id,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    call = await final_call(station.identity, request_id)
    assert call.state == CallState.ANSWERED, (call.state, call.failure_reason)


def reconnected(address: str, identity: str, **kwargs: Any) -> RawStation:
    """A station's next connection; its own message ids continue where the last one's ended."""
    station = RawStation(address, identity, PROTOCOL, **kwargs)
    station._next_id = 1000 + int(time.monotonic() * 1000) % 1_000_000
    return station


@dataclass
class Traffic:
    """A station's own CALLs (Heartbeats) and how the CSMS answered each one."""

    acknowledged: list[str] = field(default_factory=list)  # answered with a CALLRESULT
    refused: list[str] = field(default_factory=list)  # answered with a CALLERROR
    unanswered: int = 0


async def send_heartbeats(station: RawStation, traffic: Traffic, stop: asyncio.Event) -> None:
    """Heartbeats until `stop`, or until the server drops the socket."""
    while not stop.is_set() and station._reader is not None and not station._reader.done():
        message_id = f"{station.identity}-{station._next_id + 1}"
        try:
            answer = await station.call("Heartbeat", {}, timeout=2)
        except (TimeoutError, ConnectionClosed):
            traffic.unanswered += 1
            continue
        if answer[0] == 3:
            traffic.acknowledged.append(message_id)
        else:
            assert answer[2] == "InternalError", answer
            traffic.refused.append(message_id)
        await asyncio.sleep(0.1)


def assert_nothing_lost(acknowledged: dict[str, list[str]]) -> None:
    """Every call final; every answer the CSMS took and every station frame it acknowledged
    is in the frame log."""
    unfinished = list(OcppCall.objects.filter(state__in=UNFINISHED).values_list("message_id"))
    assert unfinished == [], f"calls left unfinished: {unfinished}"
    for call in OcppCall.objects.filter(state__in=[CallState.ANSWERED, CallState.ERROR]):
        logged = OcppFrame.objects.filter(
            asset_id=call.asset_id, direction=Direction.IN, message_id=call.message_id
        )
        assert logged.filter(message_type__in=[3, 4]).exists(), f"answer to {call} not logged"
    for identity, message_ids in acknowledged.items():
        logged = set(
            OcppFrame.objects.filter(
                asset__identity=identity, direction=Direction.IN, message_type=2
            ).values_list("message_id", flat=True)
        )
        lost = set(message_ids) - logged
        assert not lost, f"{identity}: acknowledged frames missing from the log: {sorted(lost)}"


# --- a. a Celery worker killed mid-call ------------------------------------------------------


@contextmanager
def row_locked(table: str, pk: Any) -> Iterator[None]:
    """Hold a row lock from outside the servers, so a worker stops inside its delivery (NO KEY:
    rows referring to it, such as the new call, may still be inserted)."""
    with psycopg.connect(server_database_url()) as connection:
        connection.execute(f'SELECT 1 FROM "{table}" WHERE id = %s FOR NO KEY UPDATE', [pk])
        yield
        connection.rollback()


def backends_waiting_for_a_lock() -> int:
    with psycopg.connect(server_database_url(), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_worker_killed_mid_delivery_leaves_no_call_behind(
    make_station, server_logs: Path
) -> None:
    asset = make_station("CP-FA")
    with ExitStack() as stack:
        address, _ = stack.enter_context(daphne_popen(server_logs / "fa-daphne.log", **ENV))
        worker = stack.enter_context(celery_worker_popen(server_logs / "fa-worker-1.log", **ENV))
        api = api_for(address, SCOPES)

        def restart_worker() -> None:
            stack.enter_context(celery_worker_popen(server_logs / "fa-worker-2.log", **ENV))

        asyncio.run(kill_worker_mid_delivery(api, address, asset, worker, restart_worker))
    assert_nothing_lost({})


async def kill_worker_mid_delivery(
    api: Api,
    address: str,
    asset: Asset,
    worker: subprocess.Popen[bytes],
    restart_worker: Callable[[], None],
) -> None:
    async with RawStation(address, "CP-FA", PROTOCOL) as station:
        with row_locked(Asset._meta.db_table, asset.pk):
            response = await asyncio.to_thread(
                raw_request, api, "CP-FA", sync=False, request_id="worker-dies"
            )
            assert response.status_code == 200, response.text

            async def worker_inside_delivery() -> bool:
                return await asyncio.to_thread(backends_waiting_for_a_lock) >= 1

            assert await wait_for(worker_inside_delivery), "the worker never took the task"
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        await asyncio.to_thread(restart_worker)  # as a supervisor would
        call = await final_call("CP-FA", "worker-dies")
        assert call.state == CallState.ANSWERED, (call.state, call.failure_reason)
        assert [c.message_id for c in station.calls] == ["worker-dies"]  # delivered once
        await commanded_again(api, station)


# --- b. Redis restarted ----------------------------------------------------------------------


@contextmanager
def cluster_on_private_redis(
    stack: ExitStack, logs: Path, name: str
) -> Iterator[tuple[PrivateRedis, str, Api]]:
    """Redis of its own, daphne A (stations), daphne B (API) and a worker; yields B's client."""
    redis = PrivateRedis(stack, logs / f"{name}-redis.log")
    redis.start()
    env = {**ENV, "REDIS_URL": redis.url}
    station_side, _ = stack.enter_context(daphne_popen(logs / f"{name}-a.log", **env))
    api_side, _ = stack.enter_context(daphne_popen(logs / f"{name}-b.log", **env))
    stack.enter_context(celery_worker_popen(logs / f"{name}-worker.log", **env))
    yield redis, station_side, api_for(api_side, SCOPES)


async def dropped_or_kept(address: str, station: RawStation) -> RawStation:
    """The station as a real one behaves: if the server dropped its socket, it reconnects."""
    assert station._reader is not None
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(station._reader), 3)
    if not station._reader.done():
        return station
    await station.close()
    return await connect_retrying(reconnected(address, station.identity))


async def connect_retrying(station: RawStation, attempts: int = 10) -> RawStation:
    """Connect as stations do after a drop: retry a refused handshake a few times."""
    for _ in range(attempts - 1):
        try:
            return await station.__aenter__()
        except (InvalidStatus, OSError):
            await asyncio.sleep(0.5)
    return await station.__aenter__()


def test_a_call_queued_while_redis_is_down_is_delivered_after_its_restart(
    make_station, server_logs: Path
) -> None:
    make_station("CP-FB")
    with ExitStack() as stack, cluster_on_private_redis(stack, server_logs, "fb") as cluster:
        traffic = asyncio.run(queue_while_redis_is_down(*cluster))
    assert_nothing_lost({"CP-FB": traffic.acknowledged})


async def queue_while_redis_is_down(redis: PrivateRedis, address: str, api: Api) -> Traffic:
    traffic = Traffic()
    station = RawStation(address, "CP-FB", PROTOCOL)
    await station.__aenter__()
    stop = asyncio.Event()
    beating = asyncio.create_task(send_heartbeats(station, traffic, stop))
    await asyncio.sleep(0.5)
    await asyncio.to_thread(redis.kill)
    response = await asyncio.to_thread(
        raw_request, api, "CP-FB", sync=False, request_id="while-redis-down"
    )
    # Queued for good: the caller is told so, not given an error for a call that exists.
    assert response.status_code == 200, response.text
    await asyncio.sleep(1)
    await asyncio.to_thread(redis.start)  # empty: whatever the broker held is gone
    stop.set()
    await beating
    # The channel layer waited for Redis: the station's socket outlived the outage.
    assert station._reader is not None and not station._reader.done(), "socket dropped"
    try:
        call = await final_call("CP-FB", "while-redis-down")
        assert call.state == CallState.ANSWERED, (call.state, call.failure_reason)
        assert "while-redis-down" in [c.message_id for c in station.calls]
        await commanded_again(api, station)
    finally:
        await station.close()
    assert traffic.acknowledged, "no Heartbeat was answered"
    return traffic


def test_a_call_in_flight_across_a_redis_restart_ends_truthfully(
    make_station, server_logs: Path
) -> None:
    make_station("CP-FB2")
    with ExitStack() as stack, cluster_on_private_redis(stack, server_logs, "fb2") as cluster:
        asyncio.run(restart_redis_mid_call(*cluster))
    assert_nothing_lost({})


async def restart_redis_mid_call(redis: PrivateRedis, address: str, api: Api) -> None:
    station = RawStation(address, "CP-FB2", PROTOCOL, answer_delay=1.0)
    await station.__aenter__()
    in_flight = asyncio.create_task(asyncio.to_thread(raw_request, api, "CP-FB2", sync=True))
    await station.wait_for_calls(1)
    await asyncio.to_thread(redis.kill)
    await asyncio.sleep(1)
    await asyncio.to_thread(redis.start)
    answer = await in_flight
    call = await final_call("CP-FB2", station.calls[0].message_id)
    # Answered if the socket survived, else failed because it was lost: never a timeout, and
    # the synchronous caller is told which, not given a 500.
    assert (call.state, call.failure_reason) in {
        (CallState.ANSWERED, ""),
        (CallState.FAILED, "station_disconnected"),
    }
    assert answer.status_code in {200, 502}, answer.text
    assert station._reader is not None
    if station._reader.done():  # its socket was dropped: it must not be left online
        assert await wait_for(lambda: is_offline("CP-FB2"), 5)
    station = await dropped_or_kept(address, station)
    try:
        await commanded_again(api, station)
    finally:
        await station.close()


# --- c. the daphne process holding a station killed ------------------------------------------


def test_a_killed_daphne_fails_its_calls_as_server_lost(make_station, server_logs: Path) -> None:
    make_station("CP-FC-QUICK")  # reconnects at once, before the dead process is swept
    make_station("CP-FC-SLOW")  # reconnects only after the sweep
    with ExitStack() as stack:
        victim, victim_process = stack.enter_context(
            daphne_popen(server_logs / "fc-victim.log", **ENV)
        )
        survivor, _ = stack.enter_context(daphne_popen(server_logs / "fc-survivor.log", **ENV))
        stack.enter_context(celery_worker_popen(server_logs / "fc-worker.log", **ENV))
        api = api_for(survivor, SCOPES)
        asyncio.run(kill_daphne_mid_call(api, victim, survivor, victim_process))
    for identity in ("CP-FC-QUICK", "CP-FC-SLOW"):
        first = ChargerConnection.objects.filter(asset__identity=identity).order_by("opened_at")[0]
        assert first.closed_at is not None
    slow = ChargerConnection.objects.filter(asset__identity="CP-FC-SLOW").order_by("opened_at")
    assert slow[0].close_reason == ChargerConnection.CloseReason.SERVER_LOST
    assert_nothing_lost({})


async def kill_daphne_mid_call(
    api: Api, victim: str, survivor: str, process: subprocess.Popen[bytes]
) -> None:
    never = lambda action, payload: None  # noqa: E731
    quick = RawStation(victim, "CP-FC-QUICK", PROTOCOL, policy=never)
    slow = RawStation(victim, "CP-FC-SLOW", PROTOCOL, policy=never)
    await quick.__aenter__()
    await slow.__aenter__()
    sync_caller = asyncio.create_task(asyncio.to_thread(raw_request, api, "CP-FC-QUICK", sync=True))
    response = await asyncio.to_thread(
        raw_request, api, "CP-FC-SLOW", sync=False, request_id="slow-in-flight"
    )
    assert response.status_code == 200, response.text
    await quick.wait_for_calls(1)
    await slow.wait_for_calls(1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    await quick.close()
    await slow.close()

    async with reconnected(survivor, "CP-FC-QUICK") as quick_again:
        assert await wait_for(lambda: is_offline("CP-FC-SLOW")), "the dead process was not swept"
        answer = await sync_caller
        assert answer.status_code == 502, answer.text
        assert answer.json()["error"]["code"] == "server_lost"
        lost = await OcppCall.objects.aget(message_id=quick.calls[0].message_id)
        assert lost.state == CallState.FAILED and lost.failure_reason == "server_lost"
        lost = await final_call("CP-FC-SLOW", "slow-in-flight")
        assert lost.state == CallState.FAILED and lost.failure_reason == "server_lost"
        async with reconnected(survivor, "CP-FC-SLOW") as slow_again:
            await commanded_again(api, quick_again)
            await commanded_again(api, slow_again)


async def is_offline(identity: str) -> bool:
    return not await is_online(identity)


# --- d. a station dropping its socket mid-call -----------------------------------------------
# tests/e2e/test_command_path.py covers the dropped call's own sync caller (502 at once); here:
# the callers queued behind it, an answer sent just before the drop, and the next connection.


def test_calls_queued_behind_a_dropped_call_end_and_the_queue_moves_on(
    make_station, server_logs: Path
) -> None:
    make_station("CP-FD")
    with ExitStack() as stack:
        station_side, _ = stack.enter_context(daphne_popen(server_logs / "fd-a.log", **ENV))
        api_side, _ = stack.enter_context(daphne_popen(server_logs / "fd-b.log", **ENV))
        stack.enter_context(celery_worker_popen(server_logs / "fd-worker.log", **ENV))
        api = api_for(api_side, SCOPES)
        asyncio.run(drop_with_a_queue(api, station_side))
    assert_nothing_lost({})


async def drop_with_a_queue(api: Api, address: str) -> None:
    never = lambda action, payload: None  # noqa: E731
    station = RawStation(address, "CP-FD", PROTOCOL, policy=never)
    await station.__aenter__()
    dropped = asyncio.create_task(asyncio.to_thread(raw_request, api, "CP-FD", sync=True))
    await station.wait_for_calls(1)
    behind = asyncio.create_task(
        asyncio.to_thread(raw_request, api, "CP-FD", sync=True, action="ClearCache", payload={})
    )
    response = await asyncio.to_thread(
        raw_request, api, "CP-FD", sync=False, request_id="queued-async"
    )
    assert response.status_code == 200, response.text

    async def both_queued() -> bool:
        return await OcppCall.objects.filter(state=CallState.QUEUED).acount() == 2

    assert await wait_for(both_queued)
    await station.close()
    answers = [await dropped, await behind]
    assert [a.status_code for a in answers] == [502, 502], [a.text for a in answers]
    codes = [a.json()["error"]["code"] for a in answers]
    assert codes == ["station_disconnected", "station_not_connected"]
    queued = await final_call("CP-FD", "queued-async")
    assert queued.state == CallState.FAILED and queued.failure_reason == "station_not_connected"

    # An answer sent just before the socket closes still counts.
    async with reconnected(address, "CP-FD", answer_delay=0) as last_words:
        call = asyncio.create_task(
            asyncio.to_thread(raw_request, api, "CP-FD", sync=True, action="ClearCache", payload={})
        )
        await last_words.wait_for_calls(1)
        await asyncio.sleep(0.2)  # the answer is on the wire
    response = await call
    assert response.status_code == 200, response.text
    async with reconnected(address, "CP-FD") as station:
        await commanded_again(api, station)


# --- e. the database briefly unreachable -----------------------------------------------------


def database_address() -> tuple[str, int]:
    url = urlsplit(server_database_url())
    return url.hostname or "127.0.0.1", url.port or 5432


def through(proxy: TcpProxy) -> str:
    url = urlsplit(server_database_url())
    auth = url.netloc.rsplit("@", 1)[0] + "@" if "@" in url.netloc else ""
    return url._replace(netloc=f"{auth}127.0.0.1:{proxy.port}").geturl()


def test_a_database_outage_loses_no_acknowledged_frame(make_station, server_logs: Path) -> None:
    make_station("CP-FE-1")
    make_station("CP-FE-2")
    with ExitStack() as stack:
        proxy = stack.enter_context(tcp_proxy(*database_address()))
        env = {**ENV, "DATABASE_URL": through(proxy)}
        a, a_process = stack.enter_context(daphne_popen(server_logs / "fe-a.log", **env))
        b, b_process = stack.enter_context(daphne_popen(server_logs / "fe-b.log", **env))
        stack.enter_context(celery_worker_popen(server_logs / "fe-worker.log", **env))
        api = api_for(b, SCOPES)
        # The outage is everyone's: a daphne of the session still reaching the database
        # would take these two for dead while they are cut off, and sweep them.
        outage_for_all = partial(other_daphnes_paused, a_process, b_process)
        traffic = asyncio.run(cut_the_database(api, a, b, proxy, outage_for_all))
    assert_nothing_lost({identity: t.acknowledged for identity, t in traffic.items()})


async def cut_the_database(
    api: Api,
    a: str,
    b: str,
    proxy: TcpProxy,
    outage_for_all: Callable[[], AbstractContextManager[None]],
) -> dict[str, Traffic]:
    traffic = {"CP-FE-1": Traffic(), "CP-FE-2": Traffic()}
    stations = [
        RawStation(a, "CP-FE-1", PROTOCOL, answer_delay=1.0),
        RawStation(b, "CP-FE-2", PROTOCOL, answer_delay=1.0),
    ]
    for station in stations:
        await station.__aenter__()
    stop = asyncio.Event()
    beating = [asyncio.create_task(send_heartbeats(s, traffic[s.identity], stop)) for s in stations]
    await asyncio.sleep(0.5)
    in_flight = asyncio.create_task(asyncio.to_thread(raw_request, api, "CP-FE-1", sync=True))
    await stations[0].wait_for_calls(1)
    with outage_for_all():
        await asyncio.to_thread(proxy.cut)
        await asyncio.sleep(4)
        await asyncio.to_thread(proxy.restore)
        acknowledged_before = {identity: len(t.acknowledged) for identity, t in traffic.items()}

        async def recovered() -> bool:  # each station's frames are acknowledged again
            return all(len(t.acknowledged) > acknowledged_before[i] for i, t in traffic.items())

        # Without a restart; how fast depends on the connection pool's reconnection backoff.
        assert await wait_for(recovered, 45), "frames were not acknowledged again after the outage"
    stop.set()
    await asyncio.gather(*beating)
    answer = await in_flight
    call = await final_call("CP-FE-1", stations[0].calls[0].message_id)
    # The answer came while nothing could be stored: the call ends, but cannot be answered.
    assert call.state in {CallState.ANSWERED, CallState.TIMED_OUT}, call.failure_reason
    assert answer.status_code in {200, 504}, answer.text
    for identity, seen in traffic.items():
        assert seen.refused, f"{identity}: no frame fell into the outage"
        assert seen.acknowledged[-1] > seen.refused[-1] or seen.acknowledged, identity
    # The outage was not mistaken for dead server processes: the stations stayed connected.
    for station in stations:
        assert await is_online(station.identity)
        connection = await ChargerConnection.objects.filter(
            asset__identity=station.identity
        ).afirst()
        assert connection is not None and connection.closed_at is None, connection.close_reason
        try:
            await commanded_again(api, station)
        finally:
            await station.close()
    return traffic
