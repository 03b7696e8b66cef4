"""The load manager's plan from what the database holds: panels feeding panels, offline
stations counted at what they hold, idle EVSEs at their fallback. (The limits reaching real
stations are tested in test_panel_over_sockets.py.)"""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from assets.models import Asset, AssetGroup, Connector
from charging.models import ChargingSession, MeterSample
from ocpp_bridge.models import OcppCall
from smart_charging.load_manager import panel_plan
from smart_charging.models import ChargingLimit, Panel, PanelStation
from smart_charging.panel_tree import panel_root
from tests.admin.test_admin import connect

pytestmark = pytest.mark.django_db
_ids = itertools.count(1)


@pytest.fixture
def site(make_station) -> AssetGroup:
    station = make_station("CP-SEED")
    return AssetGroup.objects.create(network=station.network, name="Depot")


def station_on(panel: Panel, identity: str, make_station, *, online: bool = True, **kw) -> Asset:
    asset = make_station(identity)
    if online:
        asset = connect(asset, "ocpp2.0.1")
    PanelStation.objects.create(panel=panel, asset=asset, **kw)
    return asset


def charging(asset: Asset, evse_id: int = 1) -> ChargingSession:
    Connector.objects.get_or_create(asset=asset, evse_id=evse_id, connector_id=1)
    return ChargingSession.objects.create(
        asset=asset, transaction_id=f"T{next(_ids)}", evse_id=evse_id, started_at=timezone.now()
    )


def targets(panel: Panel) -> dict[str, float]:
    plan = panel_plan(panel_root(panel.pk))
    return {f"{s.session.asset.identity}/{s.session.evse_id}": s.target for s in plan.shares}


def test_a_feeder_caps_the_panels_below_it(site: AssetGroup, make_station) -> None:
    feeder = Panel.objects.create(asset_group=site, name="Feeder", capacity=40)
    a = Panel.objects.create(asset_group=site, name="A", capacity=32, parent=feeder)
    b = Panel.objects.create(asset_group=site, name="B", capacity=32, parent=feeder)
    for identity, panel in (("A1", a), ("A2", a), ("B1", b)):
        charging(station_on(panel, identity, make_station))
    shares = targets(b)  # asked from below: the whole tree is planned
    assert shares == {"A1/1": 13.3, "A2/1": 13.3, "B1/1": 13.3}


def test_a_small_panel_binds_before_its_feeder(site: AssetGroup, make_station) -> None:
    feeder = Panel.objects.create(asset_group=site, name="Feeder", capacity=60)
    small = Panel.objects.create(asset_group=site, name="Small", capacity=12, parent=feeder)
    charging(station_on(feeder, "F1", make_station))
    charging(station_on(small, "S1", make_station))
    assert targets(feeder) == {"S1/1": 12.0, "F1/1": 32.0}


def test_an_offline_station_counts_at_what_it_holds(site: AssetGroup, make_station) -> None:
    panel = Panel.objects.create(asset_group=site, name="Main", capacity=30)
    away = station_on(panel, "AWAY", make_station, online=False)
    session = charging(away)
    ChargingLimit.objects.create(
        asset=away, evse_id=1, purpose="tx", transaction_id=session.transaction_id,
        limit_amps=12, source="load_manager", prior_amps=12,
    )  # fmt: skip
    charging(station_on(panel, "HERE", make_station))
    assert targets(panel) == {"HERE/1": 18.0}


def test_an_idle_evse_counts_at_its_fallback(site: AssetGroup, make_station) -> None:
    panel = Panel.objects.create(asset_group=site, name="Main", capacity=30)
    busy = station_on(panel, "BUSY", make_station, fallback_amps=6)
    charging(busy, evse_id=1)
    Connector.objects.create(asset=busy, evse_id=2, connector_id=1)
    assert targets(panel) == {"BUSY/1": 24.0}


def test_a_car_seen_drawing_less_leaves_its_rest_to_the_others(
    site: AssetGroup, make_station
) -> None:
    panel = Panel.objects.create(asset_group=site, name="Main", capacity=30)
    slow = station_on(panel, "SLOW", make_station)
    session = charging(slow)
    charging(station_on(panel, "FAST", make_station))
    taken = timezone.now() - timedelta(seconds=30)
    call = OcppCall.objects.create(
        asset=slow, protocol="ocpp2.0.1", message_id="m-1", action="SetChargingProfile",
        state="answered", response_payload={"status": "Accepted"}, completed_at=taken,
    )  # fmt: skip
    ChargingLimit.objects.create(
        asset=slow, evse_id=1, purpose="tx", transaction_id=session.transaction_id,
        limit_amps=15, source="load_manager", call=call,
    )  # fmt: skip
    MeterSample.objects.create(  # 4 A on three phases, well after it took its 15 A
        asset=slow, session=session, sampled_at=taken + timedelta(seconds=20),
        measurand="Power.Active.Import", value=Decimal("2760"), unit="W",
    )  # fmt: skip
    assert targets(panel) == {"SLOW/1": 6.0, "FAST/1": 24.0}


def test_a_car_capped_at_its_draw_keeps_its_cap_while_it_draws_the_same(
    site: AssetGroup, make_station
) -> None:
    panel = Panel.objects.create(asset_group=site, name="Main", capacity=30)
    slow = station_on(panel, "SLOW", make_station)
    session = charging(slow)
    charging(station_on(panel, "FAST", make_station))
    taken = timezone.now() - timedelta(seconds=30)
    call = OcppCall.objects.create(
        asset=slow, protocol="ocpp2.0.1", message_id="m-1", action="SetChargingProfile",
        state="answered", response_payload={"status": "Accepted"}, completed_at=taken,
    )  # fmt: skip
    limit = ChargingLimit.objects.create(
        asset=slow, evse_id=1, purpose="tx", transaction_id=session.transaction_id,
        limit_amps=6.9, car_wants_amps=6.95, source="load_manager", call=call,
    )  # fmt: skip
    sample = MeterSample.objects.create(  # 5.8 A of 6.9: 84 %, what it drew when capped
        asset=slow, session=session, sampled_at=taken + timedelta(seconds=20),
        measurand="Power.Active.Import", value=Decimal("4002"), unit="W",
    )  # fmt: skip
    assert targets(panel) == {"SLOW/1": 6.9, "FAST/1": 23.0}  # 30 - 6.95, to 0.1 A down

    MeterSample.objects.filter(pk=sample.pk).update(value=Decimal("4416"))  # 6.4 A: it grew
    assert targets(panel) == {"SLOW/1": 15.0, "FAST/1": 15.0}
    ChargingLimit.objects.filter(pk=limit.pk).update(car_wants_amps=None)  # not capped: 93 %
    assert targets(panel) == {"SLOW/1": 15.0, "FAST/1": 15.0}
