"""Each panel's load at the scrape: its capacity, and what its last re-balance gave and to how
many sessions (the latest snapshot, as the panel page charts it)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assets.models import AssetGroup
from networks.services import network_get_or_create
from observability.exposition import metrics_text
from smart_charging.models import PanelSnapshot
from smart_charging.services import panel_create

pytestmark = pytest.mark.django_db


def panel_samples() -> dict[tuple[str, str], float]:
    return {
        (sample.name, sample.labels["name"]): sample.value
        for family in text_string_to_metric_families(metrics_text().decode())
        if family.name.startswith("csms_panel_")
        for sample in family.samples
    }


def test_each_panel_shows_its_capacity_and_its_last_rebalance() -> None:
    site = AssetGroup.objects.create(name="Depot", network=network_get_or_create(name="n"))
    main = panel_create(asset_group=site, name="Main", capacity=63)
    panel_create(asset_group=site, name="Annex", capacity=22080, capacity_unit="W")
    PanelSnapshot.objects.create(panel=main, capacity_amps=63, allocated_amps=40.5, sessions=3)
    PanelSnapshot.objects.create(panel=main, capacity_amps=63, allocated_amps=52.0, sessions=4)

    assert panel_samples() == {
        ("csms_panel_capacity_amps", "Main"): 63.0,
        ("csms_panel_capacity_amps", "Annex"): 32.0,  # 22,080 W over 3 phases at 230 V
        ("csms_panel_allocated_amps", "Main"): 52.0,  # the latest re-balance only
        ("csms_panel_sessions", "Main"): 4.0,
    }  # Annex never re-balanced: no figure rather than a made-up 0

