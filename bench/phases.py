"""The four measurements, each run against one server (the CSMS or the floor).

A `Target` says how to reach a server and what it persists; the phases only speak OCPP over
WebSockets and JSON over HTTP, so the same code measures both.
"""

import asyncio
import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.cpu import per_unit
from bench.http_client import HttpConnection
from bench.stations import Station, charge_for, close_all, open_all


@dataclass
class Target:
    name: str
    # host:port of each server process; stations connect to ws://{address}/ocpp/<identity>,
    # spread over them in turn, as HTTP clients are over the raw-request URLs
    ws_addresses: list[str]
    raw_request_urls: list[str]  # POST endpoint(s) taking the raw-request body
    headers: dict[str, str]
    pids: list[int]  # the server processes whose memory is measured
    frames_stored: Callable[[], int] | None = None  # rows logged so far (None: not persisted)
    async_answered: Callable[[], int] = lambda: 0  # async calls answered so far
    settle: Callable[[], None] = lambda: None  # wait until the server is idle again
    # Where a call's time went, as the server recorded it (None: not recorded).
    call_breakdown: Callable[[bool], str] | None = None
    # CPU seconds so far per process (bench/cpu.py); the default measures nothing.
    cpu: Callable[[], Counter[str]] = Counter
    # Queue one call per station in one transaction, calling back once it committed (None:
    # the server has no queue, as the floor).
    queue_calls: Callable[[list[str], Callable[[], None]], None] | None = None
    figures: dict[str, Any] = field(default_factory=dict)


def rss_kib(pids: list[int]) -> int:
    """The servers' resident memory, all processes together."""
    return sum(_rss_kib(pid) for pid in pids)


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def identities(count: int) -> list[str]:
    return [f"BENCH-{i}" for i in range(count)]


def say(target: Target, text: str) -> None:
    print(f"    [{target.name}] {text}", flush=True)


async def gated(stations: list[Station], action: str, parallel: int = 500) -> float:
    """Every station sends `action` once (at most `parallel` at a time); returns seconds."""
    gate = asyncio.Semaphore(parallel)

    async def one(station: Station) -> None:
        async with gate:
            await station.call(action, {})

    started = time.perf_counter()
    await asyncio.gather(*(one(station) for station in stations))
    return time.perf_counter() - started


async def held(target: Target, count: int) -> None:
    """Connect `count` heartbeating stations; the server's memory per station."""
    warm = await open_all(target.ws_addresses, identities(10))  # imports, pools, caches
    await gated(warm, "Heartbeat")
    await close_all(warm)
    await asyncio.sleep(2)
    await asyncio.to_thread(target.settle)
    before = rss_kib(target.pids)
    started = time.perf_counter()
    stations = await open_all(target.ws_addresses, identities(count))
    connect_s = time.perf_counter() - started
    first = await gated(stations, "Heartbeat")
    second = await gated(stations, "Heartbeat")
    await asyncio.sleep(2)
    gc.collect()
    after = rss_kib(target.pids)
    per_station = (after - before) / count
    say(
        target,
        f"{count} stations connected in {connect_s:.1f} s, Heartbeat rounds {first:.1f} s / "
        f"{second:.1f} s, RSS {before / 1024:.0f} -> {after / 1024:.0f} MiB, "
        f"{per_station:.1f} KiB/station",
    )
    target.figures.update(
        held_stations=count,
        held_kib=per_station,
        held_connect_s=connect_s,
        held_rss_mib=after / 1024,
    )
    await close_all(stations)
    await asyncio.to_thread(target.settle)


async def messages(target: Target, count: int, seconds: float) -> None:
    """`count` stations charging, one message at a time each; messages answered (and frames
    stored) per second."""
    stations = await open_all(target.ws_addresses, identities(count))
    await charge_for(stations, 1)  # warm-up
    frames_before = await asyncio.to_thread(target.frames_stored) if target.frames_stored else 0
    cpu_before = target.cpu()
    sent, elapsed = await charge_for(stations, seconds)
    cpu_after = target.cpu()
    rate = sent / elapsed
    note = ""
    if target.frames_stored:
        stored = await asyncio.to_thread(target.frames_stored) - frames_before
        note = f", {stored} frames stored (in + out: {stored / 2 / elapsed:.0f} messages/s)"
        target.figures["frames_per_message"] = stored / sent
    say(target, f"{count} stations: {sent} messages in {elapsed:.1f} s = {rate:.0f}/s{note}")
    target.figures["messages_per_s"] = rate
    if cpu_after:
        say(target, per_unit(cpu_before, cpu_after, sent, "message"))
    await close_all(stations)
    await asyncio.to_thread(target.settle)


async def post_all(
    target: Target, bodies: list[dict[str, Any]], clients: int, rate: float | None = None
) -> tuple[list[float], list[Any]]:
    """POST every body, `clients` HTTP clients at once (one connection each); returns each
    request's latency and the answers that were not 200.

    Without `rate` each client sends its next request as soon as the last is answered (a
    closed loop: the latency then includes the queue of every saturated core). With `rate`,
    request n is due at n / rate seconds, whichever client is free takes it, and its latency
    counts from when it was due, so a server that falls behind is charged for the wait too."""
    queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
    for n, body in enumerate(bodies):
        queue.put_nowait((n, body))
    latencies: list[float] = []
    failures: list[Any] = []
    begun = time.perf_counter()

    async def client(url: str) -> None:
        http = HttpConnection(url, target.headers)
        try:
            while not queue.empty():
                n, body = queue.get_nowait()
                started = time.perf_counter()
                if rate is not None:
                    started = begun + n / rate
                    await asyncio.sleep(max(0.0, started - time.perf_counter()))
                status, _ = await http.post_json(body)
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    failures.append(status)
        finally:
            await http.close()

    urls = target.raw_request_urls
    await asyncio.gather(*(client(urls[n % len(urls)]) for n in range(clients)))
    return latencies, failures


def reset_bodies(stations: list[Station], count: int, wait: bool) -> list[dict[str, Any]]:
    return [
        {
            "action": "Reset",
            "assetId": stations[n % len(stations)].identity,
            "payload": {"type": "Soft"},
            "async": not wait,
        }
        for n in range(count)
    ]


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000


async def latency(target: Target, stations: list[Station], clients: int, requests: int) -> None:
    """Synchronous raw requests: end-to-end latency at `clients` concurrent HTTP clients."""
    await post_all(target, reset_bodies(stations, clients * 2, wait=True), clients)  # warm-up
    started, cpu_before = time.perf_counter(), target.cpu()
    latencies, failures = await post_all(
        target, reset_bodies(stations, requests, wait=True), clients
    )
    elapsed, cpu_after = time.perf_counter() - started, target.cpu()
    p50, p99 = percentiles(latencies)
    say(
        target,
        f"{requests} sync Resets over {len(stations)} stations, {clients} clients: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {requests / elapsed:.0f} req/s, "
        f"{len(failures)} failed (HTTP {sorted(set(failures))})",
    )
    target.figures.update(sync_p50_ms=p50, sync_p99_ms=p99, sync_rps=requests / elapsed)
    if cpu_after:
        say(target, per_unit(cpu_before, cpu_after, requests, "sync call"))
    if target.call_breakdown:
        say(target, await asyncio.to_thread(target.call_breakdown, False))


async def paced_latency(
    target: Target, stations: list[Station], clients: int, rates: tuple[float, ...], seconds: float
) -> None:
    """Synchronous raw requests offered at fixed rates (`clients` connections, `seconds` per
    rate): the latency a request sees when the cores are not saturated, against the closed
    loop of `latency`, which measures the queue of a saturated machine as much as the path."""
    await post_all(target, reset_bodies(stations, clients * 2, wait=True), clients)  # warm-up
    for rate in rates:
        count = max(1, int(rate * seconds))
        latencies, failures = await post_all(
            target, reset_bodies(stations, count, wait=True), clients, rate=rate
        )
        p50, p99 = percentiles(latencies)
        say(target, f"{count} sync Resets offered at {rate:g}/s over {clients} clients: "
                    f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(failures)} failed")  # fmt: skip
        target.figures.setdefault("paced", []).append((rate, p50, p99))


async def async_calls(
    target: Target, stations: list[Station], clients: int, calls: int, timeout: float = 300
) -> None:
    """Asynchronous raw requests: from the first POST until every call is answered."""
    answered_before = await asyncio.to_thread(target.async_answered)
    started, cpu_before = time.perf_counter(), target.cpu()
    _, failures = await post_all(target, reset_bodies(stations, calls, wait=False), clients)
    enqueued = time.perf_counter() - started
    deadline = started + timeout
    answered = 0
    while time.perf_counter() < deadline:
        answered = await asyncio.to_thread(target.async_answered) - answered_before
        if answered >= calls - len(failures):
            break
        await asyncio.sleep(0.1)
    elapsed, cpu_after = time.perf_counter() - started, target.cpu()
    rate = answered / elapsed
    say(
        target,
        f"{calls} async Resets over {len(stations)} stations: enqueued in {enqueued:.1f} s "
        f"({calls / enqueued:.0f}/s), {answered} answered after {elapsed:.1f} s = "
        f"{rate:.0f}/s, {len(failures)} refused (HTTP {sorted(set(failures))})",
    )
    target.figures.update(async_per_s=rate, async_enqueue_per_s=calls / enqueued)
    if cpu_after and answered:
        say(target, per_unit(cpu_before, cpu_after, answered, "async call"))
    if target.call_breakdown:
        say(target, await asyncio.to_thread(target.call_breakdown, True))


STALLED_SECONDS = 10.0


async def delivery(target: Target, stations: list[Station], timeout: float = 300) -> None:
    """Calls already queued, one per station, delivered through Celery: from the commit that
    queued them all until every one is answered. What the async phase measures, without the
    HTTP requests that queue the calls (one per station: a station's next call would go out
    from the answer path in daphne, not from a Celery task)."""
    if target.queue_calls is None:
        return
    answered_before = await asyncio.to_thread(target.async_answered)
    committed: list[tuple[float, Counter[str]]] = []
    await asyncio.to_thread(
        target.queue_calls,
        [station.identity for station in stations],
        lambda: committed.append((time.perf_counter(), target.cpu())),
    )
    (started, cpu_before), calls = committed[0], len(stations)
    answered, progressed_at = 0, started
    # Stops early when no answer came for STALLED_SECONDS: a call that failed is never answered.
    while time.perf_counter() < min(started + timeout, progressed_at + STALLED_SECONDS):
        now_answered = await asyncio.to_thread(target.async_answered) - answered_before
        if now_answered > answered:
            answered, progressed_at = now_answered, time.perf_counter()
        if answered >= calls:
            break
        await asyncio.sleep(0.05)
    elapsed, cpu_after = progressed_at - started, target.cpu()
    rate = answered / elapsed
    say(target, f"{calls} queued calls, one per station: {answered} delivered through Celery "
                f"and answered after {elapsed:.1f} s = {rate:.0f}/s")  # fmt: skip
    target.figures.update(delivered_per_s=rate)
    if cpu_after and answered:
        say(target, per_unit(cpu_before, cpu_after, answered, "delivered call"))


async def commands(
    target: Target,
    count: int,
    clients: int,
    requests: int,
    calls: int,
    which: set[str],
    paced_rates: tuple[float, ...] = (),
    paced_seconds: float = 10,
) -> None:
    """The latency, async and delivery phases share one set of connected stations."""
    stations = await open_all(target.ws_addresses, identities(count))
    await gated(stations, "Heartbeat")
    if "latency" in which:
        await latency(target, stations, clients, requests)
    if "paced" in which:
        await paced_latency(target, stations, clients, paced_rates, paced_seconds)
    if "async" in which:
        await async_calls(target, stations, clients, calls)
    if "delivery" in which:
        await delivery(target, stations)
    answered = sum(station.calls_answered for station in stations)
    say(target, f"stations answered {answered} CALLs in all")
    await close_all(stations)
    await asyncio.to_thread(target.settle)
