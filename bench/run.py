"""The CSMS benchmark suite: the production shape (daphne, Celery worker, PostgreSQL, Redis)
measured side by side with a floor (bench/floor.py: one asyncio process, no database) in the
same run. Prints one progress line per phase and server, then the table of figures.

Phases: held (stations connected and heartbeating, server memory per station), churn
(stations connecting, heartbeating once and leaving, round after round: the memory a closed
connection leaves behind), messages
(charger-initiated messages answered and persisted per second), latency (sync raw-request p50 /
p99 at 20 clients, 1,000 stations connected), paced (the same requests offered at fixed rates
below saturation: the path's latency without the queue of saturated cores), async (async raw
requests answered per second through Celery), delivery (calls already queued, one per station,
delivered through Celery and answered per second: the async phase without its HTTP requests;
the CSMS only). The databases you give are migrated; stations BENCH-* are created in them.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 REDIS_URL=redis://127.0.0.1:6379/8 \\
      .venv/bin/python bench/run.py [--only held,churn,messages,latency,paced,async,delivery] \\
      [--stations 10000]
"""

import argparse
import asyncio
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
# As docker-compose.yml runs it; daphne and the worker inherit these.
PRODUCTION_ENV = {"DJANGO_DEBUG": "false", "DATABASE_POOL_SIZE": "20"}
for name, value in PRODUCTION_ENV.items():
    os.environ.setdefault(name, value)
# Production mode refuses to start without these (csms/settings_security.py); a bench is local.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

import httpx  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from assets.models import Asset  # noqa: E402
from assets.services import station_upsert  # noqa: E402
from bench import phases  # noqa: E402
from bench.churn import churn  # noqa: E402
from bench.cpu import cpu_meter  # noqa: E402
from bench.stations import PASSWORD  # noqa: E402
from ocpp_bridge.calls.create import CALL_ASSET_FIELDS, ocpp_call_create  # noqa: E402
from ocpp_bridge.models import ChargerConnection, OcppCall, OcppFrame  # noqa: E402
from tests.api_clients import api_for  # noqa: E402
from tests.servers import (  # noqa: E402
    celery_worker_popen,
    child_env,
    free_port,
    stop,
    wait_for_port,
)

PHASES = ("held", "churn", "messages", "latency", "paced", "async", "delivery")
COMMAND_PHASES = ("latency", "paced", "async", "delivery")


def prepare(count: int) -> None:
    print("==> migrating, registering stations", flush=True)
    call_command("migrate", verbosity=0)
    existing = set(
        Asset.objects.filter(identity__startswith="BENCH-").values_list("identity", flat=True)
    )
    # Calls left "sent" by an earlier run's killed daphne would block their stations' queues
    # until the beat's sweep (not run here) times them out.
    OcppCall.objects.filter(asset__identity__startswith="BENCH-").delete()
    for identity in phases.identities(count):
        if identity not in existing:
            station_upsert(identity=identity, password=PASSWORD, protocol="ocpp1.6")


def csms_settle(server_instance: str, timeout: float = 300) -> None:
    """Wait until daphne has recorded every connection it held as closed, or until their count
    stops falling for 5 s (a disconnect that failed leaves its row open: reported)."""
    held = ChargerConnection.objects.filter(server_instance=server_instance, closed_at=None)
    deadline = time.monotonic() + timeout
    last, still_since = -1, time.monotonic()
    while (count := held.count()) and time.monotonic() < deadline:
        if count != last:
            last, still_since = count, time.monotonic()
        elif time.monotonic() - still_since > 5:
            break
        time.sleep(0.5)
    if count:
        print(f"    [csms] {count} connections not recorded as closed", flush=True)
    time.sleep(1)


@contextmanager
def daphne_popen(log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """daphne as docker-compose.yml runs it (pings every 20 s), on a free port."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "--ping-interval", "20", "--ping-timeout", "10", "--websocket_timeout", "-1",
             "--application-close-timeout", "60",
             "csms.asgi:application"],
            cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(port, process)
            yield f"127.0.0.1:{port}", process
        finally:
            stop(process)


@contextmanager
def floor_process(log_path: Path) -> Iterator[tuple[str, str, int]]:
    """Run bench/floor.py; yields (ws address, http address, pid)."""
    ws_port, http_port = free_port(), free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "floor.py"),
             "--ws-port", str(ws_port), "--http-port", str(http_port)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            if process.stdout.readline().strip() != b"ready":
                raise RuntimeError(f"floor did not start, see {log_path}")
            yield f"127.0.0.1:{ws_port}", f"127.0.0.1:{http_port}", process.pid
        finally:
            process.terminate()
            process.wait(timeout=10)


def floor_stat(http_address: str, key: str) -> int:
    return int(httpx.get(f"http://{http_address}/stats").json()[key])


def floor_settle(http_address: str) -> None:
    deadline = time.monotonic() + 60
    while floor_stat(http_address, "stations") and time.monotonic() < deadline:
        time.sleep(0.2)


def targets(
    stack: ExitStack, logs: Path, web_processes: int, worker_pool: str
) -> tuple[phases.Target, phases.Target]:
    daphnes = [
        stack.enter_context(daphne_popen(logs / f"daphne-{n}.log"))
        for n in range(1, web_processes + 1)
    ]
    addresses = [address for address, _ in daphnes]
    pids = [process.pid for _, process in daphnes]
    names = ["daphne"] if web_processes == 1 else [f"daphne-{n}" for n in range(1, len(pids) + 1)]
    worker = stack.enter_context(celery_worker_popen(logs / "worker.log", pool=worker_pool))
    api = api_for(addresses[0], "write:ocpp.raw_request")
    csms = phases.Target(
        name="csms",
        ws_addresses=addresses,
        raw_request_urls=[f"http://{address}/ocpp/v2/raw-request" for address in addresses],
        headers=api.headers(),
        pids=pids,
        frames_stored=OcppFrame.objects.count,
        async_answered=OcppCall.objects.filter(state="answered").count,
        settle=lambda: [csms_settle(f"{socket.gethostname()}:{pid}") for pid in pids],
        call_breakdown=call_breakdown,
        cpu=cpu_meter({**dict(zip(names, pids, strict=True)), "worker": worker.pid}),
        queue_calls=queue_calls,
    )
    ws_address, http_address, pid = stack.enter_context(floor_process(logs / "floor.log"))
    floor = phases.Target(
        name="floor",
        ws_addresses=[ws_address],
        raw_request_urls=[f"http://{http_address}/raw-request"],
        headers={},
        pids=[pid],
        async_answered=lambda: floor_stat(http_address, "answered"),
        settle=lambda: floor_settle(http_address),
        cpu=cpu_meter({"floor": pid}),
    )
    print(f"==> daphne pids {pids} on {addresses}, worker, floor pid {pid} (logs in {logs})")
    return csms, floor


async def measure(target: phases.Target, args: argparse.Namespace, which: set[str]) -> None:
    if "held" in which:
        await phases.held(target, args.stations)
    if "churn" in which:
        await churn(target, args.churn_stations, args.churn_rounds, args.churn_idle_seconds)
    if "messages" in which:
        await phases.messages(target, args.message_stations, args.message_seconds)
    if which & set(COMMAND_PHASES):
        rates = tuple(float(rate) for rate in args.paced_rates.split(","))
        await phases.commands(target, args.command_stations, args.clients, args.requests,
                              args.calls, which, rates, args.paced_seconds)  # fmt: skip


def queue_calls(identities: list[str], committed: Callable[[], None]) -> None:
    """A Reset for each station, queued as the API queues one (ocpp_call_create), all in one
    transaction: their delivery is requested when it commits, right after `committed`."""
    assets = Asset.objects.filter(identity__in=identities).only(*CALL_ASSET_FIELDS)
    with transaction.atomic():
        transaction.on_commit(committed)  # first: on_commit callbacks run in order
        for asset in assets:
            ocpp_call_create(asset=asset, action="Reset", payload={"type": "Soft"}, source="bench")


def call_breakdown(is_async: bool) -> str:
    """Medians over the calls of the phase, from the rows: created → sent to the station's
    socket (queue, delivery) → answer stored."""
    calls = OcppCall.objects.filter(is_async=is_async, completed_at__isnull=False).values_list(
        "created_at", "sent_at", "completed_at"
    )
    queued = [(sent - created).total_seconds() for created, sent, _ in calls if sent]
    answered = [(done - sent).total_seconds() for _, sent, done in calls if sent]
    if not queued:
        return "no call recorded"
    return (
        f"as recorded: created → sent p50 {statistics.median(queued) * 1000:.1f} ms, "
        f"sent → answer stored p50 {statistics.median(answered) * 1000:.1f} ms "
        f"({len(queued)} calls)"
    )


def row(metric: str, csms: float | None, floor: float | None, target: str, met: str) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    return f"| {metric} | {cell(csms)} | {cell(floor)} | {target} | {met} |"


def table(csms: dict[str, Any], floor: dict[str, Any], args: argparse.Namespace) -> None:
    def yes(ok: bool) -> str:
        return "yes" if ok else "**no**"

    lines = ["| metric | CSMS | floor | target | met? |", "|---|---|---|---|---|"]
    if args.skip_csms:
        csms = {key: float("nan") for key in floor if key != "paced"}
        csms["held_stations"] = floor.get("held_stations", 0)
    if "held_kib" in csms:
        n = int(csms["held_stations"])
        met = yes(csms["held_kib"] <= 64) + ("" if n >= 10_000 else f" (at {n:,})")
        lines.append(row(f"KiB per station, {n:,} held", csms["held_kib"], floor.get("held_kib"),
                         "≤ 64 at 10,000", met))  # fmt: skip
        lines.append(row(f"seconds to connect {n:,}", csms["held_connect_s"],
                         floor.get("held_connect_s"), "", ""))  # fmt: skip
    if "churn_kept_kib" in csms:
        lines.append(row(f"KiB kept per closed connection, churn of {args.churn_stations:,}",
                         csms["churn_kept_kib"], floor.get("churn_kept_kib"), "", ""))  # fmt: skip
    if "messages_per_s" in csms:
        lines.append(row("charger messages/s persisted", csms["messages_per_s"],
                         floor.get("messages_per_s"), "≥ 1,000",
                         yes(csms["messages_per_s"] >= 1000)))  # fmt: skip
    if "sync_p50_ms" in csms:
        lines.append(row("sync raw-request p50 ms", csms["sync_p50_ms"], floor.get("sync_p50_ms"),
                         "≤ 3x floor",
                         yes(csms["sync_p50_ms"] <= 3 * floor.get("sync_p50_ms", 0))))  # fmt: skip
        lines.append(row("sync raw-request p99 ms", csms["sync_p99_ms"], floor.get("sync_p99_ms"),
                         "< 50", yes(csms["sync_p99_ms"] < 50)))  # fmt: skip
    floor_paced = {rate: (p50, p99) for rate, p50, p99 in floor.get("paced", [])}
    for rate, p50, p99 in csms.get("paced", []):
        floor_p50, floor_p99 = floor_paced.get(rate, (None, None))
        lines.append(row(f"sync p50 ms, offered {rate:g}/s", p50, floor_p50, "", ""))
        lines.append(row(f"sync p99 ms, offered {rate:g}/s", p99, floor_p99, "", ""))
    if "async_per_s" in csms:
        lines.append(row("async raw-requests answered/s", csms["async_per_s"],
                         floor.get("async_per_s"), "≥ 500",
                         yes(csms["async_per_s"] >= 500)))  # fmt: skip
    if "delivered_per_s" in csms:
        lines.append(row("queued calls delivered through Celery/s", csms["delivered_per_s"],
                         None, "", ""))  # fmt: skip
    print("\n" + "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PHASES), help="comma-separated phases")
    parser.add_argument("--stations", type=int, default=2000, help="held phase")
    parser.add_argument("--churn-stations", type=int, default=2000, help="churn, per round")
    parser.add_argument("--churn-rounds", type=int, default=6)
    parser.add_argument(
        "--churn-idle-seconds", type=float, default=12,
        help="churn: the wait after each round, past a beat of the server (10 s)",
    )  # fmt: skip
    parser.add_argument("--message-stations", type=int, default=200)
    parser.add_argument("--message-seconds", type=float, default=20)
    parser.add_argument("--command-stations", type=int, default=1000, help="latency, async")
    parser.add_argument("--clients", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument("--requests", type=int, default=400, help="sync raw requests")
    parser.add_argument("--calls", type=int, default=1000, help="async raw requests")
    parser.add_argument(
        "--paced-rates",
        default="10,25,50",
        help="paced phase: sync requests offered per second, comma-separated",
    )
    parser.add_argument("--paced-seconds", type=float, default=10, help="paced phase, per rate")
    parser.add_argument(
        "--web-processes", type=int, default=1,
        help="daphne processes side by side (docker compose --scale web=N); stations and "
        "HTTP clients are spread over them",
    )  # fmt: skip
    parser.add_argument(
        "--worker-pool", choices=("threads", "prefork"), default="threads",
        help="the Celery worker: one process with 4 threads, or 4 prefork processes (as "
        "docker-compose.yml runs it); its CPU counts its children",
    )  # fmt: skip
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--skip-csms", action="store_true", help="measure the floor alone")
    args = parser.parse_args()
    which = set(args.only.split(","))
    if unknown := which - set(PHASES):
        sys.exit(f"unknown phases {unknown}; choose from {PHASES}")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this measures the production shape.")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # daphne and floor inherit it
    prepare(max(args.stations if "held" in which else 0,
                args.churn_stations if "churn" in which else 0, args.message_stations,
                args.command_stations))  # fmt: skip
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    with ExitStack() as stack:
        csms, floor = targets(stack, logs, args.web_processes, args.worker_pool)
        commands = set(COMMAND_PHASES) & which  # run together, on one set of stations
        first_command = next((phase for phase in PHASES if phase in commands), None)
        for phase in PHASES:
            if phase not in which or (phase in commands and phase != first_command):
                continue
            group = commands if phase in commands else {phase}
            print(f"==> {' + '.join(sorted(group))}", flush=True)
            if not args.skip_csms:
                asyncio.run(measure(csms, args, group))
            if not args.skip_floor:
                asyncio.run(measure(floor, args, group))
    daphnes = "daphne" if args.web_processes == 1 else f"{args.web_processes} daphne processes"
    print(f"\n{os.cpu_count()} cores shared by {daphnes}, a Celery worker (4 threads), PostgreSQL,")
    print(f"Redis, the floor and this client; {PRODUCTION_ENV}")
    table(csms.figures, floor.figures, args)


if __name__ == "__main__":
    main()
