"""A car's power readings on the charger path: judged cheaply, and a re-balance asked when a
car draws well under its limit (smart_charging.triggers.session_power_read)."""

import itertools
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import Asset, AssetGroup
from charging.models import ChargingSession
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.charger.handlers import StationContext
from ocpp_bridge.charger.handlers.v16 import meter_values
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.models import ChargingLimit, Panel, PanelStation
from smart_charging.triggers import panel_rebalance_request
from tests.admin.test_admin import connect

pytestmark = pytest.mark.django_db
_ids = itertools.count(100)


def station_context(asset: Asset) -> StationContext:
    return StationContext(
        asset_id=asset.pk, identity=asset.identity, network_id=asset.network_id,
        version=OcppVersion.V16, connection_id=asset.current_connection_id,
        registration_status=asset.registration_status,
    )  # fmt: skip


def charging_under(asset: Asset, *, limit_amps: float, taken_ago: timedelta) -> ChargingSession:
    """A 1.6 session holding `limit_amps`, accepted `taken_ago`."""
    session = ChargingSession.objects.create(
        asset=asset, transaction_id=str(next(_ids)), evse_id=1, started_at=timezone.now()
    )
    call = OcppCall.objects.create(
        asset=asset, protocol="ocpp1.6", message_id=f"m-{session.pk}",
        action="SetChargingProfile", state="answered", response_payload={"status": "Accepted"},
        completed_at=timezone.now() - taken_ago,
    )  # fmt: skip
    ChargingLimit.objects.create(
        asset=asset, evse_id=1, purpose="tx", transaction_id=session.transaction_id,
        limit_amps=limit_amps, source="load_manager", call=call,
    )  # fmt: skip
    return session


def reading(session: ChargingSession, watts: float) -> dict[str, Any]:
    power = {"value": str(watts), "measurand": "Power.Active.Import", "unit": "W"}
    return {
        "connectorId": 1,
        "transactionId": int(session.transaction_id),
        "meterValue": [{"timestamp": iso(timezone.now()), "sampledValue": [power]}],
    }


def rebalances_asked(callbacks: list[Any]) -> list[Any]:
    return [
        c.args[0] for c in callbacks if isinstance(c, partial) and c.func is panel_rebalance_request
    ]


@pytest.fixture
def panel(make_station) -> Panel:
    seed = make_station("CP-SEED")
    site = AssetGroup.objects.create(network=seed.network, name="Depot")
    return Panel.objects.create(asset_group=site, name="Main", capacity=30)


def test_a_car_drawing_well_under_its_limit_asks_its_panel_once_per_settle(
    panel: Panel, make_station, django_capture_on_commit_callbacks
) -> None:
    asset = connect(make_station("SLOW"), "ocpp1.6")
    PanelStation.objects.create(panel=panel, asset=asset)
    session = charging_under(asset, limit_amps=10, taken_ago=timedelta(seconds=30))
    station = station_context(asset)
    with django_capture_on_commit_callbacks() as callbacks:
        meter_values(station, reading(session, 6 * 3 * 230))  # 6 A of 10
        meter_values(station, reading(session, 6 * 3 * 230))  # within the settle: not judged
    assert rebalances_asked(callbacks) == [panel.pk]


def test_a_car_taking_its_limit_asks_nothing(
    panel: Panel, make_station, django_capture_on_commit_callbacks
) -> None:
    asset = connect(make_station("FULL"), "ocpp1.6")
    PanelStation.objects.create(panel=panel, asset=asset)
    session = charging_under(asset, limit_amps=10, taken_ago=timedelta(seconds=30))
    with django_capture_on_commit_callbacks() as callbacks:
        meter_values(station_context(asset), reading(session, 9.8 * 3 * 230))
    assert rebalances_asked(callbacks) == []


def test_readings_taken_before_the_limit_settled_tell_nothing(
    panel: Panel, make_station, django_capture_on_commit_callbacks
) -> None:
    asset = connect(make_station("JUST"), "ocpp1.6")
    PanelStation.objects.create(panel=panel, asset=asset)
    session = charging_under(asset, limit_amps=10, taken_ago=timedelta(seconds=1))
    with django_capture_on_commit_callbacks() as callbacks:
        meter_values(station_context(asset), reading(session, 6 * 3 * 230))
    assert rebalances_asked(callbacks) == []


def test_a_station_on_no_panel_reads_nothing_of_smart_charging_after_its_first_reading(
    make_station,
) -> None:
    asset = connect(make_station("ALONE"), "ocpp1.6")
    session = charging_under(asset, limit_amps=10, taken_ago=timedelta(seconds=30))
    station = station_context(asset)
    meter_values(station, reading(session, 6 * 3 * 230))  # looks once per connection
    with CaptureQueriesContext(connection) as queries:
        meter_values(station, reading(session, 6 * 3 * 230))
    assert not [q for q in queries.captured_queries if "smart_charging" in q["sql"]]
