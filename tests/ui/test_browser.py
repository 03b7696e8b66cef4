"""The web UI in headless chromium against a real daphne and stations on real sockets: what an
operator sees change without reloading, and what the console sends and shows."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ocpp_bridge.models import OcppCall
from tests.ui.conftest import WAIT_MS, log_in, wait_until_live
from tests.ui.station import LiveStation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=WAIT_MS)


def card(page: Any, station: Any) -> Any:
    return page.locator(f'.station-card[data-asset-id="{station.pk}"]')


def mark_page(page: Any) -> None:
    """Tag this page's window: the tag survives only if the page is never reloaded."""
    page.evaluate("window.notReloaded = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.notReloaded") is True


def test_anonymous_visitor_is_sent_to_the_login_page(page, settled) -> None:
    page.goto("/stations/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/stations/$"))
    expect(page.locator("#id_username")).to_be_visible()


def test_overview_shows_a_station_come_online_change_status_and_go_offline(
    page, operator, make_station, ui_server
) -> None:
    station = make_station("UI-LIVE-1")
    log_in(page, "/stations/")
    mark_page(page)
    online = card(page, station).locator('[data-role="online"]')
    expect(online).to_have_text("Offline")

    with LiveStation(ui_server, "UI-LIVE-1") as charger:
        expect(online).to_have_text("Online")
        charger.boot(vendor="Acme", model="Overview")
        charger.status(1, "Available")
        connector = card(page, station).locator('[data-connector="1-1"]')
        expect(connector).to_have_attribute("data-status", "Available")

        charger.status(1, "Charging")
        expect(connector).to_have_attribute("data-status", "Charging")
        expect(connector).to_contain_text("Charging")

    expect(online).to_have_text("Offline")
    assert_not_reloaded(page)


def test_console_sends_a_command_and_shows_the_stations_answer(
    page, operator, make_station, ui_server
) -> None:
    station = make_station("UI-CONSOLE-1", protocol="ocpp1.6")
    log_in(page, f"/stations/{station.pk}/")
    mark_page(page)

    with LiveStation(ui_server, "UI-CONSOLE-1") as charger:
        expect(page.locator('#summary [data-role="online"]')).to_have_text("Online")
        expect(page.locator("#console-offline")).to_be_hidden()
        page.select_option("#console-action", "ChangeAvailability")
        page.fill("#console-payload", '{"connectorId": 1, "type": "Inoperative"}')
        page.click("#console-send")

        result = page.locator("#console-result")
        expect(result).to_have_attribute("data-state", "answered")
        expect(result).to_contain_text('"status": "Accepted"')
        sent = page.locator("#frames .frame--out", has_text="ChangeAvailability")
        expect(sent).to_contain_text('"type": "Inoperative"')
        received = [call for call in charger.received() if call.action == "ChangeAvailability"]
        assert [call.payload for call in received] == [{"connectorId": 1, "type": "Inoperative"}]

    call = OcppCall.objects.get(asset=station, action="ChangeAvailability")
    assert (call.source, call.state, call.response_payload) == (
        "web_ui", "answered", {"status": "Accepted"}
    )  # fmt: skip
    assert_not_reloaded(page)


def test_console_refuses_bad_json_schema_errors_and_offline_stations_clearly(
    page, operator, make_station
) -> None:
    station = make_station("UI-CONSOLE-2", protocol="ocpp1.6")
    log_in(page, f"/stations/{station.pk}/")
    result = page.locator("#console-result")
    page.select_option("#console-action", "ChangeAvailability")

    page.fill("#console-payload", '{"connectorId": 1, "type": ')
    page.click("#console-send")
    expect(result).to_have_attribute("data-state", "refused")
    expect(result).to_contain_text("the payload is not valid JSON")

    page.fill("#console-payload", '{"type": "Inoperative"}')
    page.click("#console-send")
    expect(result).to_contain_text("(field: payload.connectorId)")
    expect(result).to_have_attribute("data-state", "refused")

    page.fill("#console-payload", '{"connectorId": 1, "type": "Inoperative"}')
    page.click("#console-send")
    expect(result).to_contain_text("Station UI-CONSOLE-2 is not connected.")
    assert not OcppCall.objects.filter(asset=station).exists()


def test_station_page_streams_the_conversation_and_connector_status(
    page, operator, make_station, ui_server
) -> None:
    station = make_station("UI-PAGE-1", protocol="ocpp1.6")
    log_in(page, f"/stations/{station.pk}/")
    mark_page(page)
    expect(page.locator("#frames .frame")).to_have_count(0)

    with LiveStation(ui_server, "UI-PAGE-1") as charger:
        charger.boot(vendor="Streamer", model="S1")
        expect(page.locator("#summary")).to_contain_text("Streamer")
        charger.status(2, "Faulted")

        connector = page.locator('[data-fragment="connectors"] [data-connector="2-1"]')
        expect(connector).to_have_attribute("data-status", "Faulted")
        newest = page.locator("#frames .frame").first
        expect(newest).to_contain_text("CALL_RESULT")
        expect(page.locator("#frames .frame--in", has_text="StatusNotification")).to_contain_text(
            '"status": "Faulted"'
        )
        charger.status(2, "Available")
        expect(connector).to_have_attribute("data-status", "Available")

    expect(page.locator('#summary [data-role="online"]')).to_have_text("Offline")
    assert_not_reloaded(page)


def test_search_and_filters_narrow_the_overview(page, operator, make_station, ui_server) -> None:
    alpha = make_station("UI-ALPHA", network_name="north")
    beta = make_station("UI-BETA", network_name="north")
    gamma = make_station("UI-GAMMA", network_name="south")
    log_in(page, "/stations/")
    every = [alpha, beta, gamma]
    for station in every:
        expect(card(page, station)).to_be_visible()

    page.fill('input[name="q"]', "alpha")
    page.press('input[name="q"]', "Enter")
    expect(card(page, alpha)).to_be_visible()
    expect(page.locator(".station-card")).to_have_count(1)

    page.goto("/stations/")
    page.select_option('select[name="network"]', label="south")
    expect(page).to_have_url(re.compile(r"network="))
    expect(card(page, gamma)).to_be_visible()
    expect(page.locator(".station-card")).to_have_count(1)

    with LiveStation(ui_server, "UI-BETA"):
        page.goto("/stations/")
        wait_until_live(page)
        expect(card(page, beta).locator('[data-role="online"]')).to_have_text("Online")
        page.select_option('select[name="state"]', "online")
        expect(page).to_have_url(re.compile(r"state=online"))
        expect(card(page, beta)).to_be_visible()
        expect(page.locator(".station-card")).to_have_count(1)


@pytest.mark.parametrize("path", ["/stations/", "station"])
def test_pages_fit_a_phone_screen(browser, ui_server, operator, make_station, path) -> None:
    station = make_station("UI-PHONE-WITH-A-RATHER-LONG-IDENTITY-0001", protocol="ocpp2.0.1")
    context = browser.new_context(
        base_url=f"http://{ui_server}", viewport={"width": 375, "height": 740}, is_mobile=True
    )
    context.set_default_timeout(WAIT_MS)
    phone = context.new_page()
    try:
        log_in(phone, f"/stations/{station.pk}/" if path == "station" else path)
        expect(phone.locator(".nav")).to_be_visible()
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"the page scrolls sideways: {width}"
    finally:
        context.close()
