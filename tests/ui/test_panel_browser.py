"""The panel page and the station page's limits in headless chromium against a real daphne,
with a station on a real socket: a car starts, the panel re-balances, and both pages show what
the station was sent and what it answered, without a reload."""

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assets.models import Asset, AssetGroup
from charging.models import ChargingSession
from smart_charging.models import ChargingLimit, Purpose
from smart_charging.services import panel_create, panel_station_attach
from tests.ui.conftest import WAIT_MS, log_in, wait_until_live
from tests.ui.station import LiveStation, now
from tests.ui.test_browser import assert_not_reloaded, mark_page
from tokens.services import token_upsert

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=WAIT_MS)

CAPACITY = 20.0


def tab(page: Any, path: str) -> Any:
    """Another tab of the logged-in operator, opened on `path` and live."""
    other = page.context.new_page()
    other.goto(path)
    wait_until_live(other)
    mark_page(other)
    return other


def test_a_car_starting_shows_live_on_the_panel_and_station_pages(
    page, operator, make_station, ui_server
) -> None:
    station = make_station("UI-PANEL-1", protocol="ocpp1.6")
    site = AssetGroup.objects.create(network=station.network, name="Depot")
    Asset.objects.filter(pk=station.pk).update(asset_group=site)
    panel = panel_create(asset_group=site, name="Main board", capacity=CAPACITY)
    # Offline: its fallback waits as a TxDefault not sent yet.
    panel_station_attach(panel=panel, asset=station, fallback_amps=6)
    token_upsert(id_token="CARD-1")

    log_in(page, f"/ui/panels/{panel.pk}/")
    mark_page(page)
    expect(page.locator('[data-figure="held-total"]')).to_have_text("0.0 A")
    expect(page.locator('[data-role="no-sessions"]')).to_be_visible()
    station_page = tab(page, f"/stations/{station.pk}/")
    limits = station_page.locator("#station-limits tbody tr")
    expect(limits).to_have_count(1)
    expect(limits.first).to_have_attribute("data-status", "pending")

    with LiveStation(ui_server, "UI-PANEL-1") as charger:
        charger.boot()
        # Back online, it is sent its fallback and accepts it: the status changes live.
        expect(limits.first).to_have_attribute("data-status", "accepted")

        charger.send("StartTransaction", {
            "connectorId": 1, "idTag": "CARD-1", "meterStart": 0, "timestamp": now(),
        })  # fmt: skip

        # The re-balance gives the one car the whole panel.
        expect(page.locator('[data-figure="held-total"]')).to_have_text("20.0 A")
        row = page.locator("#panel-shares tbody tr", has_text="UI-PANEL-1")
        expect(row.locator('[data-role="limit"]')).to_have_text("20.0 A")
        expect(row.locator('[data-role="status"]')).to_have_text("Accepted")  # its answer
        expect(page.locator("#panel-chart")).not_to_have_attribute("data-points", "0")
        tx = station_page.locator('#station-limits tbody tr[data-purpose="tx"]')
        expect(tx).to_have_attribute("data-status", "accepted")
        expect(tx.locator('[data-role="limit"]')).to_contain_text("20.0 A")

        # What the station was sent, by its own record.
        sent = [c.payload for c in charger.received() if c.action == "SetChargingProfile"]
        assert any(
            p["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile"
            and p["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
            == CAPACITY
            for p in sent
        ), sent

    tx_limit = ChargingLimit.objects.select_related("call").get(asset=station, purpose=Purpose.TX)
    assert (tx_limit.limit_amps, tx_limit.status) == (CAPACITY, "accepted")
    assert_not_reloaded(page)
    assert_not_reloaded(station_page)


def test_the_panel_page_fits_a_phone_screen(browser, ui_server, operator, make_station) -> None:
    station = make_station("UI-PHONE-PANEL-WITH-A-RATHER-LONG-IDENTITY-0001", protocol="ocpp1.6")
    site = AssetGroup.objects.create(network=station.network, name="Depot")
    panel = panel_create(asset_group=site, name="Main board", capacity=CAPACITY)
    panel_station_attach(panel=panel, asset=station, fallback_amps=6)
    ChargingSession.objects.create(
        asset=station, transaction_id="9", evse_id=1, started_at=timezone.now()
    )
    context = browser.new_context(
        base_url=f"http://{ui_server}", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()
    try:
        log_in(phone, f"/ui/panels/{panel.pk}/")
        expect(phone.locator("#panel-shares tbody tr")).to_have_count(1)
        expect(phone.locator('#panel-chart[data-drawn="true"]')).to_have_count(1)
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    finally:
        context.close()
