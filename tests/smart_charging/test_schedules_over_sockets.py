"""An operator's daily schedule reaches stations of every version on real sockets, through
two daphne processes and a Celery worker: the station's own record (station_simulator) holds
its periods and recurrence and draws by them; a 2.x station reports it (GetChargingProfiles)
and the CSMS marks it confirmed, a 1.6 one shows its composite schedule instead. A schedule
longer than the station takes is refused by the station while the CSMS does not know its
limit, and by the API once it does."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from assets.models import StationVariable
from ocpp_bridge.models import CallState, OcppCall
from station_simulator import StationConfig, create_station
from tests.api_clients import Api, api_for
from tests.conftest import STATION_PASSWORD
from tests.e2e.conftest import Cluster, settled  # noqa: F401  (fixture)
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_PERIODS = 3
# Daily, from 10 minutes ago: 10 A for an hour, 20 A for the next, 16 A for the rest of the day.
PERIODS = [
    {"startPeriod": 0, "limitAmps": 10},
    {"startPeriod": 3_600, "limitAmps": 20},
    {"startPeriod": 7_200, "limitAmps": 16},
]
TOO_LONG = [{"startPeriod": i * 3_600, "limitAmps": 16} for i in range(MAX_PERIODS + 1)]


async def connect(cluster: Cluster, identity: str, protocol: str) -> tuple[Any, asyncio.Task[Any]]:
    config = StationConfig(
        identity=identity, password=STATION_PASSWORD, protocol=protocol, connectors=1,
        url=f"ws://{cluster.daphne_a}/ocpp", heartbeat_interval=30,
        max_schedule_periods=MAX_PERIODS,
    )  # fmt: skip
    station = create_station(config)
    runner = asyncio.create_task(station.run())
    await asyncio.wait_for(station.booted.wait(), 10)
    return station, runner


async def status_of(api: Api, limits_url: str, limit_id: int) -> str:
    listed = await asyncio.to_thread(api.get, limits_url)
    return next(x["status"] for x in listed.json()["data"]["items"] if x["id"] == limit_id)


async def until_status(api: Api, limits_url: str, limit_id: int, expected: str) -> None:
    async def reached() -> bool:
        return await status_of(api, limits_url, limit_id) == expected

    assert await wait_for(reached), await status_of(api, limits_url, limit_id)


async def station_says_its_max(api: Api, identity: str, protocol: str) -> None:
    """The CSMS reads the station's limit as an operator would ask it: GetConfiguration (1.6),
    a base report (2.x)."""
    if protocol == "ocpp1.6":
        action, payload = "GetConfiguration", {"key": ["ChargingScheduleMaxPeriods"]}
    else:
        action, payload = "GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"}
    body = {"action": action, "assetId": identity, "payload": payload, "async": False}
    answered = await asyncio.to_thread(api.post, "/ocpp/v2/raw-request", body)
    assert answered.status_code == 200, answered.text

    async def known() -> bool:
        if protocol == "ocpp1.6":
            return await OcppCall.objects.filter(
                asset__identity=identity, action=action, state=CallState.ANSWERED
            ).aexists()
        return await StationVariable.objects.filter(
            asset__identity=identity, variable="PeriodsPerSchedule"
        ).aexists()

    assert await wait_for(known)


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
async def test_a_daily_schedule_is_held_by_the_station_and_a_too_long_one_refused(
    cluster: Cluster,
    make_station,
    protocol: str,
) -> None:
    identity = f"SCHED-{protocol[4:].replace('.', '')}"
    await sync_to_async(make_station)(identity)
    station, runner = await connect(cluster, identity, protocol)
    api = await sync_to_async(api_for)(
        cluster.daphne_b, "write:ocpp read:asset write:ocpp.raw_request"
    )
    limits_url = f"/asset-management/v1/assets/{identity}/charging-limits"
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    body = {"purpose": "station_max", "periods": PERIODS, "recurrency": "Daily",
            "scheduleStart": start.isoformat()}  # fmt: skip

    # A daily schedule: the station holds it as sent, and draws by its period now.
    posted = await asyncio.to_thread(api.post, limits_url, body)
    assert posted.status_code == 202, posted.text
    limit_id = posted.json()["data"]["id"]
    await until_status(api, limits_url, limit_id, "Accepted")
    held = station.profiles.profiles[limit_id]
    assert held.periods == ((0, 10.0), (3_600, 20.0), (7_200, 16.0))
    assert (held.kind, held.recurrency, held.start) == ("Recurring", "Daily", start.timestamp())
    assert station.connector_limit(1) == 10.0
    composite = await asyncio.to_thread(
        api.get, f"{limits_url}/composite", params={"evseId": 1, "duration": 7_200}
    )
    answer = composite.json()["data"]["response"]["payload"]
    schedule = answer.get("chargingSchedule") or answer["schedule"]
    limits = [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]
    assert limits[0] == (0, 10.0) and limits[1][1] == 20.0 and 2_980 <= limits[1][0] <= 3_000

    # More periods than it takes while the CSMS does not know its limit: sent, and refused
    # by the station (a status the operator sees), never held.
    too_long = {"purpose": "tx_default", "periods": TOO_LONG}
    posted = await asyncio.to_thread(api.post, limits_url, too_long)
    assert posted.status_code == 202, posted.text
    rejected_id = posted.json()["data"]["id"]
    await until_status(api, limits_url, rejected_id, "Rejected")
    assert rejected_id not in station.profiles.profiles

    # What the station holds, by its own report (2.x) or its composite schedule (1.6).
    installed = (await asyncio.to_thread(api.get, f"{limits_url}/installed")).json()["data"]
    marks = {x["id"]: x["installed"] for x in installed["limits"]}
    if protocol == "ocpp1.6":
        assert installed["method"] == "GetCompositeSchedule" and "1.6" in installed["note"]
        assert marks == {limit_id: None, rejected_id: None}
    else:
        assert installed["method"] == "GetChargingProfiles" and installed["complete"]
        assert marks == {limit_id: "confirmed", rejected_id: "missing"}
        assert installed["unknownProfiles"] == []

    # Once the station said how many it takes, the API refuses a longer schedule itself.
    await station_says_its_max(api, identity, protocol)
    refused = await asyncio.to_thread(api.post, limits_url, too_long)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "too_many_periods" and f"at most {MAX_PERIODS}" in error["message"]
    await until_status(api, limits_url, rejected_id, "Rejected")  # the kept row unchanged

    await station.stop()
    await runner
