"""ISO 15118 charging needs on a real socket (2.0.1 and 2.1), through daphne and Celery: the
car's maximum bounds its share, sent as its TxProfile, and a schedule it proposes beyond that
share is refused."""

from typing import Any

import pytest

from assets.models import Asset, AssetGroup
from smart_charging.services import panel_create, panel_station_attach
from tests.charging.messages import tx_event
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.waiting import wait_for
from tokens.models import IdToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

T0 = "2026-12-06T10:00:00Z"
BOOT = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
AC_NEEDS = {"requestedEnergyTransfer": "AC_three_phase", "acChargingParameters": {
    "energyAmount": 20000, "evMinCurrent": 6, "evMaxCurrent": 10, "evMaxVoltage": 400}}  # fmt: skip


def proposed(amps: float) -> dict[str, Any]:
    period = {"startPeriod": 0, "limit": amps, "numberPhases": 3}
    schedule = {"id": 1, "chargingRateUnit": "A", "chargingSchedulePeriod": [period]}
    return {"evseId": 1, "timeBase": T0, "chargingSchedule": schedule}


@pytest.fixture
def station(make_station) -> Asset:
    asset = make_station("CP-15118")
    site = AssetGroup.objects.create(network=asset.network, name="Depot")
    panel_station_attach(
        panel=panel_create(asset_group=site, name="Main", capacity=32), asset=asset
    )
    IdToken.objects.create(id_token="EMAID")
    return asset


def tx_profile_limits(raw: RawStation) -> list[float]:
    return [
        call.payload["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
        for call in raw.calls
        if call.action == "SetChargingProfile"
        and call.payload["chargingProfile"]["chargingProfilePurpose"] == "TxProfile"
    ]


@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_the_cars_needs_bound_its_share_and_its_schedule(
    cluster,
    station: Asset,
    protocol: str,
) -> None:
    async with RawStation(cluster.daphne_a, "CP-15118", protocol) as raw:
        await raw.call("BootNotification", BOOT)
        token = {"idToken": "EMAID", "type": "eMAID"}
        started = tx_event("Started", 0, T0, evse={"id": 1, "connectorId": 1}, idToken=token)
        await raw.call("TransactionEvent", started)
        assert await wait_for(lambda: holds(raw, 32.0))
        needs = await raw.call("NotifyEVChargingNeeds", {"evseId": 1, "chargingNeeds": AC_NEEDS})
        assert await wait_for(lambda: holds(raw, 10.0))
        too_much = await raw.call("NotifyEVChargingSchedule", proposed(16))
        within = await raw.call("NotifyEVChargingSchedule", proposed(10))
    assert needs[2] == {"status": "Accepted"}
    assert too_much[2] == {"status": "Rejected"} and within[2] == {"status": "Accepted"}


async def holds(raw: RawStation, amps: float) -> bool:
    """The latest TxProfile the station was sent has this limit."""
    return tx_profile_limits(raw)[-1:] == [amps]
