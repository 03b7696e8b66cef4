"""Reconcile: a fleet of simulated stations of the three OCPP versions with every quirk of real
stations on (station_simulator.quirks), run for a long time against the production shape, then
held against the simulator's own ledger: for each transaction a station ran exactly one session
with exactly its energy and token, refused ones stored refused, none left active, no card left
locked. The fleet and the checks are those of tests/e2e/test_quirk_fleet.py
(tests/e2e/reconciliation.py), at a size and for a time you choose.

Prints the fleet's progress every --every seconds, then the counts: transactions simulated
(refused among them), sessions matched, mismatches by kind (and the first few of each kind).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_rc REDIS_URL=redis://127.0.0.1:6379/12 \\
      .venv/bin/python bench/reconcile.py --stations 60 --minutes 10 [--address 127.0.0.1:8000]

Without --address it starts daphne and a Celery worker on those databases (as bench/soak.py
does); with it, it uses the servers already running there (on the same databases).
"""

import argparse
import asyncio
import importlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench.run sets the production environment (DEBUG off), which the servers inherit, and sets
# Django up.
bench_run = importlib.import_module("bench.run")

from django.core.management import call_command  # noqa: E402

from assets.services import station_upsert  # noqa: E402
from station_simulator import RunProgress, fleet_ledger  # noqa: E402
from tests.api_clients import api_for  # noqa: E402
from tests.conftest import STATION_PASSWORD  # noqa: E402
from tests.e2e.reconciliation import (  # noqa: E402
    Reconciliation,
    fleet_register,
    fleet_run,
    fleet_settled,
    locked_cards,
    quirk_fleet,
    reconcile,
)
from tests.servers import celery_worker_process  # noqa: E402

SHOWN_PER_KIND = 5


def progress_printer(every: float) -> Callable[[RunProgress], None]:
    last = [0.0]

    def show(progress: RunProgress) -> None:
        if progress.finished or progress.elapsed - last[0] >= every:
            last[0] = progress.elapsed
            print(
                f"t={progress.elapsed:7.1f}s connected {progress.connected}/{progress.total} "
                f"sent {progress.messages_sent} answered {progress.messages_answered} "
                f"errors {progress.errors}",
                flush=True,
            )

    return show


def report(result: Reconciliation, locked: list[str]) -> None:
    print(
        f"\ntransactions simulated {result.simulated} (refused {result.refused}), "
        f"sessions matched {result.matched}, cards locked {len(locked)}"
    )
    kinds = {**result.mismatches, **({"locked": locked} if locked else {})}
    if not any(kinds.values()):
        print("no mismatch: the CSMS's sessions are the stations' transactions")
    for kind, items in sorted(kinds.items()):
        if items:
            print(f"  {kind}: {len(items)}")
            for item in items[:SHOWN_PER_KIND]:
                print(f"      {item}")


def run(address: str, args: argparse.Namespace) -> None:
    prefix = f"RC{int(time.time()) % 100000}"  # this run's stations and cards only
    per_transaction = args.transaction_seconds + 1.0
    fleet = quirk_fleet(
        args.stations, f"ws://{address}/ocpp", STATION_PASSWORD, prefix=prefix,
        transactions=max(1, int(args.minutes * 60 // per_transaction) - 1),
        transaction_duration=args.transaction_seconds, transaction_pause=1.0,
        meter_value_interval=args.meter_seconds, time_acceleration=args.acceleration,
        heartbeat_interval=60.0,
    )  # fmt: skip
    fleet_register(fleet)
    fresh = f"{prefix}-FRESH"
    station_upsert(identity=fresh, password=STATION_PASSWORD, protocol="ocpp1.6")
    api = api_for(address, "write:ocpp")
    print(f"==> {len(fleet.configs)} stations {prefix}-* for {args.minutes:g} min", flush=True)
    reports, problems = asyncio.run(
        fleet_run(fleet, api, args.minutes * 60, progress_printer(args.every))
    )
    for problem in problems:
        print(f"    remote start: {problem}")
    print("==> waiting for the CSMS to settle", flush=True)
    fleet_settled(fleet, timeout=120)
    result = reconcile(fleet_ledger(reports), [c.identity for c in fleet.configs])
    locked = asyncio.run(locked_cards(address, fleet.usable_cards, fresh))
    report(result, locked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--transaction-seconds", type=float, default=20)
    parser.add_argument("--meter-seconds", type=float, default=2, help="between meter values")
    parser.add_argument("--acceleration", type=float, default=10, help="simulated s per s")
    parser.add_argument("--every", type=float, default=10, help="seconds between lines")
    parser.add_argument("--address", help="host:port of running servers (default: start them)")
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this reconciles the production shape.")
    call_command("migrate", verbosity=0)
    # Per-station warnings are counted in the progress lines; the frames are not worth a line.
    logging.getLogger("station_simulator").setLevel(logging.ERROR)
    if args.address:
        run(args.address, args)
        return
    logs = Path(tempfile.mkdtemp(prefix="reconcile-"))
    with ExitStack() as stack:
        address, _daphne = stack.enter_context(bench_run.daphne_popen(logs / "daphne.log"))
        stack.enter_context(celery_worker_process(logs / "worker.log"))
        print(f"==> daphne on {address}, logs in {logs}", flush=True)
        run(address, args)


if __name__ == "__main__":
    main()
