"""What the web UI's fleet pages cost as the fleet grows: a fleet of --stations stations (two
connectors each, at --sites sites) with --changes status changes per connector over the last 30
days and --sessions sessions per station, then each page read --repeat times through Django's
test client (no network, no browser), printing its SQL statements and median time. The
availability per connector and day is rolled up first, as the periodic job does (timed);
--history-only drops it instead, so that the dashboard reads every status change.

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench_ui \\
      .venv/bin/python bench/fleet_pages.py --stations 1000 --changes 60

The fleet is written once per database (its stations are named FLEET-*); run on a database of
its own: the dashboard reads every station.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from assets.availability_days import availability_days_run  # noqa: E402
from assets.models import (  # noqa: E402
    Asset,
    AssetGroup,
    Connector,
    ConnectorAvailabilityDay,
    ConnectorStatusChange,
)
from charging.models import ChargingSession, SessionStatus  # noqa: E402
from networks.services import network_get_or_create  # noqa: E402

STATUSES = ("Available", "Preparing", "Charging", "Finishing", "Available", "Faulted")


def build(stations: int, sites: int, changes: int, sessions: int) -> None:
    if Asset.objects.filter(identity__startswith="FLEET-").exists():
        return
    network = network_get_or_create(name="bench-fleet")
    groups = AssetGroup.objects.bulk_create(
        AssetGroup(
            network=network,
            name=f"Site {n}",
            latitude=Decimal("48.8") + Decimal(n) / 100,
            longitude=Decimal("2.3") + Decimal(n) / 100,
        )
        for n in range(sites)
    )
    assets = Asset.objects.bulk_create(
        Asset(
            network=network,
            identity=f"FLEET-{n:05}",
            asset_group=groups[n % sites],
            is_online=n % 10 != 0,
        )
        for n in range(stations)
    )
    now = timezone.now()
    step = timedelta(days=30) / max(changes, 1)
    for asset in assets:
        Connector.objects.bulk_create(
            Connector(asset=asset, evse_id=evse, status="Available", status_at=now)
            for evse in (1, 2)
        )
        ConnectorStatusChange.objects.bulk_create(
            ConnectorStatusChange(
                asset=asset,
                evse_id=evse,
                connector_id=1,
                status=STATUSES[n % len(STATUSES)],
                at=now - step * (changes - n),
            )
            for evse in (1, 2)
            for n in range(changes)
        )
        ChargingSession.objects.bulk_create(
            ChargingSession(
                asset=asset,
                transaction_id=str(n),
                evse_id=1,
                connector_id=1,
                id_token="TAG",
                status=SessionStatus.COMPLETED,
                started_at=now - timedelta(hours=7 * n + 1),
                stopped_at=now - timedelta(hours=7 * n),
                energy_wh=Decimal(12000),
            )
            for n in range(sessions)
        )


def measure(client: Client, name: str, url: str, repeat: int) -> None:
    client.get(url)  # warm: templates compiled, caches filled
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    median = statistics.median(times) * 1000
    print(f"{name:24} {len(queries):8} {median:10.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--changes", type=int, default=60, help="per connector, in 30 days")
    parser.add_argument("--sessions", type=int, default=20, help="per station")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--history-only",
        action="store_true",
        help="drop the availability rolled up per day first: every status change is read",
    )
    args = parser.parse_args()
    build(args.stations, args.sites, args.changes, args.sessions)
    if args.history_only:
        ConnectorAvailabilityDay.objects.all().delete()
    else:
        started = time.perf_counter()
        rows = availability_days_run()
        took = time.perf_counter() - started
        print(f"availability roll-up: {rows} connector-days in {took:.1f} s")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    site = AssetGroup.objects.filter(network__name="bench-fleet").first()
    session = ChargingSession.objects.filter(asset__identity="FLEET-00001").first()
    assert site is not None and session is not None
    print(f"{Asset.objects.count()} stations, {ConnectorStatusChange.objects.count()} status "
          f"changes, {ChargingSession.objects.count()} sessions")  # fmt: skip
    print(f"{'page':24} {'queries':>8} {'ms median':>10}")
    measure(client, "dashboard", "/", args.repeat)
    measure(client, "dashboard, one site", f"/?site={site.pk}", args.repeat)
    measure(client, "sessions", "/ui/sessions/", args.repeat)
    measure(client, "sessions CSV (all)", "/ui/sessions/export.csv", args.repeat)
    measure(client, "a session", f"/ui/sessions/{session.pk}/", args.repeat)
    measure(client, "a site", f"/ui/sites/{site.pk}/", args.repeat)


if __name__ == "__main__":
    main()
