"""What one charger message costs the CSMS, without the network: each 1.6 message of a charging
cycle handled in this process by `ocpp_bridge.charger.incoming.process_text` (as daphne's pool
thread
runs it), counting SQL statements (savepoints included; BEGIN / COMMIT are not seen) and
timing it on one thread (wall and the thread's CPU).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 REDIS_URL=redis://127.0.0.1:6379/8 \\
      .venv/bin/python bench/queries.py [--cycles 20]
"""

import argparse
import asyncio
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

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
from django.db import connection  # noqa: E402

from assets.services import station_upsert  # noqa: E402
from bench.stations import PASSWORD, now  # noqa: E402
from ocpp_bridge import station_fanout  # noqa: E402
from ocpp_bridge.charger.connections import connection_end, connection_open  # noqa: E402
from ocpp_bridge.charger.handlers import StationContext  # noqa: E402
from ocpp_bridge.charger.incoming import process_text  # noqa: E402
from ocpp_bridge.protocol.versions import negotiate_subprotocol  # noqa: E402


def cycle(send: "Sender") -> None:
    def status(state: str) -> None:
        send("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": state})

    status("Preparing")
    answer = send(
        "StartTransaction",
        {"connectorId": 1, "idTag": "BENCHTAG", "meterStart": 0, "timestamp": now()},
    )
    status("Charging")
    for n in range(1, 6):
        sample = {"value": str(n * 1000), "measurand": "Energy.Active.Import.Register"}
        send(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": answer["transactionId"],
                "meterValue": [{"timestamp": now(), "sampledValue": [sample]}],
            },
        )
    send("StopTransaction", {"transactionId": answer["transactionId"], "meterStop": 5000,
                             "timestamp": now()})  # fmt: skip
    status("Available")
    send("Heartbeat", {})


class StatementsSeen:
    """Records the SQL of each statement run (an execute wrapper: unlike Django's
    CaptureQueriesContext, it does not render each statement with its parameters, which with
    parameters bound on the server costs psycopg a second cursor per statement)."""

    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.seen.append(sql)
        return execute(sql, params, many, context)


class Sender:
    def __init__(self, station: StationContext) -> None:
        self.station = station
        self.counter = 0
        self.statements: dict[str, list[int]] = defaultdict(list)
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.cpu_seconds: dict[str, list[float]] = defaultdict(list)
        self.last_sql: dict[str, list[str]] = {}

    def __call__(self, action: str, payload: dict[str, object]) -> dict[str, object]:
        self.counter += 1
        text = json.dumps([2, str(self.counter), action, payload])
        statements: list[str] = []
        with connection.execute_wrapper(StatementsSeen(statements)):
            started, cpu_started = time.perf_counter(), time.thread_time()
            reply = process_text(self.station, text, max_bytes=settings.OCPP_MAX_FRAME_BYTES)
            self.seconds[action].append(time.perf_counter() - started)
            self.cpu_seconds[action].append(time.thread_time() - cpu_started)
        self.statements[action].append(len(statements))
        self.last_sql[action] = statements
        assert reply is not None
        frame = json.loads(reply)
        assert frame[0] == 3, frame
        return frame[2]


def start_ui_flusher() -> None:
    """As in daphne: pushes to the web UI are queued, and a task on an event loop (another
    thread) sends them in batches. The loop is announced as the consumer does, through the
    station fan-out the web UI subscribes to."""
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()

    async def start() -> None:
        station_fanout.charger_loop_serving.publish(asyncio.get_running_loop())

    asyncio.run_coroutine_threadsafe(start(), loop).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument(
        "--show-sql", metavar="ACTION", help="print the SQL of the last such message"
    )
    parser.add_argument("--identity", default="BENCH-Q", help="of the station (one per run)")
    args = parser.parse_args()
    start_ui_flusher()
    asset, _ = station_upsert(identity=args.identity, password=PASSWORD, protocol="ocpp1.6")
    version = negotiate_subprotocol(["ocpp1.6"], "ocpp1.6")
    assert version is not None
    opened, _ = connection_open(
        asset_id=asset.pk,
        protocol=version.value,
        channel_name=f"bench.{args.identity.lower()}",
        remote_addr="",
    )
    station = StationContext(
        asset_id=asset.pk,
        identity=asset.identity,
        network_id=asset.network_id,
        version=version,
        connection_id=opened.pk,
        registration_status=asset.registration_status,
    )
    send = Sender(station)
    cycle(send)  # warm-up
    send.statements.clear()
    send.seconds.clear()
    send.cpu_seconds.clear()
    for _ in range(args.cycles):
        cycle(send)
    # CPU: this thread's own time (Python, psycopg, Redis client), whatever else the machine
    # does; wall: with PostgreSQL's and Redis' answers, as daphne's pool thread waits for them.
    print(f"{'action':20} {'SQL statements':>15} {'ms wall':>9} {'ms CPU':>8}")
    total_statements = total_seconds = total_cpu = count = 0.0
    for action, counts in send.statements.items():
        seconds, cpu = send.seconds[action], send.cpu_seconds[action]
        wall_ms, cpu_ms = sum(seconds) / len(seconds) * 1000, sum(cpu) / len(cpu) * 1000
        print(f"{action:20} {sum(counts) / len(counts):15.1f} {wall_ms:9.2f} {cpu_ms:8.2f}")
        total_statements += sum(counts)
        total_seconds += sum(seconds)
        total_cpu += sum(cpu)
        count += len(counts)
    print(f"{'mean per message':20} {total_statements / count:15.1f} "
          f"{total_seconds / count * 1000:9.2f} {total_cpu / count * 1000:8.2f}")  # fmt: skip
    if args.show_sql:
        for sql in send.last_sql.get(args.show_sql, []):
            print(sql[:200])
    connection_end(connection_id=opened.pk, asset_id=asset.pk, code=1000)


if __name__ == "__main__":
    main()
