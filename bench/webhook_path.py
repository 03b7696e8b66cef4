"""Webhooks under load, two tenants: stations send Heartbeats as fast as they are answered while
Reset commands go to a station of tenant B, first with tenant B alone ("quiet"), then with
tenant A too, whose receivers hang (until the senders' timeout) or fail ("noisy"). Prints, per
phase: messages per second, errors answered to stations, frames lost (answered but not in the
frame log), deadlocks counted by PostgreSQL, per-tenant delivery latency (event to the end of
its first attempt, p50 / p99) and command latency (p50 / p99).

Runs the production shape (daphne, the Celery worker for commands, webhook sender processes) on
the databases you give it (migrated; stations BENCH-*, networks bench-* and every webhook
endpoint in it are replaced):

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
      .venv/bin/python bench/webhook_path.py --stations 4 --quiet-stations 1 --seconds 10
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
# Its receivers listen on http://127.0.0.1, which webhooks may reach only when allowed; the
# servers it starts inherit this.
os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from assets.models import Asset  # noqa: E402
from assets.services import station_upsert  # noqa: E402
from bench.phases import percentiles  # noqa: E402
from networks.models import Network  # noqa: E402
from networks.services import network_get_or_create  # noqa: E402
from ocpp_bridge.models import Direction, OcppFrame  # noqa: E402
from tests.api_clients import Api, api_for  # noqa: E402
from tests.conftest import STATION_PASSWORD  # noqa: E402
from tests.e2e.raw_station import RawStation  # noqa: E402
from tests.servers import (  # noqa: E402
    celery_worker_process,
    daphne_process,
    webhook_sender_process,
)
from tests.webhooks.receiver import Receiver, running_receiver  # noqa: E402
from webhooks.models import WebhookAttempt, WebhookEndpoint  # noqa: E402
from webhooks.services import endpoint_create  # noqa: E402


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


async def as_fast_as_answered(station: RawStation, until: float) -> list[list[Any]]:
    answers = []
    while time.monotonic() < until:
        answers.append(await station.call("Heartbeat", {}))
    return answers


def commands(api: Api, until: float) -> list[float]:
    """Synchronous Resets to BENCH-B0, one after another: each one's latency."""
    latencies = []
    while time.monotonic() < until:
        started = time.perf_counter()
        answer = api.post(
            "/ocpp/v2/raw-request",
            {"action": "Reset", "assetId": "BENCH-B0", "payload": {"type": "Soft"}, "async": False},
        )
        assert answer.status_code == 200, answer.text
        latencies.append(time.perf_counter() - started)
    return latencies


async def phase(
    name: str, address: str, api: Api, identities: list[str], seconds: float
) -> dict[str, Any]:
    stations = [RawStation(address, identity, "ocpp1.6") for identity in identities]
    for station in stations:
        await station.__aenter__()
    started_at = time.monotonic()
    until = started_at + seconds
    try:
        load = asyncio.gather(*(as_fast_as_answered(s, until) for s in stations))
        command_latencies = await asyncio.to_thread(commands, api, until)
        answers = dict(zip(identities, await load, strict=True))
    finally:
        for station in stations:
            await station.close()
    elapsed = time.monotonic() - started_at
    all_answers = [a for sent in answers.values() for a in sent]
    return {
        "phase": name,
        "answers": answers,
        "msg/s": len(all_answers) / elapsed,
        "errors": sum(1 for a in all_answers if a[0] != 3),
        "command": percentiles(command_latencies),
        "commands": len(command_latencies),
    }


def frames_lost(answers: dict[str, list[list[Any]]]) -> int:
    """Messages answered to a station whose CALL or answer is missing from the frame log."""
    lost = 0
    for identity, sent in answers.items():
        ids = {a[1] for a in sent if a[0] == 3}
        logged = OcppFrame.objects.filter(asset__identity=identity, message_id__in=ids)
        calls = set(logged.filter(direction=Direction.IN).values_list("message_id", flat=True))
        results = set(logged.filter(direction=Direction.OUT).values_list("message_id", flat=True))
        lost += len(ids - calls) + len(ids - results)
    return lost


def delivery_latency(network: Network, since: Any) -> tuple[float, float, int]:
    """p50 / p99 ms from an event to the end of its first attempt, and how many were made."""
    firsts = WebhookAttempt.objects.filter(
        number=1,
        delivery__endpoint__network=network,
        delivery__event_created_at__gte=since,
    ).values_list("attempted_at", "delivery__event_created_at")
    lags = [(attempted - created).total_seconds() for attempted, created in firsts]
    return (*percentiles(lags), len(lags)) if lags else (0.0, 0.0, 0)


def prepare(stations: int) -> tuple[Network, Network]:
    print("==> migrating", flush=True)
    call_command("migrate", verbosity=0)
    Asset.objects.filter(identity__startswith="BENCH-").delete()
    WebhookEndpoint.objects.all().delete()
    noisy, quiet = network_get_or_create(name="bench-a"), network_get_or_create(name="bench-b")
    for n in range(stations):
        for tenant in ("A", "B"):
            station_upsert(
                identity=f"BENCH-{tenant}{n}",
                password=STATION_PASSWORD,
                protocol="ocpp1.6",
                network_name=f"bench-{tenant.lower()}",
            )
    return noisy, quiet


def subscribe(receivers: dict[str, Receiver], noisy: Network, quiet: Network) -> None:
    both = ["ocpp.message", "asset.connectivity"]
    for name, network, types in (
        ("A hangs", noisy, both),
        ("A fails", noisy, ["ocpp.message"]),
        ("B answers", quiet, both),
        ("B slow", quiet, ["asset.connectivity"]),
    ):
        endpoint_create(url=receivers[name].url, event_types=types, network_id=network.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=4, help="of the noisy tenant A")
    parser.add_argument("--quiet-stations", type=int, default=1, help="of tenant B")
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase")
    parser.add_argument("--senders", type=int, default=2, help="webhook sender processes")
    parser.add_argument("--hang-timeout", default="20", help="WEBHOOK_TIMEOUT_SECONDS")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this measures the production shape.")
    noisy, quiet = prepare(max(args.stations, args.quiet_stations))
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {"WEBHOOK_TIMEOUT_SECONDS": args.hang_timeout}
    a_ids = [f"BENCH-A{n}" for n in range(args.stations)]
    b_ids = [f"BENCH-B{n}" for n in range(args.quiet_stations)]
    with ExitStack() as stack:
        names = ("A hangs", "A fails", "B answers", "B slow")
        receivers = {name: stack.enter_context(running_receiver()) for name in names}
        receivers["A hangs"].release.clear()
        receivers["A fails"].status = 500
        receivers["B slow"].delay = 1.0
        address = stack.enter_context(daphne_process(logs / "daphne.log", **env))
        stack.enter_context(celery_worker_process(logs / "worker.log", **env))
        for n in range(args.senders):
            stack.enter_context(webhook_sender_process(logs / f"sender-{n}.log", **env))
        print(f"==> daphne on {address}, worker, {args.senders} senders (logs in {logs})")
        api = api_for(address, "write:ocpp.raw_request")
        subscribe(receivers, noisy, quiet)
        rows = []
        for name, identities in (("quiet: B alone", b_ids), ("noisy: A and B", a_ids + b_ids)):
            since, before = timezone.now(), deadlocks()
            row = asyncio.run(phase(name, address, api, identities, args.seconds))
            time.sleep(3)  # the last deliveries of the phase go out
            row["deadlocks"], row["lost"] = deadlocks() - before, frames_lost(row["answers"])
            row["B delivery"] = delivery_latency(quiet, since)
            row["A delivery"] = delivery_latency(noisy, since)
            rows.append(row)
        receivers["A hangs"].release.set()
    report(rows, args)


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\n{args.stations} stations of tenant A, {args.quiet_stations} of B, "
        f"{args.seconds:.0f} s per phase, "
        f"{args.senders} senders, A's receivers hang {args.hang_timeout} s / fail (500)"
    )
    print(
        f"{'phase':16} {'msg/s':>6} {'errors':>6} {'lost':>5} {'deadlocks':>9} "
        f"{'B first attempt p50/p99 ms (n)':>31} {'A first attempt p50/p99 ms (n)':>31} "
        f"{'Reset p50/p99 ms (n)':>21}"
    )
    for row in rows:
        b, a, command = row["B delivery"], row["A delivery"], row["command"]
        b_text = f"{b[0]:.0f} / {b[1]:.0f} ({b[2]})"
        a_text = f"{a[0]:.0f} / {a[1]:.0f} ({a[2]})"
        command_text = f"{command[0]:.0f} / {command[1]:.0f} ({row['commands']})"
        print(
            f"{row['phase']:16} {row['msg/s']:6.0f} {row['errors']:6} {row['lost']:5} "
            f"{row['deadlocks']:9} {b_text:>31} {a_text:>31} {command_text:>21}"
        )


if __name__ == "__main__":
    main()
