"""The web UI shows panels (capacity, sessions' shares, a chart of re-balances) and a
station's charging limits."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetGroup
from charging.models import ChargingSession
from smart_charging.services import panel_create, panel_rebalance, panel_station_attach

pytestmark = pytest.mark.django_db


def test_a_panel_page_shows_its_capacity_sessions_and_chart(admin_client, make_station) -> None:
    station = make_station("CP-UI")
    site = AssetGroup.objects.create(network=station.network, name="Depot")
    panel = panel_create(asset_group=site, name="Main board", capacity=63)
    panel_station_attach(panel=panel, asset=station, fallback_amps=6)
    ChargingSession.objects.create(
        asset=station, transaction_id="41", evse_id=1, started_at=timezone.now()
    )
    panel_rebalance(panel_id=panel.pk)
    panel_rebalance(panel_id=panel.pk)  # two points make a line

    listed = admin_client.get(reverse("ui:panels"))
    page = admin_client.get(reverse("ui:panel", args=[panel.pk]))
    station_page = admin_client.get(reverse("ui:station", args=[station.pk]))

    assert listed.status_code == 200 and b"Main board" in listed.content
    assert page.status_code == 200
    assert b"63.0 A" in page.content and b"<polyline" in page.content and b"CP-UI" in page.content
    assert b"its fallback" in page.content  # offline: nothing sent, it holds its TxDefault
    assert b"Charging limits" in station_page.content
    assert b"Tx Default" in station_page.content and b"6.0 A" in station_page.content
