"""The simulated station obeys the charging profiles it is sent: its composite limit, the
power its car draws and reports, and its answer to GetCompositeSchedule, in every version."""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.profile_messages import (
    ProfileLimit,
    composite_schedule_payload,
    set_profile_payload,
)
from station_simulator import PROTOCOLS, StationConfig, create_station
from station_simulator.charging_profiles import Profile, ProfileStore
from tests.station_simulator.fake_csms import PASSWORD, FakeCsms, wait_for

NOW = "2026-12-06T20:00:00Z"
POWER = "Power.Active.Import"
ENERGY = "Energy.Active.Import.Register"


def profile(purpose: str, evse: int, amps: float | None, tx: str = "", pid: int = 1) -> Profile:
    return Profile(pid, purpose, evse, 0, tx, amps)


def test_a_transaction_profile_overrides_the_default_and_the_station_maximum_caps_both() -> None:
    store = ProfileStore()
    store.install(profile("tx_default", 0, 16, pid=1))
    store.install(profile("tx", 1, 20, tx="T1", pid=2))
    store.install(profile("station_max", 0, 18, pid=3))
    assert store.limit(1, None) == 16
    assert store.limit(1, "T1") == 18
    store.end_transaction("T1")
    assert store.limit(1, "T1") == 16


def test_a_profile_in_the_same_place_replaces_the_old_one() -> None:
    store = ProfileStore()
    store.install(profile("tx_default", 1, 16, pid=1))
    store.install(profile("tx_default", 1, 8, pid=2))
    assert store.limit(1, None) == 8 and list(store.profiles) == [2]
    assert store.clear(2) and store.limit(1, None) is None


def power_readings(payloads: list[dict[str, Any]]) -> list[float]:
    return [
        float(sampled["value"])
        for payload in payloads
        for meter_value in payload.get("meterValue") or payload.get("transactionData") or []
        for sampled in meter_value["sampledValue"]
        if sampled.get("measurand") == POWER
    ]


@dataclass
class Charging:
    """A station charging under the profile it was given, as `charging_under` left it."""

    station: Any
    runner: asyncio.Task[Any]
    reply: list[Any]  # its answer to SetChargingProfile
    action: str  # what carries its readings: MeterValues (1.6), TransactionEvent (2.x)

    def readings(self, csms: FakeCsms) -> list[dict[str, Any]]:
        return csms.sent(self.action)

    async def stop(self) -> None:
        await self.station.stop()
        await self.runner


async def charging_under(
    csms: FakeCsms, protocol: str, limit: ProfileLimit, *, identity: str, **config: Any
) -> Charging:
    """A one-connector station (readings every 0.1 s) booted on `csms`, given `limit` as a
    profile, with a transaction started on connector 1."""
    station = create_station(StationConfig(
        identity=identity, password=PASSWORD, protocol=protocol, url=csms.url, connectors=1,
        meter_value_interval=0.1, transaction_duration=0, response_timeout=2, **config,
    ))  # fmt: skip
    runner = asyncio.create_task(station.run())
    await wait_for(station.booted.is_set)
    payload = set_profile_payload(OcppVersion(protocol), limit, now=NOW)
    reply = await csms.call(identity, "SetChargingProfile", payload)
    station.start_transaction(1, "TOKEN")
    action = "MeterValues" if protocol == "ocpp1.6" else "TransactionEvent"
    return Charging(station, runner, reply, action)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_car_draws_within_the_profile_and_the_station_reports_it(protocol: str) -> None:
    version = OcppVersion(protocol)
    limit = ProfileLimit(profile_id=5, purpose="tx_default", evse_id=0, limit_amps=10)
    watts = 10 * 3 * 230

    async def scenario() -> None:
        async with FakeCsms() as csms:
            car = await charging_under(csms, protocol, limit, identity=f"P-{protocol}",
                                       car_max_amps=32)  # fmt: skip
            await wait_for(lambda: len(power_readings(car.readings(csms))) >= 3)
            composite = await csms.call(f"P-{protocol}", "GetCompositeSchedule",
                                        composite_schedule_payload(version, evse_id=1))  # fmt: skip
            await car.stop()
            assert car.reply[2]["status"] == "Accepted"
            drawn = [w for w in power_readings(car.readings(csms)) if w > 0]
            assert drawn and all(0.95 * watts <= w <= watts for w in drawn), drawn
            schedule = composite[2].get("chargingSchedule") or composite[2]["schedule"]
            assert schedule["chargingSchedulePeriod"][0]["limit"] == 10
            assert car.station.profiles.log[-1][1:] == (1, 10.0)

    asyncio.run(scenario())


MIDNIGHT = 1_796_515_200.0  # 2026-12-05T00:00:00Z
EVENING = ((0, 32.0), (61_200, 16.0), (75_600, 32.0))


def daily_profile(pid: int = 4) -> Profile:
    return Profile(pid, "station_max", 0, 0, "", 32.0, periods=EVENING, kind="Recurring",
                   recurrency="Daily", start=MIDNIGHT)  # fmt: skip


def test_a_daily_schedule_applies_its_period_of_the_day_every_day() -> None:
    store = ProfileStore()
    store.install(daily_profile())
    for day in (0, 1, 30):
        at = MIDNIGHT + day * 86_400
        assert store.limit(1, None, at=at + 3_600) == 32  # 01:00
        assert store.limit(1, None, at=at + 18 * 3_600) == 16  # 18:00
        assert store.limit(1, None, at=at + 22 * 3_600) == 32  # 22:00
    since = MIDNIGHT + 86_400 + 12 * 3_600  # noon, the next day
    assert store.limit_changes(1, None, since=since, until=since + 86_400) == [
        MIDNIGHT + 86_400 + 61_200, MIDNIGHT + 86_400 + 75_600, MIDNIGHT + 2 * 86_400,
    ]  # fmt: skip


def test_a_recurrence_begins_at_its_start() -> None:
    store = ProfileStore()
    store.install(daily_profile())
    assert store.limit(1, None, at=MIDNIGHT - 3_600) is None
    assert store.limit_changes(1, None, since=MIDNIGHT - 86_400, until=MIDNIGHT + 3_600) == [
        MIDNIGHT
    ]


def test_a_relative_schedule_counts_from_the_transactions_start() -> None:
    store = ProfileStore()
    store.install(Profile(5, "tx_default", 1, 0, "", 20.0, periods=((0, 20.0), (600, 10.0)),
                          kind="Relative"))  # fmt: skip
    assert store.limit(1, "T1", at=1_000.0 + 599, started=1_000.0) == 20
    assert store.limit(1, "T1", at=1_000.0 + 600, started=1_000.0) == 10


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_station_refuses_more_periods_than_it_takes_and_says_how_many(protocol: str) -> None:
    station: Any = create_station(
        StationConfig(identity="MAX", protocol=protocol, max_schedule_periods=2)
    )
    assert station.profile_install(daily_profile()) == "Rejected"
    assert not station.profiles.profiles
    two = Profile(6, "station_max", 0, 0, "", 32.0, periods=EVENING[:2], kind="Absolute")
    assert station.profile_install(two) == "Accepted"
    if protocol == "ocpp1.6":
        assert station.configuration["ChargingScheduleMaxPeriods"] == ("2", True)
    else:
        assert station.device_model.value("SmartChargingCtrlr", "PeriodsPerSchedule") == "2"


def test_the_composite_schedule_shows_the_next_periods_of_a_recurring_profile() -> None:
    station: Any = create_station(StationConfig(identity="CMP", protocol="ocpp2.0.1"))
    now = time.time()
    # From 10 minutes ago, daily: 10 A for an hour, then 20 A.
    profile = Profile(7, "station_max", 0, 0, "", 10.0, periods=((0, 10.0), (3_600, 20.0)),
                      kind="Recurring", recurrency="Daily", start=now - 600)  # fmt: skip
    assert station.profile_install(profile) == "Accepted"
    schedule = station.composite_schedule(1, 7_200, "A")
    periods = [(p["start_period"], p["limit"]) for p in schedule["charging_schedule_period"]]
    assert periods[0] == (0, 10.0) and periods[1][1] == 20.0
    assert 2_990 <= periods[1][0] <= 3_000 and len(periods) == 2
    assert station.profiles.held[1] == 10.0


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_car_draws_by_the_period_in_force(protocol: str) -> None:
    # From each transaction's start: 10 A for its first 2 s (readings every 0.1 s), then 6 A.
    limit = ProfileLimit(profile_id=8, purpose="tx_default", evse_id=0, limit_amps=10,
                         periods=((0, 10.0), (2, 6.0)))  # fmt: skip
    first, then = 10 * 3 * 230, 6 * 3 * 230

    async def scenario() -> None:
        async with FakeCsms() as csms:
            car = await charging_under(csms, protocol, limit, identity=f"S-{protocol}",
                                       car_max_amps=32)  # fmt: skip

            def lowered() -> bool:
                drawn = [w for w in power_readings(car.readings(csms)) if w > 0]
                return bool(drawn) and drawn[-1] <= then

            await wait_for(lowered, timeout=15)
            await car.stop()
            assert car.reply[2]["status"] == "Accepted"
            drawn = [w for w in power_readings(car.readings(csms)) if w > 0]
            assert 0.95 * first <= drawn[0] <= first, drawn
            assert 0.95 * then <= drawn[-1] <= then, drawn
            assert [held for _, _, held in car.station.profiles.log][-2:] == [10.0, 6.0]

    asyncio.run(scenario())


def energy_rate_w(payloads: list[dict[str, Any]], acceleration: float) -> float:
    """The mean power (W) the energy readings imply, from the first to the last."""
    readings = [
        (datetime.fromisoformat(meter_value["timestamp"]), float(sampled["value"]))
        for payload in payloads
        for meter_value in payload.get("meterValue") or []
        for sampled in meter_value["sampledValue"]
        if sampled.get("measurand") == ENERGY
    ]
    (t0, e0), (t1, e1) = readings[0], readings[-1]
    return (e1 - e0) * 3600 / ((t1 - t0).total_seconds() * acceleration)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_car_that_takes_less_than_its_limit_draws_and_reports_what_it_takes(
    protocol: str,
) -> None:
    limit = ProfileLimit(profile_id=5, purpose="tx_default", evse_id=0, limit_amps=10)
    per_amp = 3 * 230

    async def scenario() -> None:
        async with FakeCsms() as csms:
            car = await charging_under(csms, protocol, limit, identity=f"S-{protocol}",
                                       car_max_amps=6, time_acceleration=3600)  # fmt: skip
            await wait_for(lambda: len(power_readings(car.readings(csms))) >= 6)
            slow = [p for p in car.readings(csms) if any(power_readings([p]))]  # once charging
            car.station.connectors[1].meter.car_takes(20)  # more than the limit now
            seen = len(car.readings(csms))
            await wait_for(lambda: len(power_readings(car.readings(csms)[seen:])) >= 6)
            capped = car.readings(csms)[seen + 1 :]
            await car.stop()
            drawn = power_readings(slow)
            assert drawn and all(0.95 * 6 * per_amp <= w <= 6 * per_amp for w in drawn), drawn
            assert 0.9 * 6 * per_amp <= energy_rate_w(slow, 3600) <= 1.05 * 6 * per_amp
            drawn = power_readings(capped)
            assert drawn and all(0.95 * 10 * per_amp <= w <= 10 * per_amp for w in drawn), drawn
            assert 0.9 * 10 * per_amp <= energy_rate_w(capped, 3600) <= 1.05 * 10 * per_amp

    asyncio.run(scenario())
