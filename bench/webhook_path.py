"""How much webhooks cost the charger path: stations send Heartbeats as fast as they are
answered, with no webhook endpoint, with one endpoint whose receiver answers at once, and with
one whose receiver hangs. Prints answered messages per second and answer latency.

Runs the production shape on the databases you give it (they are migrated; stations BENCH-*
and all webhook endpoints in it are replaced):

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench REDIS_URL=redis://127.0.0.1:6379/7 \\
      .venv/bin/python bench/webhook_path.py --stations 10 --messages 200
"""

import argparse
import asyncio
import base64
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
# Its receivers listen on http://127.0.0.1, which webhooks may reach only when allowed; the
# servers it starts inherit this.
os.environ.setdefault("WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
os.environ.setdefault("WEBHOOK_ALLOW_HTTP", "true")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from assets.models import Asset  # noqa: E402
from assets.services import station_upsert  # noqa: E402
from bench.phases import percentiles  # noqa: E402
from tests.servers import celery_worker_process, daphne_process  # noqa: E402
from tests.webhooks.receiver import Receiver, running_receiver  # noqa: E402
from webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402
from webhooks.services import endpoint_create  # noqa: E402

PASSWORD = "bench-station-password"


async def station_run(address: str, identity: str, count: int) -> list[float]:
    token = base64.b64encode(f"{identity}:{PASSWORD}".encode()).decode()
    latencies = []
    async with connect(
        f"ws://{address}/ocpp/{identity}",
        subprotocols=["ocpp1.6"],
        additional_headers={"Authorization": f"Basic {token}"},
    ) as ws:
        for n in range(count):
            started = time.perf_counter()
            await ws.send(json.dumps([2, str(n), "Heartbeat", {}]))
            answer = json.loads(await ws.recv())
            assert answer[0] == 3, answer
            latencies.append(time.perf_counter() - started)
    return latencies


async def load(address: str, stations: int, messages: int) -> tuple[float, list[float]]:
    started = time.perf_counter()
    runs = await asyncio.gather(
        *(station_run(address, f"BENCH-{i}", messages) for i in range(stations))
    )
    return time.perf_counter() - started, [lat for run in runs for lat in run]


def scenario(name: str, address: str, args: argparse.Namespace) -> dict[str, object]:
    asyncio.run(load(address, args.stations, 5))  # warm up connections and caches
    before = WebhookDelivery.objects.count()
    started = time.perf_counter()
    elapsed, latencies = asyncio.run(load(address, args.stations, args.messages))
    p50, p99 = percentiles(latencies)
    return {
        "scenario": name,
        "msg/s": len(latencies) / elapsed,
        "p50 ms": p50,
        "p99 ms": p99,
        "deliveries": WebhookDelivery.objects.count() - before,
        "started": started,
    }


def drained_per_second(row: dict[str, object], timeout: float = 300) -> float | None:
    """Deliveries of the scenario per second from its start until none is pending."""
    deadline = time.perf_counter() + timeout
    while WebhookDelivery.objects.filter(state="pending").exists():
        if time.perf_counter() > deadline:
            return None
        time.sleep(0.2)
    return int(row["deliveries"]) / (time.perf_counter() - float(row["started"]))


def prepare(stations: int) -> None:
    print("==> migrating", flush=True)
    call_command("migrate", verbosity=0)
    Asset.objects.filter(identity__startswith="BENCH-").delete()
    WebhookEndpoint.objects.all().delete()
    for i in range(stations):
        station_upsert(identity=f"BENCH-{i}", password=PASSWORD, protocol="ocpp1.6")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--messages", type=int, default=200, help="Heartbeats per station")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this measures the production shape.")
    prepare(args.stations)
    logs = Path(tempfile.mkdtemp(prefix="bench-"))
    rows = []
    with ExitStack() as stack:
        receiver: Receiver = stack.enter_context(running_receiver())
        address = stack.enter_context(daphne_process(logs / "daphne.log"))
        stack.enter_context(celery_worker_process(logs / "worker.log"))
        print(f"==> daphne on {address}, worker and receiver up (logs in {logs})", flush=True)
        rows.append(scenario("no webhook endpoint", address, args))
        endpoint_create(url=receiver.url, event_types=["ocpp.message", "asset.connectivity"])
        rows.append(scenario("endpoint, receiver answers", address, args))
        drained = drained_per_second(rows[-1])
        receiver.release.clear()
        rows.append(scenario("endpoint, receiver hangs", address, args))
        receiver.release.set()
    print(f"\n{args.stations} stations x {args.messages} Heartbeats, one daphne, PostgreSQL")
    print(f"{'scenario':30} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'deliveries':>11}")
    for row in rows:
        print(
            f"{row['scenario']:30} {row['msg/s']:8.0f} {row['p50 ms']:8.1f} "
            f"{row['p99 ms']:8.1f} {row['deliveries']:11}"
        )
    rate = f"{drained:.0f} deliveries/s" if drained else "not drained within 300 s"
    print(f"\nworker (4 threads): all deliveries of 'receiver answers' sent at {rate}")


if __name__ == "__main__":
    main()
