"""The simulated station obeys the charging profiles it is sent: its composite limit, the
power its car draws and reports, and its answer to GetCompositeSchedule, in every version."""

import asyncio
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


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_car_draws_within_the_profile_and_the_station_reports_it(protocol: str) -> None:
    version = OcppVersion(protocol)
    limit = ProfileLimit(profile_id=5, purpose="tx_default", evse_id=0, limit_amps=10)
    watts = 10 * 3 * 230

    async def scenario() -> None:
        async with FakeCsms() as csms:
            config = StationConfig(
                identity=f"P-{protocol}", password=PASSWORD, protocol=protocol, url=csms.url,
                connectors=1, meter_value_interval=0.1, transaction_duration=0,
                car_max_amps=32, response_timeout=2,
            )  # fmt: skip
            station = create_station(config)
            runner = asyncio.create_task(station.run())
            await wait_for(station.booted.is_set)
            reply = await csms.call(config.identity, "SetChargingProfile",
                                    set_profile_payload(version, limit, now=NOW))  # fmt: skip
            station.start_transaction(1, "TOKEN")
            action = "MeterValues" if protocol == "ocpp1.6" else "TransactionEvent"
            await wait_for(lambda: len(power_readings(csms.sent(action))) >= 3)
            composite = await csms.call(config.identity, "GetCompositeSchedule",
                                        composite_schedule_payload(version, evse_id=1))  # fmt: skip
            await station.stop()
            await runner
            assert reply[2]["status"] == "Accepted"
            drawn = [w for w in power_readings(csms.sent(action)) if w > 0]
            assert drawn and all(0.95 * watts <= w <= watts for w in drawn), drawn
            schedule = composite[2].get("chargingSchedule") or composite[2]["schedule"]
            assert schedule["chargingSchedulePeriod"][0]["limit"] == 10
            assert station.profiles.log[-1][1:] == (1, 10.0)

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
    version = OcppVersion(protocol)
    limit = ProfileLimit(profile_id=5, purpose="tx_default", evse_id=0, limit_amps=10)
    per_amp = 3 * 230

    async def scenario() -> None:
        async with FakeCsms() as csms:
            config = StationConfig(
                identity=f"S-{protocol}", password=PASSWORD, protocol=protocol, url=csms.url,
                connectors=1, meter_value_interval=0.1, transaction_duration=0,
                car_max_amps=6, time_acceleration=3600, response_timeout=2,
            )  # fmt: skip
            station = create_station(config)
            runner = asyncio.create_task(station.run())
            await wait_for(station.booted.is_set)
            await csms.call(config.identity, "SetChargingProfile",
                            set_profile_payload(version, limit, now=NOW))  # fmt: skip
            station.start_transaction(1, "TOKEN")
            action = "MeterValues" if protocol == "ocpp1.6" else "TransactionEvent"
            await wait_for(lambda: len(power_readings(csms.sent(action))) >= 6)
            slow = [p for p in csms.sent(action) if any(power_readings([p]))]  # once charging
            station.connectors[1].meter.car_takes(20)  # more than the limit now
            seen = len(csms.sent(action))
            await wait_for(lambda: len(power_readings(csms.sent(action)[seen:])) >= 6)
            capped = csms.sent(action)[seen + 1 :]
            await station.stop()
            await runner
            drawn = power_readings(slow)
            assert drawn and all(0.95 * 6 * per_amp <= w <= 6 * per_amp for w in drawn), drawn
            assert 0.9 * 6 * per_amp <= energy_rate_w(slow, 3600) <= 1.05 * 6 * per_amp
            drawn = power_readings(capped)
            assert drawn and all(0.95 * 10 * per_amp <= w <= 10 * per_amp for w in drawn), drawn
            assert 0.9 * 10 * per_amp <= energy_rate_w(capped, 3600) <= 1.05 * 10 * per_amp

    asyncio.run(scenario())
