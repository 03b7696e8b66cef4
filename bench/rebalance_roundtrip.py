"""A re-balance's whole round trip with real stations: from the moment a station starts a
session to the moment every affected station of its panel holds its new limit by its own
record (station_simulator's charging_profiles log, the limit it applies). The production
shape: daphne, the call worker (threads, 4) and the load manager's worker (threads, 16), as
docker-compose.yml runs them, on PostgreSQL and Redis, the stations simulated in this process
(station_simulator, OCPP 1.6).

Two scenarios:
  one panel   --stations 200: a panel of 200 stations each charging (each at its equal share),
              then one more session starts on a 201st station of the panel: the 200 are
              lowered (the CSMS waits for their answers), then the newcomer is raised. Repeated
              --rounds times (the newcomer's session stopped and the panel settled between).
  many panels --panels 1000: panels of 1, 2, 3 and 4 stations in turn, all but one station of
              each charging, then one more session starts on every panel at once.

Each panel's capacity is 16 A per station charging before the timed start and 8 A more, so
that every share changes when the last session starts (and stays between the 6 A minimum and
the stations' 32 A): each affected station holds a new limit. The stations are attached
to their panels once their first sessions run, and one re-balance per panel brings them to
their shares before anything is timed (no re-balance per start while setting up).

  createdb -h 127.0.0.1 -U postgres csms_bench_rt
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench_rt \\
      REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/rebalance_roundtrip.py \\
      [--stations 200 --rounds 5] [--panels 1000] [--only one,many]

Prints progress every few seconds, then p50 / p95 / max of the round trips (docs/PERFORMANCE.md,
"Re-balance round trip").
"""

import argparse
import asyncio
import importlib
import itertools
import logging
import math
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Fewer database connections than production's 20 per process: the bench machine's
# PostgreSQL (max_connections 100) is shared.
os.environ.setdefault("DATABASE_POOL_SIZE", "12")
# bench.run sets the production environment (DEBUG off), which the servers inherit, and sets
# Django up.
bench_run = importlib.import_module("bench.run")

from django.db import transaction  # noqa: E402

from assets.models import Asset, AssetGroup  # noqa: E402
from assets.services import station_upsert  # noqa: E402
from charging.models import ChargingSession, SessionStatus  # noqa: E402
from networks.services import network_get_or_create  # noqa: E402
from ocpp_bridge.models import OcppCall  # noqa: E402
from smart_charging.models import ChargingLimit, Panel, PanelSnapshot, PanelStation  # noqa: E402
from smart_charging.triggers import panel_rebalance_request  # noqa: E402
from station_simulator import StationConfig, create_station  # noqa: E402
from tests.servers import celery_worker_process  # noqa: E402
from tokens.models import IdToken  # noqa: E402

PASSWORD = "bench-roundtrip-password"
AMPS_PER_STATION = 16.0
STATION_MAX_AMPS = 32.0
PROGRESS_SECONDS = 5.0
# How long the stations may take to hold what they should (--timeout).
SETTLE_TIMEOUT = {"seconds": 3600.0}


def share(capacity: float, sessions: int) -> float:
    """The equal share the load manager gives (A per phase, down to 0.1 A), independently."""
    return math.floor(min(STATION_MAX_AMPS, capacity / sessions) * 10 + 1e-6) / 10


@dataclass
class BenchPanel:
    panel: Panel
    identities: list[str]  # the last one starts the timed session

    @property
    def capacity(self) -> float:
        return panel_capacity(len(self.identities))


def panel_capacity(stations: int) -> float:
    """16 A per station charging before the timed start, and half a car more: every share
    changes when the last session starts (16.0 A of 200 becomes 15.9 A of 201; a panel of two
    goes from 24 A for one car to 12 A each)."""
    capacity = AMPS_PER_STATION * (stations - 1) + AMPS_PER_STATION / 2
    if stations > 1:
        assert share(capacity, stations - 1) != share(capacity, stations), stations
    return capacity


# --- Database set-up (synchronous; called through asyncio.to_thread) ----------------------


def clean(prefix: str) -> None:
    assets = Asset.objects.filter(identity__startswith=f"{prefix}-")
    OcppCall.objects.filter(asset__in=assets).delete()
    ChargingLimit.objects.filter(asset__in=assets).delete()
    ChargingSession.objects.filter(asset__in=assets).delete()
    PanelStation.objects.filter(asset__in=assets).delete()
    with transaction.atomic():  # panels locked first: a re-balance still running may not
        panels = Panel.objects.filter(name__startswith=f"{prefix}-")  # snapshot them meanwhile
        list(panels.select_for_update().values_list("pk", flat=True))
        PanelSnapshot.objects.filter(panel__in=panels).delete()
        panels.delete()
    AssetGroup.objects.filter(name=f"{prefix} site").delete()


def build(prefix: str, sizes: list[int]) -> list[BenchPanel]:
    """Stations (registered, not attached yet), their cards and their panels."""
    clean(prefix)
    network = network_get_or_create(name="bench-roundtrip")
    site = AssetGroup.objects.create(network=network, name=f"{prefix} site")
    existing = set(
        Asset.objects.filter(identity__startswith=f"{prefix}-").values_list("identity", flat=True)
    )
    built, numbers = [], itertools.count()
    for p, size in enumerate(sizes):
        identities = [f"{prefix}-{next(numbers):05d}" for _ in range(size)]
        for identity in identities:
            if identity not in existing:
                station_upsert(identity=identity, password=PASSWORD, protocol="ocpp1.6")
        Asset.objects.filter(identity__in=identities).update(network=network, asset_group=site)
        panel = Panel.objects.create(
            asset_group=site, name=f"{prefix}-{p:04d}", capacity=panel_capacity(size)
        )
        built.append(BenchPanel(panel, identities))
    tokens = [f"{prefix}-CARD-{i}" for p in built for i in p.identities]
    have = set(IdToken.objects.filter(id_token__in=tokens).values_list("id_token", flat=True))
    IdToken.objects.bulk_create(IdToken(id_token=t) for t in tokens if t not in have)
    return built


def active_sessions(identities: list[str]) -> int:
    return (
        ChargingSession.objects.filter(asset__identity__in=identities, status=SessionStatus.ACTIVE)
        .exclude(transaction_id="")
        .count()
    )


def attach_and_rebalance(panels: list[BenchPanel]) -> None:
    """Every station onto its panel at once (its fallback 0 A: nothing sent for it), then one
    re-balance per panel, as Celery tasks."""
    assets = dict(
        Asset.objects.filter(identity__in=[i for p in panels for i in p.identities]).values_list(
            "identity", "pk"
        )
    )
    with transaction.atomic():
        PanelStation.objects.bulk_create(
            PanelStation(panel=p.panel, asset_id=assets[i], max_amps=STATION_MAX_AMPS)
            for p in panels
            for i in p.identities
        )
    for p in panels:
        panel_rebalance_request(p.panel.pk)


# --- The stations ---------------------------------------------------------------------------


async def connect_all(address: str, identities: list[str]) -> dict[str, Any]:
    gate = asyncio.Semaphore(100)
    stations: dict[str, Any] = {}
    runners: list[asyncio.Task[Any]] = []  # kept: a task nobody holds may be collected

    async def one(identity: str) -> None:
        config = StationConfig(
            identity=identity, password=PASSWORD, protocol="ocpp1.6",
            url=f"ws://{address}/ocpp", connectors=1, heartbeat_interval=300,
            transaction_duration=0, meter_value_interval=3600, car_max_amps=STATION_MAX_AMPS,
            response_timeout=120,
        )  # fmt: skip
        station = create_station(config)
        async with gate:
            runners.append(asyncio.create_task(station.run()))
            await asyncio.wait_for(station.booted.wait(), 120)
        stations[identity] = station

    started = time.monotonic()
    tasks = [asyncio.create_task(one(identity)) for identity in identities]
    while not all(task.done() for task in tasks):
        await asyncio.sleep(PROGRESS_SECONDS)
        print(f"    {len(stations):,} / {len(identities):,} stations booted", flush=True)
    for task in tasks:
        task.result()
    print(f"    all booted in {time.monotonic() - started:.1f} s", flush=True)
    return stations


def start(stations: dict[str, Any], identity: str, prefix: str) -> None:
    stations[identity].start_transaction(1, f"{prefix}-CARD-{identity}")


def held(station: Any) -> tuple[float | None, float]:
    """The limit the station applies on its connector now, and when it began to (wall time)."""
    for at, connector, limit in reversed(station.profiles.log):
        if connector == 1:
            return limit, at
    return None, 0.0


async def settle(stations: dict[str, Any], expected: dict[str, float], what: str) -> None:
    """Wait until every station holds what it is expected to (progress on the way)."""
    started = time.monotonic()
    last_report = started
    while True:
        holding = sum(held(stations[i])[0] == limit for i, limit in expected.items())
        if holding == len(expected):
            print(f"    {what}: all {holding:,} hold their limits after "
                  f"{time.monotonic() - started:.1f} s", flush=True)  # fmt: skip
            return
        if time.monotonic() - started > SETTLE_TIMEOUT["seconds"]:
            missing = [i for i, limit in expected.items() if held(stations[i])[0] != limit][:5]
            examples = [(i, held(stations[i])[0]) for i in missing]
            raise SystemExit(f"{what}: {len(expected) - holding} stations never took their "
                             f"limits, e.g. {examples}")  # fmt: skip
        if time.monotonic() - last_report >= PROGRESS_SECONDS:
            last_report = time.monotonic()
            print(f"    {what}: {holding:,} / {len(expected):,} stations hold their limits",
                  flush=True)  # fmt: skip
        await asyncio.sleep(0.05)


async def wait_sessions(identities: list[str], count: int, what: str) -> None:
    started = time.monotonic()
    while (running := await asyncio.to_thread(active_sessions, identities)) < count:
        if time.monotonic() - started > SETTLE_TIMEOUT["seconds"]:
            raise SystemExit(f"{what}: only {running} of {count} sessions started")
        print(f"    {what}: {running:,} / {count:,} sessions running", flush=True)
        await asyncio.sleep(PROGRESS_SECONDS)


def steady(panels: Iterable[BenchPanel]) -> dict[str, float]:
    """Each station charging before the timed start holds its share of all but the last."""
    return {
        identity: share(p.capacity, len(p.identities) - 1)
        for p in panels
        for identity in p.identities[:-1]
    }


def after(panels: Iterable[BenchPanel]) -> dict[str, float]:
    return {
        identity: share(p.capacity, len(p.identities)) for p in panels for identity in p.identities
    }


async def timed_starts(
    stations: dict[str, Any], panels: list[BenchPanel], prefix: str
) -> list[float]:
    """Start the last station's session on every panel at once; the seconds until every
    station of each panel held its new limit, per panel (and, printed, until each station
    held its own)."""
    expected = after(panels)
    started_at: dict[str, float] = {}
    for p in panels:
        newcomer = p.identities[-1]
        started_at[p.panel.name] = time.time()
        start(stations, newcomer, prefix)
    await settle(stations, expected, "after the new sessions")
    each = {
        identity: held(stations[identity])[1] - started_at[p.panel.name]
        for p in panels
        for identity in p.identities
    }
    print(f"    each station: {summary(list(each.values()))}", flush=True)
    return [max(each[i] for i in p.identities) for p in panels]


async def scenario(
    address: str, prefix: str, sizes: list[int], rounds: int, label: str
) -> list[float]:
    print(f"==> {label}: {len(sizes):,} panel(s), {sum(sizes):,} stations", flush=True)
    panels = await asyncio.to_thread(build, prefix, sizes)
    identities = [i for p in panels for i in p.identities]
    stations = await connect_all(address, identities)
    charging = [i for p in panels for i in p.identities[:-1]]
    for identity in charging:
        start(stations, identity, prefix)
    await wait_sessions(identities, len(charging), "first sessions")
    await asyncio.to_thread(attach_and_rebalance, panels)
    await settle(stations, steady(panels), "shares before the timed start")
    samples: list[float] = []
    for round_number in range(rounds):
        times = await timed_starts(stations, panels, prefix)
        samples += times
        print(f"    round {round_number + 1}/{rounds}: {summary(times)}", flush=True)
        if round_number + 1 < rounds:
            for p in panels:
                stations[p.identities[-1]].connectors[1].transaction.request_stop("Local")
            await settle(stations, steady(panels), "back to the shares before")
            await wait_sessions_ended(panels)
    print(f"==> {label}: {summary(samples)}", flush=True)
    await asyncio.gather(*(station.stop() for station in stations.values()))
    return samples


async def wait_sessions_ended(panels: list[BenchPanel]) -> None:
    identities = [i for p in panels for i in p.identities]
    charging = sum(len(p.identities) - 1 for p in panels)
    while await asyncio.to_thread(active_sessions, identities) > charging:
        await asyncio.sleep(0.2)


def summary(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return (f"{len(samples):,} round trips: p50 {statistics.median(ordered) * 1000:,.0f} ms, "
            f"p95 {p95 * 1000:,.0f} ms, max {ordered[-1] * 1000:,.0f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--panels", type=int, default=1000)
    parser.add_argument("--only", default="one,many")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds")
    args = parser.parse_args()
    SETTLE_TIMEOUT["seconds"] = args.timeout
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this measures the production shape.")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # daphne inherits it
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from csms.celery import app

    # Re-balances an interrupted run left queued would run against panels deleted since.
    dropped = app.control.purge()
    if dropped:
        print(f"==> {dropped} tasks left queued by an earlier run dropped", flush=True)
    logging.getLogger("station_simulator").setLevel(logging.WARNING)  # a line per frame
    which = set(args.only.split(","))
    logs = Path(tempfile.mkdtemp(prefix="rebalance-roundtrip-"))
    print(f"==> command: {' '.join(sys.argv)}; logs in {logs}", flush=True)
    with ExitStack() as stack:
        address, _daphne = stack.enter_context(bench_run.daphne_popen(logs / "daphne.log"))
        stack.enter_context(celery_worker_process(logs / "worker.log"))
        # As docker-compose runs it: re-balances on a worker of their own (load-manager).
        stack.enter_context(celery_worker_process(
            logs / "load-manager.log", queues="smart_charging", concurrency=16
        ))  # fmt: skip
        if "one" in which:
            asyncio.run(scenario(address, "RRT1", [args.stations + 1], args.rounds,
                                 f"one panel of {args.stations} charging + 1"))  # fmt: skip
        if "many" in which:
            sizes = [1 + n % 4 for n in range(args.panels)]
            label = f"{args.panels:,} panels of 1-4 stations, all at once"
            asyncio.run(scenario(address, "RRTN", sizes, 1, label))


if __name__ == "__main__":
    main()
