"""Soak: thousands of stations held for a long run against the production shape (daphne as
docker-compose runs it, a Celery worker, PostgreSQL, Redis), watching for what grows.

Every station boots, then heartbeats every --heartbeat seconds and sends a StatusNotification and
a MeterValues every --trickle seconds (spread over time, not in bursts); a station whose
connection drops reconnects and boots again (counted). Every --every seconds one line:

  t        minutes since the stations were all connected
  rss      daphne's resident memory (MiB), and the worker's
  fds      daphne's open file descriptors
  online   assets recorded online in the database / connection rows still open
  redis    Redis used_memory (MiB; the whole instance, which other users may share) / keys in
           this run's Redis database
  pg       PostgreSQL connections to this run's database / database size (MiB: the frame log
           grows by design)
  ok/err   station calls answered / failed (CALLERROR, timeout, closed) since the last line
  drops    station connections lost since the start
  p50/p99  the answers' latency since the last line, as the stations see it

At the end a summary: first and last sample, and the least-squares slope per hour of each
figure, over the whole run and over its second half (without the warm-up). Flat memory and
connections mean slopes near 0 once the stations are connected.

  createdb -h 127.0.0.1 -U postgres csms_soak
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_soak REDIS_URL=redis://127.0.0.1:6379/13 \\
      .venv/bin/python bench/soak.py --stations 2000 --minutes 10
"""

import argparse
import asyncio
import importlib
import os
import random
import resource
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench.run sets the production environment (DEBUG off, as docker-compose runs it), which the
# servers inherit, and sets Django up.
bench_run = importlib.import_module("bench.run")

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from assets.models import Asset  # noqa: E402
from bench.phases import identities, rss_kib  # noqa: E402
from bench.stations import Station, now, open_all  # noqa: E402
from ocpp_bridge.models import ChargerConnection  # noqa: E402
from tests.servers import celery_worker_process  # noqa: E402

BOOT = {"chargePointVendor": "Soak", "chargePointModel": "S1"}


@dataclass
class Tally:
    ok: int = 0
    errors: int = 0
    drops: int = 0
    last_error: str = ""
    latencies: list[float] = field(default_factory=list)  # seconds, since the last sample


@dataclass
class Sample:
    minutes: float
    figures: dict[str, float] = field(default_factory=dict)


async def keep(station: Station, args: argparse.Namespace, tally: Tally, stop: float) -> None:
    """Heartbeat and trickle until `stop`; reconnect (and boot again) when the connection drops."""
    next_beat = time.monotonic() + random.uniform(0, args.heartbeat)
    next_trickle = time.monotonic() + random.uniform(0, args.trickle)
    while time.monotonic() < stop:
        try:
            await asyncio.sleep(max(0.0, min(next_beat, next_trickle, stop) - time.monotonic()))
            if time.monotonic() >= stop:
                return
            if time.monotonic() >= next_beat:
                next_beat += args.heartbeat
                await timed_call(station, tally, "Heartbeat", {})
            if time.monotonic() >= next_trickle:
                next_trickle += args.trickle
                await trickle(station, tally)
        except Exception as error:  # CALLERROR, timeout, or the connection is gone
            tally.errors += 1
            tally.last_error = f"{station.identity}: {error!r}"[:200]
            if station.ws is not None and station.ws.close_code is not None:
                tally.drops += 1
                await reconnect(station, tally)


async def timed_call(station: Station, tally: Tally, action: str, payload: dict[str, Any]) -> None:
    started = time.perf_counter()
    await station.call(action, payload)
    tally.latencies.append(time.perf_counter() - started)
    tally.ok += 1  # after the await: `tally.ok += await ...` would lose other tasks' counts


async def trickle(station: Station, tally: Tally) -> None:
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": now()}
    await timed_call(station, tally, "StatusNotification", status)
    sample = {"value": str(random.randint(0, 10**6)), "measurand": "Energy.Active.Import.Register"}
    meter = {"connectorId": 1, "meterValue": [{"timestamp": now(), "sampledValue": [sample]}]}
    await timed_call(station, tally, "MeterValues", meter)


async def reconnect(station: Station, tally: Tally) -> None:
    await station.close()
    while True:
        await asyncio.sleep(random.uniform(1, 10))  # no thundering herd after a server hiccup
        try:
            await station.open()
            await station.call("BootNotification", BOOT)
            return
        except Exception as error:
            tally.last_error = f"{station.identity} reconnecting: {error!r}"[:200]


def server_figures(
    daphne_pid: int, worker_pid: int | None, client: redis.Redis
) -> dict[str, float]:
    """One sample of the servers (blocking: run in a thread)."""
    online = Asset.objects.filter(identity__startswith="BENCH-", is_online=True).count()
    open_rows = ChargerConnection.objects.filter(closed_at=None).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), pg_database_size(current_database()) FROM pg_stat_activity "
            "WHERE datname = current_database()"
        )
        pg_connections, db_bytes = cursor.fetchone()
    connection.close()  # not counted among the servers' own connections next time
    return {
        "rss_mib": rss_kib([daphne_pid]) / 1024,
        "worker_mib": rss_kib([worker_pid]) / 1024 if worker_pid else 0.0,
        "fds": len(os.listdir(f"/proc/{daphne_pid}/fd")),
        "online": online,
        "open_rows": open_rows,
        "redis_mib": int(client.info("memory")["used_memory"]) / 2**20,
        "redis_keys": client.dbsize(),
        "pg_conns": pg_connections - 1,  # without this sampler's own
        "db_mib": db_bytes / 2**20,
    }


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if values else 0.0


def line(sample: Sample, tally: Tally, since: Tally) -> str:
    f = sample.figures
    return (
        f"t={sample.minutes:6.1f} rss={f['rss_mib']:6.1f} worker={f['worker_mib']:6.1f} "
        f"fds={f['fds']:5.0f} online={f['online']:5.0f}/{f['open_rows']:5.0f} "
        f"redis={f['redis_mib']:6.1f}/{f['redis_keys']:5.0f} pg={f['pg_conns']:3.0f}/"
        f"{f['db_mib']:6.1f} ok={tally.ok - since.ok:6d} err={tally.errors - since.errors:4d} "
        f"drops={tally.drops} p50={f['p50_ms']:.0f} p99={f['p99_ms']:.0f} ms"
    )


def slope_per_hour(samples: list[Sample], key: str) -> float:
    """Least-squares slope of `key` against time, per hour."""
    xs = [sample.minutes / 60 for sample in samples]
    ys = [sample.figures[key] for sample in samples]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def summary(samples: list[Sample], tally: Tally, args: argparse.Namespace) -> None:
    first, last = samples[0], samples[-1]
    print(
        f"\n{args.stations:,} stations for {last.minutes:.1f} min ({len(samples)} samples), "
        f"heartbeat {args.heartbeat:g} s, status + meter values every {args.trickle:g} s; "
        f"{tally.ok:,} calls answered, {tally.errors:,} failed, {tally.drops} drops"
    )
    if tally.last_error:
        print(f"last error: {tally.last_error}")
    # The second half leaves out warm-up (pools filling, caches, first allocations).
    later = [sample for sample in samples if sample.minutes >= last.minutes / 2]
    print(
        "\n| figure | first | last | min | max | slope per hour | slope, second half |\n"
        "|---|---|---|---|---|---|---|"
    )
    for key in first.figures:
        # Latencies start with the second sample: the first is taken before any call.
        measured = samples[1:] if key.endswith("_ms") and len(samples) > 1 else samples
        values = [sample.figures[key] for sample in measured]
        print(
            f"| {key} | {measured[0].figures[key]:,.1f} | {last.figures[key]:,.1f} | "
            f"{min(values):,.1f} | {max(values):,.1f} | {slope_per_hour(measured, key):+,.1f} | "
            f"{slope_per_hour(later, key):+,.1f} |"
        )


async def soak(
    address: str, sample: Callable[[], dict[str, float]], args: argparse.Namespace
) -> None:
    print(f"==> connecting {args.stations:,} stations", flush=True)
    started = time.monotonic()
    stations = await open_all([address], identities(args.stations))
    gate = asyncio.Semaphore(200)

    async def boot(station: Station) -> None:
        async with gate:
            await station.call("BootNotification", BOOT)

    await asyncio.gather(*(boot(station) for station in stations))
    print(f"    connected and booted in {time.monotonic() - started:.1f} s", flush=True)
    tally, samples = Tally(), []
    begin = time.monotonic()
    stop = begin + args.minutes * 60
    keepers = [asyncio.create_task(keep(s, args, tally, stop)) for s in stations]
    since = Tally()
    while True:
        figures = await asyncio.to_thread(sample)
        figures["p50_ms"] = percentile_ms(tally.latencies, 0.5)
        figures["p99_ms"] = percentile_ms(tally.latencies, 0.99)
        tally.latencies = []
        samples.append(Sample((time.monotonic() - begin) / 60, figures))
        print(line(samples[-1], tally, since), flush=True)
        since = Tally(tally.ok, tally.errors, tally.drops)
        if time.monotonic() >= stop:
            break
        await asyncio.sleep(min(args.every, max(0.0, stop - time.monotonic())))
    await asyncio.gather(*keepers)
    summary(samples, tally, args)
    print("==> disconnecting", flush=True)
    await asyncio.gather(*(station.close() for station in stations))


def worker_pid(logs: Path) -> int | None:
    """The Celery worker's pid, from its first log lines (tests.servers does not hand it out)."""
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"celery" in cmdline and b"worker" in cmdline:
                    environ = Path(f"/proc/{pid}/environ").read_bytes()
                    if f"SOAK_LOGS={logs}".encode() in environ:
                        return int(pid)
            except OSError:
                continue
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--every", type=float, default=30, help="seconds between samples")
    parser.add_argument("--heartbeat", type=float, default=60, help="seconds per station")
    parser.add_argument("--trickle", type=float, default=300, help="status + meter, seconds")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this soaks the production shape.")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # daphne inherits it
    bench_run.prepare(args.stations)
    logs = Path(tempfile.mkdtemp(prefix="soak-"))
    os.environ["SOAK_LOGS"] = str(logs)  # lets worker_pid find this run's worker
    client = redis.Redis.from_url(settings.REDIS_URL)
    with ExitStack() as stack:
        address, daphne = stack.enter_context(bench_run.daphne_popen(logs / "daphne.log"))
        stack.enter_context(celery_worker_process(logs / "worker.log"))
        worker = worker_pid(logs)
        print(f"==> daphne pid {daphne.pid} on {address}, worker pid {worker}, logs in {logs}")
        asyncio.run(soak(address, lambda: server_figures(daphne.pid, worker, client), args))
        bench_run.csms_settle(f"{socket.gethostname()}:{daphne.pid}")


if __name__ == "__main__":
    main()
