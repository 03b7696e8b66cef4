"""The web UI shows panels (capacity, sessions' shares, a chart of re-balances) and a
station's charging limits, each page for a fixed number of queries whatever the panel's size."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset, AssetGroup
from charging.models import ChargingSession
from ocpp_bridge.models import CallState, OcppCall
from smart_charging.models import ChargingLimit, LimitSource, Panel, Purpose
from smart_charging.services import panel_create, panel_rebalance, panel_station_attach

pytestmark = pytest.mark.django_db

# What each page costs (the session and user included), whatever the number of stations,
# sessions, snapshots and limits.
PANEL_PAGE_QUERIES = 8
STATION_PAGE_QUERIES = 7


def panel_of(make_station: Callable[..., Asset], stations: int, name: str = "Main board") -> Panel:
    """A panel with `stations` offline stations, each with a session and a fallback limit."""
    first = make_station(f"{name}-0")
    site = AssetGroup.objects.create(network=first.network, name=f"{name} site")
    panel = panel_create(asset_group=site, name=name, capacity=63)
    for number in range(stations):
        asset = first if number == 0 else make_station(f"{name}-{number}")
        panel_station_attach(panel=panel, asset=asset, fallback_amps=6)
        ChargingSession.objects.create(
            asset=asset, transaction_id=str(40 + number), evse_id=1, started_at=timezone.now()
        )
    return panel


def chart_data(content: bytes) -> dict[str, Any]:
    html = content.decode()
    start = html.index('id="panel-chart-data"')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


def test_a_panel_page_shows_its_capacity_sessions_and_chart(admin_client, make_station) -> None:
    panel = panel_of(make_station, 1)
    station = Asset.objects.get(identity="Main board-0")
    panel_rebalance(panel_id=panel.pk)
    panel_rebalance(panel_id=panel.pk)  # two points make a line

    listed = admin_client.get(reverse("ui:panels"))
    page = admin_client.get(reverse("ui:panel", args=[panel.pk]))
    station_page = admin_client.get(reverse("ui:station", args=[station.pk]))

    assert listed.status_code == 200 and b"Main board" in listed.content
    assert page.status_code == 200
    assert b"63.0 A" in page.content and b"Main board-0" in page.content
    assert b"its fallback" in page.content  # offline: nothing sent, it holds its TxDefault
    chart = chart_data(page.content)["given"]
    assert len(chart["x"]) == 2 and chart["series"][1]["values"] == [63.0, 63.0]
    assert b"Charging limits" in station_page.content
    assert b"Tx Default" in station_page.content and b"6.0 A" in station_page.content
    assert b'data-status="pending"' in station_page.content  # offline: not sent yet


def test_the_panel_pages_live_part_is_served_alone(admin_client, make_station) -> None:
    panel = panel_of(make_station, 2)
    panel_rebalance(panel_id=panel.pk)

    part = admin_client.get(reverse("ui:panel", args=[panel.pk]), {"fragment": "live"})

    html = part.content.decode()
    assert "<html" not in html and 'data-figure="held-total"' in html
    assert html.count("<tr data-asset-id=") == 2
    assert len(chart_data(part.content)["given"]["x"]) == 1


def test_the_station_pages_limits_are_served_alone_with_their_status(
    admin_client, make_station
) -> None:
    station = make_station("CP-LIMITS", protocol="ocpp1.6")
    for evse_id, status in ((1, "Accepted"), (2, "Rejected")):
        call = OcppCall.objects.create(
            asset=station, protocol="ocpp1.6", message_id=f"m-{evse_id}",
            action="SetChargingProfile", payload={}, state=CallState.ANSWERED,
            response_payload={"status": status},
        )  # fmt: skip
        ChargingLimit.objects.create(
            asset=station, evse_id=evse_id, purpose=Purpose.TX_DEFAULT, limit_amps=10,
            source=LimitSource.OPERATOR, call=call,
        )  # fmt: skip

    part = admin_client.get(reverse("ui:station", args=[station.pk]), {"fragment": "limits"})

    html = part.content.decode()
    assert "<html" not in html
    assert 'data-status="accepted"' in html and 'data-status="rejected"' in html


def queries_of(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_panel_page_costs_a_fixed_number_of_queries(admin_client, make_station) -> None:
    small, large = panel_of(make_station, 2, "Small"), panel_of(make_station, 12, "Large")
    for panel in (small, large):
        panel_rebalance(panel_id=panel.pk)
        panel_rebalance(panel_id=panel.pk)

    counts = {
        panel.name: queries_of(admin_client, reverse("ui:panel", args=[panel.pk]))
        for panel in (small, large)
    }

    assert counts == {"Small": PANEL_PAGE_QUERIES, "Large": PANEL_PAGE_QUERIES}


def test_the_station_page_costs_a_fixed_number_of_queries(admin_client, make_station) -> None:
    few, many = (
        make_station("CP-FEW", protocol="ocpp1.6"),
        make_station("CP-MANY", protocol="ocpp1.6"),
    )
    for asset, limits in ((few, 1), (many, 8)):
        for evse_id in range(1, limits + 1):
            ChargingLimit.objects.create(
                asset=asset, evse_id=evse_id, purpose=Purpose.TX_DEFAULT, limit_amps=10,
                source=LimitSource.OPERATOR,
            )  # fmt: skip

    counts = {
        asset.identity: queries_of(admin_client, reverse("ui:station", args=[asset.pk]))
        for asset in (few, many)
    }

    assert counts == {"CP-FEW": STATION_PAGE_QUERIES, "CP-MANY": STATION_PAGE_QUERIES}
