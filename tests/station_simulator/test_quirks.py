"""Each quirk of real stations, as a local CSMS sees it on a real socket; and the ledger."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest

from station_simulator import QUIRKS, forward_energy, parse_quirks
from station_simulator.quirks import applicable
from tests.station_simulator.fake_csms import FakeCsms, run_one, wait_for

V2 = ("ocpp2.0.1", "ocpp2.1")
ALL_VERSIONS = ("ocpp1.6", *V2)


def _stopped(station: Any) -> bool:
    return bool(station.report.ledger) and all(t.ended_at for t in station.report.ledger)


def _timestamps(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "timestamp"] + [
            t for v in value.values() for t in _timestamps(v)
        ]
    if isinstance(value, list):
        return [t for v in value for t in _timestamps(v)]
    return []


def _energy(payload: dict[str, Any]) -> list[float]:
    """The energy register readings in a 1.6 or 2.x payload, in order."""
    meter_values = payload.get("meterValue") or payload.get("transactionData") or []
    return [
        float(sample["value"])
        for value in meter_values
        for sample in value["sampledValue"]
        if sample.get("measurand") == "Energy.Active.Import.Register"
    ]


def test_quirk_names_parse_and_all_means_every_one() -> None:
    assert parse_quirks("all") == frozenset(QUIRKS)
    assert parse_quirks(" stuck-clock, pipelined ,") == {"stuck-clock", "pipelined"}
    assert applicable(parse_quirks("all"), "ocpp2.1") >= {"remote-start-without-token"}
    assert "abandon-refused" not in applicable(parse_quirks("all"), "ocpp2.0.1")
    with pytest.raises(ValueError, match="no-such-quirk"):
        parse_quirks("stuck-clock,no-such-quirk")


def test_forward_energy_counts_only_forward_steps() -> None:
    assert forward_energy([5000, 5400, 0, 300, 200, 250]) == 400 + 300 + 50


def test_abandon_refused_gives_up_without_stop_and_reports_available() -> None:
    async def scenario() -> None:
        async with FakeCsms(verdict=lambda token: "ConcurrentTx") as csms:
            station = await run_one(
                csms, "ocpp1.6", "abandon-refused", transactions=1, until=_stopped
            )
            (record,) = station.report.ledger
            assert record.refused and record.start_status == "ConcurrentTx"
            assert not record.stopped and record.energy_wh == 0
            assert csms.sent("StopTransaction") == []
            assert csms.sent("StatusNotification")[-1]["status"] == "Available"

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_a_refused_start_is_stopped_at_once_without_energy(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms(verdict=lambda token: "Blocked") as csms:
            station = await run_one(
                csms, protocol, "start-without-authorize", transactions=1, until=_stopped
            )
            (record,) = station.report.ledger
            assert record.refused and record.start_status == "Blocked"
            assert record.stopped and record.stop_reason == "DeAuthorized"
            assert record.energy_wh == 0 and len(record.readings) >= 2
            assert csms.sent("Authorize") == []

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_stuck_clock_puts_one_timestamp_on_every_message(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            await run_one(
                csms, protocol, "stuck-clock", transactions=2,
                until=lambda s: len([t for t in s.report.ledger if t.stopped]) == 2,
            )  # fmt: skip
            stamps = _timestamps(csms.sent())
            assert len(stamps) > 10 and len(set(stamps)) == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", V2)
def test_remote_start_without_token_leaves_the_token_out(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:

            async def remote_start(station: Any) -> None:
                await wait_for(lambda: station.booted.is_set() and csms.connections)
                token = {"idToken": "DRIVER-7", "type": "Central"}
                reply = await csms.call(
                    station.id, "RequestStartTransaction", {"idToken": token, "remoteStartId": 42}
                )
                assert reply[2] == {"status": "Accepted"}

            started = asyncio.get_running_loop().create_future()

            def until(station: Any) -> bool:
                if not started.done():
                    started.set_result(asyncio.create_task(remote_start(station)))
                return _stopped(station)

            station = await run_one(csms, protocol, "remote-start-without-token", until=until)
            await started.result()
            events = csms.sent("TransactionEvent")
            assert events[0]["transactionInfo"]["remoteStartId"] == 42
            assert events[-1]["eventType"] == "Ended"
            assert all("idToken" not in event for event in events)
            (record,) = station.report.ledger
            assert record.id_token == "DRIVER-7" and record.remote_start_id == 42

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_meter_reset_goes_back_to_zero_once_and_the_ledger_counts_forward(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await run_one(csms, protocol, "meter-reset", transactions=1, until=_stopped)
            readings = [v for payload in csms.sent() for v in _energy(payload)]
            if protocol == "ocpp1.6":
                start = csms.sent("StartTransaction")[0]["meterStart"]
                readings = [start, *readings, csms.sent("StopTransaction")[0]["meterStop"]]
            drops = [(a, b) for a, b in itertools.pairwise(readings) if b < a]
            assert len(drops) == 1 and drops[0][0] > 0 and drops[0][1] == 0
            (record,) = station.report.ledger
            assert record.meter_reset and record.energy_wh == forward_energy(readings) > 0

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_pipelined_sends_the_next_call_before_the_previous_answer(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms(answer_delay=0.05) as csms:
            station = await run_one(csms, protocol, "pipelined", transactions=1, until=_stopped)
            assert any(call.overlapped for call in csms.calls)
            assert station.report.errors == []
            assert station.unanswered_pipelined == 0 or station.report.messages_answered > 0

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_duplicate_stop_sends_the_same_stop_twice(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            await run_one(csms, protocol, "duplicate-stop", transactions=1, until=_stopped)
            if protocol == "ocpp1.6":
                stops = csms.sent("StopTransaction")
            else:
                stops = [e for e in csms.sent("TransactionEvent") if e["eventType"] == "Ended"]
            assert len(stops) == 2 and stops[0] == stops[1]

    asyncio.run(scenario())


def test_duplicate_start_repeats_the_start_and_keeps_the_second_answer() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await run_one(
                csms, "ocpp1.6", "duplicate-start", transactions=1, until=_stopped
            )
            starts = csms.sent("StartTransaction")
            assert len(starts) == 2 and starts[0] == starts[1]
            # The fake CSMS gives each start a new id: the station keeps the second one.
            (record,) = station.report.ledger
            assert record.transaction_id == "2"
            assert {s["transactionId"] for s in csms.sent("StopTransaction")} == {2}

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_available_before_stop_reports_the_connector_free_before_the_stop(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            await run_one(csms, protocol, "available-before-stop", transactions=1, until=_stopped)
            flow = [
                "stop" if c.action == "StopTransaction" or c.payload.get("eventType") == "Ended"
                else c.payload.get("status") or c.payload.get("connectorStatus")
                for c in csms.calls
                if c.action in ("StatusNotification", "StopTransaction", "TransactionEvent")
            ]  # fmt: skip
            stop = flow.index("stop")
            assert flow[stop - 1] == "Available"

    asyncio.run(scenario())


@pytest.mark.parametrize("protocol", ALL_VERSIONS)
def test_the_ledger_holds_each_transaction_with_the_energy_reported(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await run_one(
                csms, protocol, "", transactions=2,
                until=lambda s: len([t for t in s.report.ledger if t.stopped]) == 2,
            )  # fmt: skip
            first, second = station.report.ledger
            for record in (first, second):
                assert not record.refused and record.stopped and record.stop_reason == "Local"
                assert record.energy_wh == record.readings[-1] - record.readings[0] > 0
                assert record.id_token == "SIMTOKEN1" and record.connector_id == 1
            assert first.transaction_id != second.transaction_id
            if protocol == "ocpp1.6":
                stops = csms.sent("StopTransaction")
                assert [s["meterStop"] for s in stops] == [first.readings[-1], second.readings[-1]]

    asyncio.run(scenario())
