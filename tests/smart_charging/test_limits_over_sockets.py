"""Charging limits reach a station on a real socket, through daphne and Celery: one set
while it was away goes when it comes back, and every one goes again after it reboots."""

import pytest
from asgiref.sync import sync_to_async

from assets.models import Asset
from smart_charging.models import ChargingLimit
from smart_charging.station_limits import charging_limit_set
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOOT = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}


def station_max_calls(raw: RawStation) -> list[float]:
    return [
        call.payload["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
        for call in raw.calls
        if call.action == "SetChargingProfile"
    ]


async def test_a_limit_set_while_away_goes_on_return_and_again_after_a_reboot(
    cluster,
    make_station,
) -> None:
    asset = await sync_to_async(make_station)("CP-LIMITS")
    await sync_to_async(charging_limit_set)(
        asset=await Asset.objects.aget(pk=asset.pk), purpose="station_max", limit_amps=20
    )
    limit = ChargingLimit.objects.filter(asset=asset)
    assert (await limit.select_related("call").aget()).outcome == "not_sent"

    async with RawStation(cluster.daphne_a, "CP-LIMITS", "ocpp2.1") as raw:

        async def sent(count: int) -> bool:
            return len(station_max_calls(raw)) >= count

        assert await wait_for(lambda: sent(1))  # back, without a boot
        await raw.call("BootNotification", BOOT)
        assert await wait_for(lambda: sent(2))  # rebooted: it holds nothing of ours

        async def accepted() -> bool:
            return (await limit.select_related("call").aget()).outcome == "Accepted"

        assert await wait_for(accepted)
    assert station_max_calls(raw) == [20.0, 20.0]
