"""What a panel re-balance costs the CSMS, in this process, without the stations: from the
request to every station's new limit queued as its call (the plan read from the database, the
sharing, each SetChargingProfile validated and stored). The stations' round trip is not in it
(a raise is not waited for; a lowering waits for its station's answer, one call time).

  DATABASE_URL=postgres://postgres@127.0.0.1:5432/csms_bench2 CELERY_TASK_ALWAYS_EAGER=false \\
      .venv/bin/python bench/rebalance.py [--stations 200] [--panels 1000 --per-panel 4]

(no REDIS_URL: the delivery requests go to Celery's in-memory broker, so what is timed is the
re-balance, not a delivery.)

Each station is "connected" by its connection row (bench/intake.py) with one session charging;
every station starts at its fallback (0 A), so the re-balance raises every one of them.
"""

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from assets.models import Asset, AssetGroup  # noqa: E402
from bench.intake import connect  # noqa: E402
from charging.models import ChargingSession  # noqa: E402
from ocpp_bridge.models import OcppCall  # noqa: E402
from smart_charging.models import ChargingLimit, Panel, PanelStation  # noqa: E402
from smart_charging.services import panel_rebalance  # noqa: E402

TRANSACTION_IDS = itertools.count(10_000)  # 1.6 transaction ids are integers


def build(panels: int, per_panel: int, prefix: str) -> list[Panel]:
    stations = connect(panels * per_panel, prefix=prefix)
    network_id = Asset.objects.get(pk=stations[0][0]).network_id
    site = AssetGroup.objects.create(network_id=network_id, name=f"{prefix} site")
    built = []
    for p in range(panels):
        panel = Panel.objects.create(
            asset_group=site, name=f"{prefix}-{p}", capacity=per_panel * 16
        )
        for asset_id, _ in stations[p * per_panel : (p + 1) * per_panel]:
            PanelStation.objects.create(panel=panel, asset_id=asset_id)
            ChargingSession.objects.create(
                asset_id=asset_id, transaction_id=str(next(TRANSACTION_IDS)), evse_id=1,
                started_at=timezone.now(),
            )  # fmt: skip
        built.append(panel)
    return built


def clean(prefix: str) -> None:
    assets = Asset.objects.filter(identity__startswith=f"{prefix}-")
    OcppCall.objects.filter(asset__in=assets).delete()
    ChargingLimit.objects.filter(asset__in=assets).delete()
    ChargingSession.objects.filter(asset__in=assets).delete()
    Panel.objects.filter(name__startswith=f"{prefix}-").delete()
    AssetGroup.objects.filter(name=f"{prefix} site").delete()


def run(panels: int, per_panel: int, prefix: str) -> None:
    clean(prefix)
    built = build(panels, per_panel, prefix)
    started = time.perf_counter()
    for panel in built:
        panel_rebalance(panel_id=panel.pk)
    elapsed = time.perf_counter() - started
    queued = OcppCall.objects.filter(asset__identity__startswith=f"{prefix}-").count()
    print(f"{panels} panel(s) x {per_panel} stations: {elapsed * 1000:.0f} ms to queue "
          f"{queued} limits ({elapsed / panels * 1000:.1f} ms a panel)")  # fmt: skip
    clean(prefix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--panels", type=int, default=1000)
    parser.add_argument("--per-panel", type=int, default=4)
    args = parser.parse_args()
    run(1, args.stations, "BENCH-RB1")
    run(args.panels, args.per_panel, "BENCH-RBN")


if __name__ == "__main__":
    main()
