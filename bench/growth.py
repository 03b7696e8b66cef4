"""Data that grows: fills the frame log, calls, sessions and meter samples to given sizes
(COPY, realistic rows), and after each size times the pages and endpoints that must stay fast
and the retention job, then prints one table (docs/PERFORMANCE.md, "Growth").

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_growth \\
      .venv/bin/python bench/growth.py --frames 1000000,10000000 --sessions 1000000

Needs PostgreSQL and a database of its own (it is migrated, then filled; drop it afterwards:
10 M frames take some 8 GB). Sizes are cumulative targets; calls, sessions and meter samples
grow with the frames (`--sessions` at the largest size). Each page is fetched in process
(Django's test client, a real OAuth token for the API), once to warm up, then the median of
`--repeat`.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.test import Client  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from api.services import api_client_create  # noqa: E402
from assets.models import Asset  # noqa: E402
from charging.models import ChargingSession, MeterSample  # noqa: E402
from networks.models import Network  # noqa: E402
from ocpp_bridge.frame_partitions import (  # noqa: E402
    frame_partitions,
    frame_partitions_create_ahead,
    frames_partitioned,
)
from ocpp_bridge.models import OcppCall, OcppFrame  # noqa: E402
from retention.jobs import retention_run  # noqa: E402

DAYS = 10  # the frames spread over this many days before now (day partitions)
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(DAYS - 1)
ACTIONS = [  # (action, request payload, answer payload, share)
    ("Heartbeat", {}, {"currentTime": "2026-12-06T10:00:00Z"}, 6),
    (
        "MeterValues",
        {
            "connectorId": 1,
            "transactionId": 7,
            "meterValue": [
                {
                    "timestamp": "2026-12-06T10:00:00Z",
                    "sampledValue": [
                        {
                            "value": "12345.6",
                            "measurand": "Energy.Active.Import.Register",
                            "unit": "Wh",
                        },
                        {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        },
        {},
        3,
    ),
    (
        "StatusNotification",
        {
            "connectorId": 1,
            "errorCode": "NoError",
            "status": "Charging",
            "timestamp": "2026-12-06T10:00:00Z",
        },
        {},
        1,
    ),
]
WEIGHTED = [entry for entry in ACTIONS for _ in range(entry[3])]


def copy_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (values of `columns`, in order) into the model's table."""
    count = 0
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-9)
    print(f"  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)


def batched_copy(model, columns, make_row, start: int, total: int, label: str) -> None:
    """Rows `start`..`total` of `make_row(n)`, COPYed in chunks with progress."""
    chunk, started = 200_000, time.monotonic()
    for first in range(start, total, chunk):
        last = min(first + chunk, total)
        copy_rows(model, columns, (make_row(n) for n in range(first, last)))
        progress(label, last, total, started)


def ensure_stations(count: int) -> list[Asset]:
    network, _ = Network.objects.get_or_create(name="growth")
    have = Asset.objects.count()
    Asset.objects.bulk_create(
        Asset(
            identity=f"GR-{n:05d}",
            name=f"GR-{n:05d}",
            password_hash="!",
            network=network,
            protocol="ocpp1.6",
        )
        for n in range(have, count)
    )
    return list(Asset.objects.order_by("identity"))


def ensure_day_partitions() -> None:
    """The frames' days as day partitions (a fresh database has one partition for everything
    before its migration: dropped while empty)."""
    for partition in frame_partitions():
        if (
            partition.start is None
            and not OcppFrame.objects.filter(created_at__lt=partition.end).exists()
        ):
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {partition.name}")
    frame_partitions_create_ahead(today=START.date(), days_ahead=DAYS + 3)


def fill(stations: list[Asset], *, frames: int, sessions: int, samples: int, calls: int) -> None:
    span = (datetime.now(UTC) - START).total_seconds()
    ids = [station.pk for station in stations]

    def at(n: int, total: int) -> datetime:  # spread evenly over the days, in order
        return START + timedelta(seconds=span * n / total)

    def frame(n: int) -> tuple[Any, ...]:
        action, request, answer, _ = WEIGHTED[n // 2 % len(WEIGHTED)]
        incoming = n % 2 == 0
        return (
            at(n, frames),
            "in" if incoming else "out",
            2 if incoming else 3,
            f"g{n // 2}",
            action,
            Jsonb(request if incoming else answer),
            "",
            ids[n // 2 % len(ids)],
        )

    frame_columns = [
        "created_at",
        "direction",
        "message_type",
        "message_id",
        "action",
        "payload",
        "raw",
        "asset_id",
    ]
    batched_copy(OcppFrame, frame_columns, frame, OcppFrame.objects.count(), frames, "frames")

    def call(n: int) -> tuple[Any, ...]:
        when = at(n, calls)
        return (
            uuid.uuid4(),
            ids[n % len(ids)],
            "ocpp1.6",
            f"c{n}",
            "Reset",
            Jsonb({"type": "Soft"}),
            "answered",
            True,
            "api",
            30.0,
            Jsonb({"status": "Accepted"}),
            "",
            "",
            "",
            "",
            when,
            when,
            when,
        )

    call_columns = [
        "id",
        "asset_id",
        "protocol",
        "message_id",
        "action",
        "payload",
        "state",
        "is_async",
        "source",
        "timeout_seconds",
        "response_payload",
        "error_code",
        "error_description",
        "failure_reason",
        "reply_channel",
        "created_at",
        "sent_at",
        "completed_at",
    ]
    batched_copy(OcppCall, call_columns, call, OcppCall.objects.count(), calls, "calls")

    def session(n: int) -> tuple[Any, ...]:
        started = at(n, sessions)
        return (
            started,
            started,
            ids[n % len(ids)],
            f"T{n}",
            "ABC123",
            "completed",
            "",
            started,
            started + timedelta(hours=1),
            0,
            20000,
            20000,
            False,
            "Local",
            False,
            Jsonb([]),
            "",
            Jsonb([]),
            "Accepted",
        )

    session_columns = [
        "created_at",
        "updated_at",
        "asset_id",
        "transaction_id",
        "id_token",
        "status",
        "charging_state",
        "started_at",
        "stopped_at",
        "meter_start_wh",
        "meter_stop_wh",
        "energy_wh",
        "meter_anomaly",
        "stop_reason",
        "station_stopped",
        "charging_states",
        "currency",
        "seen_seq_nos",
        "start_status",
    ]
    had = ChargingSession.objects.count()
    batched_copy(ChargingSession, session_columns, session, had, sessions, "sessions")
    first_session = ChargingSession.objects.order_by("id").values_list("id", flat=True).first()

    def sample(n: int) -> tuple[Any, ...]:
        return (
            ids[n % len(ids)],
            first_session + n % sessions,
            1,
            at(n, samples),
            "Energy.Active.Import.Register",
            n % 100000,
            "Wh",
            "",
            "Sample.Periodic",
            "Outlet",
        )

    sample_columns = [
        "asset_id",
        "session_id",
        "evse_id",
        "sampled_at",
        "measurand",
        "value",
        "unit",
        "phase",
        "context",
        "location",
    ]
    had = MeterSample.objects.count()
    batched_copy(MeterSample, sample_columns, sample, had, samples, "meter samples")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def clients() -> tuple[Client, APIClient]:
    admin = get_user_model().objects.filter(username="growth").first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("growth", password="growth-bench-pw")
    browser = Client()
    browser.force_login(admin)
    app, secret = api_client_create(
        name=f"growth-{uuid.uuid4().hex[:6]}",
        scopes=["read:session", "read:asset", "write:ocpp"],
        network_names=[],
    )
    api = APIClient()
    token = api.post(
        "/oauth/token",
        {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret},
    ).json()["access_token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return browser, api


def pages(stations: list[Asset], frames: int) -> dict[str, Callable[[], Any]]:
    browser, api = clients()
    station = stations[len(stations) // 2]
    message_id = f"g{frames // 4}"
    admin = "/admin/ocpp_bridge/"
    return {
        "admin frames": lambda: browser.get(f"{admin}ocppframe/"),
        "admin frames, last 24 h": lambda: browser.get(f"{admin}ocppframe/", {"time": "24h"}),
        "admin frames, page 50": lambda: browser.get(f"{admin}ocppframe/", {"p": "50"}),
        "admin frames, search station": lambda: browser.get(
            f"{admin}ocppframe/", {"q": station.identity}
        ),
        "admin frames, search action": lambda: browser.get(
            f"{admin}ocppframe/", {"q": "StatusNotification"}
        ),
        "admin frames, search message id": lambda: browser.get(
            f"{admin}ocppframe/", {"q": message_id}
        ),
        "admin calls": lambda: browser.get(f"{admin}ocppcall/"),
        "admin calls, search station": lambda: browser.get(
            f"{admin}ocppcall/", {"q": station.identity}
        ),
        "station page (conversation, sessions)": lambda: browser.get(f"/stations/{station.pk}/"),
        "GET /sessions": lambda: api.get("/sessions"),
        "GET /sessions?status=completed": lambda: api.get("/sessions", {"status": "completed"}),
        "GET /ocpp/v2/requests/{id}": lambda: api.get("/ocpp/v2/requests/c42"),
        "GET /asset-management/v1/assets": lambda: api.get("/asset-management/v1/assets"),
    }


def timed(fetch: Callable[[], Any], repeat: int) -> float:
    answer = fetch()
    assert answer.status_code == 200, (answer.status_code, answer.content[:300])
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def retention_timed() -> dict[str, float]:
    """The retention run as beat would run it the day the oldest frame day expires: that
    day's partition dropped, the other kinds pruned in their bounded batches."""
    oldest = min(p.start for p in frame_partitions() if p.start is not None)
    from django.conf import settings

    now = oldest + timedelta(days=settings.FRAME_RETENTION_DAYS + 1, hours=1)
    started = time.perf_counter()
    report = retention_run(now=now)
    total = (time.perf_counter() - started) * 1000
    print(f"  retention run: {report}", file=sys.stderr)
    return {"retention run (drops the oldest frame day)": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", default="1000000,10000000")
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--stations", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prune", action="store_true", help="time the retention run at the end")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/growth.py needs a PostgreSQL DATABASE_URL")
    call_command("migrate", verbosity=0)
    assert frames_partitioned()
    ensure_day_partitions()
    stations = ensure_stations(args.stations)
    sizes = [int(size) for size in args.frames.split(",")]
    table: dict[str, dict[int, float]] = {}
    for size in sizes:
        share = size / sizes[-1]
        started = time.monotonic()
        fill(
            stations,
            frames=size,
            sessions=int(args.sessions * share),
            samples=size // 2,
            calls=size // 20,
        )
        print(f"filled to {size:,} frames in {time.monotonic() - started:.0f} s", file=sys.stderr)
        for name, fetch in pages(stations, size).items():
            table.setdefault(name, {})[size] = timed(fetch, args.repeat)
            print(f"  {name}: {table[name][size]:.1f} ms", file=sys.stderr, flush=True)
    if args.prune:
        for name, ms in retention_timed().items():
            table.setdefault(name, {})[sizes[-1]] = ms
    header = "| page or job | " + " | ".join(f"{size:,} frames" for size in sizes) + " |"
    print(header)
    print("|---|" + "---:|" * len(sizes))
    for name, by_size in table.items():
        cells = [f"{by_size[size]:.1f} ms" if size in by_size else "" for size in sizes]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    random.seed(1)
    main()
