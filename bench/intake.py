"""What one API request for a station call costs the CSMS in its own process, without the
network or daphne: POST /ocpp/v2/raw-request with `async: true` through Django's request
handler (middleware, OAuth2, DRF, the call's INSERT and commit, its delivery request), timed on
this thread (wall and CPU). `--profile` prints where the CPU went (cProfile, by own time and by
cumulative time).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 REDIS_URL=redis://127.0.0.1:6379/8 \\
      .venv/bin/python bench/intake.py [--requests 2000] [--stations 200] [--profile]

The stations are "connected" by their connection rows only: a call is queued and its delivery
requested as for a real one, and nobody answers; each round's calls are deleted before the
next round, so every call is the first of its station's queue, as in the async phase.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
# Production mode refuses to start without these (csms/settings_security.py); a bench is local.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_POOL_SIZE", "20")

import django

django.setup()

from django.test import Client  # noqa: E402

from api.services import api_client_create  # noqa: E402
from assets.services import station_upsert  # noqa: E402
from bench.stations import PASSWORD  # noqa: E402
from ocpp_bridge.charger.connections import connection_end, connection_open  # noqa: E402
from ocpp_bridge.models import OcppCall  # noqa: E402

URL = "/ocpp/v2/raw-request"


def connect(count: int, prefix: str = "BENCH-I") -> list[tuple[str, int]]:
    """(asset id, connection id) of `count` stations <prefix>-n, recorded as connected. Runs
    side by side (bench/instructions.py) each take a prefix of their own: a round deletes
    its stations' calls."""
    opened = []
    for n in range(count):
        asset, _ = station_upsert(identity=f"{prefix}-{n}", password=PASSWORD, protocol="ocpp1.6")
        connection, _ = connection_open(
            asset_id=asset.pk,
            protocol="ocpp1.6",
            channel_name=f"bench.{prefix.lower()}.{n}",
            remote_addr="",
        )
        opened.append((str(asset.pk), connection.pk))
    return opened


def bearer(client: Client) -> str:
    api_client, secret = api_client_create(
        name="bench intake", scopes=["write:ocpp.raw_request"], network_names=[]
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": api_client.client_id,
        "client_secret": secret,
    }
    response = client.post("/oauth/token", data=form)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def run_round(client: Client, token: str, asset_ids: list[str]) -> tuple[float, float]:
    """One async Reset per station: (wall seconds, CPU seconds) of the requests alone."""
    wall = cpu = 0.0
    for asset_id in asset_ids:
        body = json.dumps({"assetId": asset_id, "action": "Reset", "async": True,
                           "payload": {"type": "Soft"}})  # fmt: skip
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = client.post(
            URL, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        wall += time.perf_counter() - started
        cpu += time.thread_time() - cpu_started
        assert response.status_code == 200, response.content
    OcppCall.objects.filter(asset_id__in=asset_ids).delete()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--prefix", default="BENCH-I", help="of the stations' identities")
    args = parser.parse_args()
    stations = connect(args.stations, args.prefix)
    asset_ids = [asset_id for asset_id, _ in stations]
    OcppCall.objects.filter(asset_id__in=asset_ids).delete()
    client = Client()
    token = bearer(client)
    run_round(client, token, asset_ids)  # warm-up: imports, caches, pooled connections
    rounds = max(1, args.requests // len(asset_ids))
    # CPU time of this thread: waits for PostgreSQL and Redis are not the request's CPU.
    profiler = cProfile.Profile(time.thread_time) if args.profile else None
    wall = cpu = 0.0
    for number in range(rounds):
        if profiler:
            profiler.enable()
        round_wall, round_cpu = run_round(client, token, asset_ids)
        if profiler:
            profiler.disable()
        wall, cpu = wall + round_wall, cpu + round_cpu
        print(f"    round {number + 1}/{rounds}: {round_cpu / len(asset_ids) * 1000:.2f} ms CPU "
              "per request", flush=True)  # fmt: skip
    count = rounds * len(asset_ids)
    print(f"{count} async raw-requests: {wall / count * 1000:.2f} ms wall, "
          f"{cpu / count * 1000:.2f} ms CPU per request (this thread)")  # fmt: skip
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(60)
    for asset_id, connection_id in stations:
        connection_end(connection_id=connection_id, asset_id=asset_id, code=1000)


if __name__ == "__main__":
    main()
