"""What one CSMS-initiated call costs beyond its HTTP request, in this process, without the
network: the claim (`ocpp_call_dispatch_next`: the station locked, its call marked sent, the
frame logged, the call handed to the channel layer), as a delivery task or a synchronous
request runs it, then the station's answer (`process_texts` of its CALLRESULT, alone, as
daphne's pool thread runs it: the call's final state stored, its frame logged, the look for a
next call). Timed on this thread (the CPU of waits for PostgreSQL and Redis is not counted).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 REDIS_URL=redis://127.0.0.1:6379/8 \\
      .venv/bin/python bench/call_path.py [--stations 100] [--rounds 5]

The stations are "connected" by their connection rows only (bench/intake.py); every round
queues one call per station, claims each and answers each.
"""

import argparse
import json
import os
import sys
import time
import uuid
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

from django.conf import settings  # noqa: E402

from assets.models import Asset  # noqa: E402
from bench.intake import connect  # noqa: E402
from ocpp_bridge.calls.delivery import ocpp_call_dispatch_next  # noqa: E402
from ocpp_bridge.charger.connections import connection_end  # noqa: E402
from ocpp_bridge.charger.handlers import StationContext  # noqa: E402
from ocpp_bridge.charger.incoming import process_texts  # noqa: E402
from ocpp_bridge.models import CallState, OcppCall  # noqa: E402
from ocpp_bridge.protocol.versions import OcppVersion  # noqa: E402


def contexts(stations: list[tuple[str, int]]) -> list[StationContext]:
    assets = {str(a.pk): a for a in Asset.objects.filter(pk__in=[s for s, _ in stations])}
    return [
        StationContext(
            asset_id=assets[asset_id].pk,
            identity=assets[asset_id].identity,
            network_id=assets[asset_id].network_id,
            version=OcppVersion.V16,
            connection_id=connection_id,
            registration_status=assets[asset_id].registration_status,
        )
        for asset_id, connection_id in stations
    ]


def queue_one_each(stations: list[StationContext]) -> list[str]:
    """A queued Reset for every station (written directly: its delivery is what is measured)."""
    ids = [str(uuid.uuid4()) for _ in stations]
    OcppCall.objects.bulk_create(
        OcppCall(asset_id=station.asset_id, protocol="ocpp1.6", message_id=message_id,
                 action="Reset", payload={"type": "Soft"}, is_async=False)
        for station, message_id in zip(stations, ids, strict=True)
    )  # fmt: skip
    return ids


def run_round(stations: list[StationContext]) -> tuple[float, float]:
    """(CPU seconds of the claims, of the answers) for one call per station."""
    message_ids = queue_one_each(stations)
    started = time.thread_time()
    for station in stations:
        ocpp_call_dispatch_next(asset_id=station.asset_id, look_first=False)
    claims = time.thread_time() - started
    started = time.thread_time()
    for station, message_id in zip(stations, message_ids, strict=True):
        answer = json.dumps([3, message_id, {"status": "Accepted"}])
        process_texts([(station, answer)], max_bytes=settings.OCPP_MAX_FRAME_BYTES)
    answers = time.thread_time() - started
    answered = OcppCall.objects.filter(message_id__in=message_ids, state=CallState.ANSWERED)
    assert answered.count() == len(stations), "every call claimed and answered"
    return claims, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--prefix", default="BENCH-C", help="of the stations' identities")
    args = parser.parse_args()
    stations = connect(args.stations, args.prefix)
    station_contexts = contexts(stations)
    OcppCall.objects.filter(asset_id__in=[s.asset_id for s in station_contexts]).delete()
    run_round(station_contexts)  # warm-up: imports, built statements, pooled connections
    claims = answers = 0.0
    for number in range(args.rounds):
        round_claims, round_answers = run_round(station_contexts)
        claims, answers = claims + round_claims, answers + round_answers
        print(f"    round {number + 1}/{args.rounds}: claim "
              f"{round_claims / len(stations) * 1000:.2f} ms, answer "
              f"{round_answers / len(stations) * 1000:.2f} ms CPU", flush=True)  # fmt: skip
    count = args.rounds * len(stations)
    print(f"{count} calls: {claims / count * 1000:.2f} ms CPU per claim, "
          f"{answers / count * 1000:.2f} ms CPU per answer (this thread)")  # fmt: skip
    OcppCall.objects.filter(asset_id__in=[s.asset_id for s in station_contexts]).delete()
    for asset_id, connection_id in stations:
        connection_end(connection_id=connection_id, asset_id=asset_id, code=1000)


if __name__ == "__main__":
    main()
