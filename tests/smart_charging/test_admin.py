"""Limits and panels changed in the Django admin go through the services, as from the API."""

import pytest
from django.urls import reverse

from assets.models import AssetGroup
from ocpp_bridge.models import OcppCall
from smart_charging.models import ChargingLimit, Panel
from tests.admin.test_admin import connect

pytestmark = pytest.mark.django_db


def test_a_limit_added_in_the_admin_is_sent_to_the_station(admin_client, make_station) -> None:
    station = connect(make_station("CP-ADM"), "ocpp2.0.1")
    form = {
        "asset": station.pk, "evse_id": 0, "purpose": "station_max", "transaction_id": "",
        "limit_amps": 20, "number_phases": 3, "stack_level": 0, "source": "operator",
    }  # fmt: skip
    response = admin_client.post(reverse("admin:smart_charging_charginglimit_add"), form)
    assert response.status_code == 302
    limit = ChargingLimit.objects.get()
    call = OcppCall.objects.get(action="SetChargingProfile")
    assert limit.call == call and limit.outcome == "queued"
    profile = call.payload["chargingProfile"]
    assert profile["chargingProfilePurpose"] == "ChargingStationMaxProfile"
    assert profile["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 20.0


def test_a_station_attached_in_the_admin_gets_its_fallback(admin_client, make_station) -> None:
    station = connect(make_station("CP-ADM"), "ocpp1.6")
    site = AssetGroup.objects.create(network=station.network, name="Depot")
    form = {
        "asset_group": site.pk, "name": "Main", "capacity": 63, "capacity_unit": "A",
        "phases": 3, "voltage": 230,
        "stations-TOTAL_FORMS": 1, "stations-INITIAL_FORMS": 0,
        "stations-0-asset": station.pk, "stations-0-phase_wiring": "L1L2L3",
        "stations-0-max_amps": 32, "stations-0-priority": 0, "stations-0-fallback_amps": 6,
    }  # fmt: skip
    response = admin_client.post(reverse("admin:smart_charging_panel_add"), form)
    assert response.status_code == 302, response.content[:2000]
    assert Panel.objects.get().stations.get().asset == station
    payload = OcppCall.objects.get(action="SetChargingProfile").payload
    assert payload["csChargingProfiles"]["chargingProfilePurpose"] == "TxDefaultProfile"


def schedule_form(station, periods: str) -> dict[str, object]:
    return {
        "asset": station.pk, "evse_id": 0, "purpose": "tx_default", "transaction_id": "",
        "limit_amps": 0, "number_phases": 3, "stack_level": 0, "source": "operator",
        "periods": periods, "recurrency": "Daily",
        "schedule_start_0": "2026-12-06", "schedule_start_1": "00:00:00",
    }  # fmt: skip


def test_a_daily_schedule_set_in_the_admin_goes_as_a_recurring_profile(
    admin_client, make_station
) -> None:
    station = connect(make_station("CP-ADM"), "ocpp1.6")
    periods = '[{"startPeriod": 0, "limitAmps": 32}, {"startPeriod": 61200, "limitAmps": 16}]'
    response = admin_client.post(
        reverse("admin:smart_charging_charginglimit_add"), schedule_form(station, periods)
    )
    assert response.status_code == 302, response.content[:2000]
    assert ChargingLimit.objects.get().limit_amps == 32  # its peak
    profile = OcppCall.objects.get(action="SetChargingProfile").payload["csChargingProfiles"]
    assert (profile["chargingProfileKind"], profile["recurrencyKind"]) == ("Recurring", "Daily")
    assert [p["limit"] for p in profile["chargingSchedule"]["chargingSchedulePeriod"]] == [32, 16]


def test_a_schedule_the_station_cannot_apply_is_refused_in_the_admin(
    admin_client, make_station
) -> None:
    station = connect(make_station("CP-ADM"), "ocpp2.0.1")
    periods = '[{"startPeriod": 600, "limitAmps": 32}]'
    response = admin_client.post(
        reverse("admin:smart_charging_charginglimit_add"), schedule_form(station, periods)
    )
    assert response.status_code == 200 and b"not at 0" in response.content
    assert not ChargingLimit.objects.exists() and not OcppCall.objects.exists()


def test_an_operators_tx_default_of_a_panel_station_is_refused_in_the_admin(
    admin_client, make_station
) -> None:
    from smart_charging.services import panel_create, panel_station_attach

    station = connect(make_station("CP-ADM"), "ocpp1.6")
    site = AssetGroup.objects.create(network=station.network, name="Depot")
    panel_station_attach(panel=panel_create(asset_group=site, name="Main", capacity=40),
                         asset=station, fallback_amps=6)  # fmt: skip
    periods = '[{"startPeriod": 0, "limitAmps": 32}]'
    response = admin_client.post(
        reverse("admin:smart_charging_charginglimit_add"), schedule_form(station, periods)
    )
    assert response.status_code == 200 and b"on a panel" in response.content
    fallback = ChargingLimit.objects.get()
    assert (fallback.source, fallback.limit_amps) == ("fallback", 6)
