"""The fleet pages in headless chromium against a real daphne: the dashboard's figures against
the database, its charts drawn with a point per day, a connector's fault appearing live, the
CSV export's rows, a session's curve, availability from a known history, tokens blocked from
the page. The tests take the screenshots the README shows (docs/screenshots/: remade with
UI_SCREENSHOTS_DIR=docs/screenshots)."""

import csv
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from assets.models import Asset, ConnectorStatusChange
from tests.ui.conftest import OPERATOR, WAIT_MS, wait_until_live
from tests.ui.fleet import harbour_availability, make_fleet
from tests.ui.station import LiveStation
from tokens.models import IdToken, TokenStatus
from tokens.services import token_create
from ui.dashboard_selectors import energy_by_day, fleet_counts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
expect.set_options(timeout=WAIT_MS)

# The README's pictures are remade on request (UI_SCREENSHOTS_DIR=docs/screenshots), so that a
# test run leaves the checkout as it found it; otherwise they go to a temporary folder.
SCREENSHOTS = Path(
    os.environ.get("UI_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "csms-screenshots"
)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def operator(operator: Any) -> Any:
    """The browser tests' operator, who may also manage tokens."""
    from django.contrib.auth.models import Permission

    tokens = Permission.objects.filter(content_type__app_label="tokens")
    operator.user_permissions.add(*tokens)
    return operator


def log_in(page: Any, path: str) -> None:
    page.goto(path)
    page.fill("#id_username", OPERATOR[0])
    page.fill("#id_password", OPERATOR[1])
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def harbour_percent() -> str:
    """The Harbour's availability as the pages write it (it moves by about 0.0001 % a minute:
    the page and this agree to the digit shown)."""
    return f"{harbour_availability() * 100:.1f} %"


def test_dashboard_figures_and_charts_are_the_databases(page, operator) -> None:
    make_fleet()
    counts, energy = fleet_counts(Asset.objects.all()), energy_by_day(Asset.objects.all())

    log_in(page, "/")
    wait_until_live(page)

    for figure in ("online", "offline", "faulted", "charging"):
        expect(page.locator(f'[data-figure="{figure}"]')).to_have_text(str(counts[figure]))
    expect(page.locator('[data-figure="energy-today"]')).to_have_text(f"{energy.today_kwh:.1f} kWh")
    chart = page.locator('#energy-chart[data-drawn="true"]')
    expect(chart).to_have_attribute("data-points", "30")
    expect(chart.locator("canvas")).to_have_count(1)
    drawn = page.evaluate("window.csmsCharts.energy.data[1]")
    assert drawn == [day.energy_kwh for day in energy.days]
    assert page.evaluate("window.csmsCharts.sessions.data[1]") == [d.sessions for d in energy.days]
    # A known history: at Harbour, H-1 up all the period, H-2 faulted for its last 3 days.
    harbour = page.locator("#site-availability li", has_text="Harbour")
    expect(harbour.locator('[data-role="availability"]')).to_have_text(harbour_percent())
    screenshot(page, "dashboard")
    page.set_viewport_size(PHONE)
    # The charts follow the screen's width (after a resize settles).
    page.wait_for_function(f"window.csmsCharts.energy.width < {PHONE['width']}")
    screenshot(page, "dashboard-phone")


def test_a_connector_fault_appears_live_on_the_dashboard(
    page, operator, make_station, ui_server
) -> None:
    station = make_station("UI-DASH-1")
    log_in(page, "/")
    wait_until_live(page)
    page.evaluate("window.notReloaded = true")
    faulted = page.locator('[data-figure="faulted"]')
    expect(faulted).to_have_text("0")

    with LiveStation(ui_server, "UI-DASH-1") as charger:
        expect(page.locator('[data-figure="online"]')).to_have_text("1")
        charger.status(1, "Available")
        charger.status(1, "Faulted")
        expect(faulted).to_have_text("1")
        down = page.locator(f'#connectors-down [data-connector="{station.pk}-1-1"]')
        expect(down).to_contain_text("UI-DASH-1")
        expect(down).to_contain_text("Faulted")

    expect(page.locator('[data-figure="offline"]')).to_have_text("1")
    assert page.evaluate("window.notReloaded") is True
    # The history the charger path kept, as daphne wrote it.
    history = ConnectorStatusChange.objects.filter(asset=station).order_by("at", "id")
    assert [change.status for change in history] == ["Available", "Faulted"]


def test_sessions_export_downloads_the_filtered_rows(page, operator, tmp_path) -> None:
    make_fleet()
    log_in(page, "/ui/sessions/")
    page.fill('input[name="token"]', "anna")
    page.click("#session-filters button[type=submit]")
    expect(page.locator('[data-total="sessions"]')).to_have_text("2")
    expect(page.locator("#sessions tbody tr")).to_have_count(2)
    with page.expect_download() as download:
        page.click("#export-csv")
    saved = tmp_path / "sessions.csv"
    download.value.save_as(saved)
    with saved.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert sorted((row["station"], row["token"]) for row in rows) == [
        ("H-1", "TAG-ANNA"), ("M-1", "TAG-ANNA")
    ]  # fmt: skip
    page.goto("/ui/sessions/")
    screenshot(page, "sessions")


def test_session_page_draws_its_power_and_energy_curve(page, operator) -> None:
    session = make_fleet().sessions[0]
    log_in(page, f"/ui/sessions/{session.pk}/")
    expect(page.locator('#power-chart[data-drawn="true"]')).to_have_attribute("data-points", "5")
    expect(page.locator('#energy-chart[data-drawn="true"]')).to_have_attribute("data-points", "5")
    assert page.evaluate("window.csmsCharts.energy.data[1]")[-1] == 12.5
    expect(page.locator("#cost-lines")).to_contain_text("5.00 EUR")
    screenshot(page, "session")


def test_site_page_shows_availability_and_its_stations_on_the_map(page, operator) -> None:
    fleet = make_fleet()
    log_in(page, f"/ui/sites/{fleet.harbour.pk}/")
    expect(page.locator('#site-counts [data-role="availability"]')).to_have_text(harbour_percent())
    expect(page.locator("#site-map .map__station")).to_have_count(2)
    screenshot(page, "site")


def test_a_token_is_blocked_and_unblocked_from_the_page(page, operator) -> None:
    token_create(id_token="CARD-42", description="Fleet van 42")
    log_in(page, "/ui/tokens/")
    row = page.locator('#tokens tr[data-token="CARD-42"]')
    row.locator('[data-role="block"]').click()
    expect(row).to_have_attribute("data-status", "Blocked")
    assert IdToken.objects.get(id_token="CARD-42").status == TokenStatus.BLOCKED
    screenshot(page, "tokens")
    row.locator('[data-role="unblock"]').click()
    expect(row).to_have_attribute("data-status", "Accepted")
    assert IdToken.objects.get(id_token="CARD-42").status == TokenStatus.ACCEPTED
