"""A daphne process killed outright: another process takes its stations offline and fails the
calls they carried, within a few heartbeats."""

import asyncio
import signal
from contextlib import ExitStack
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from assets.models import Asset
from ocpp_bridge.models import CallState, ChargerConnection, OcppCall
from tests.e2e.raw_station import RawStation
from tests.e2e.test_station_over_daphne import auth_header
from tests.servers import daphne_popen
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BEAT = {"OCPP_SERVER_BEAT_SECONDS": "0.5"}


def connect_station(address: str, identity: str):
    return connect(
        f"ws://{address}/ocpp/{identity}",
        subprotocols=["ocpp1.6"],
        additional_headers=auth_header(identity),
    )


def test_stations_of_a_killed_process_go_offline(
    make_station, server_logs: Path, django_db_blocker
) -> None:
    victim_station = make_station("CP-VICTIM")
    make_station("CP-SURVIVOR")
    with ExitStack() as stack:
        victim, victim_process = stack.enter_context(
            daphne_popen(server_logs / "victim.log", **BEAT)
        )
        survivor, _ = stack.enter_context(daphne_popen(server_logs / "survivor.log", **BEAT))
        asyncio.run(kill_while_connected(victim, survivor, victim_process, victim_station.pk))

    asset = Asset.objects.get(pk=victim_station.pk)
    assert not asset.is_online and asset.current_connection_id is None
    connection = ChargerConnection.objects.get(asset=asset)
    assert connection.close_reason == ChargerConnection.CloseReason.SERVER_LOST
    call = OcppCall.objects.get(message_id="in-flight")
    assert call.state == CallState.FAILED and call.failure_reason == "server_lost"


async def kill_while_connected(victim: str, survivor: str, process, asset_id) -> None:
    async with RawStation(survivor, "CP-SURVIVOR", "ocpp2.0.1"):
        station = RawStation(victim, "CP-VICTIM", "ocpp2.0.1")
        await station.__aenter__()
        asset = await Asset.objects.select_related("current_connection").aget(pk=asset_id)
        assert asset.is_online
        await OcppCall.objects.acreate(
            asset=asset,
            connection=asset.current_connection,
            protocol="ocpp2.0.1",
            message_id="in-flight",
            action="Reset",
            state=CallState.SENT,
        )
        process.send_signal(signal.SIGKILL)
        process.wait()

        async def offline() -> bool:
            return not (await Asset.objects.aget(pk=asset_id)).is_online

        assert await wait_for(offline), "the killed process's station stayed online"
        # The survivor's own station is untouched.
        assert (await Asset.objects.aget(identity="CP-SURVIVOR")).is_online


def test_a_process_shut_down_takes_its_stations_offline(make_station, server_logs: Path) -> None:
    station = make_station("CP-SHUTDOWN")
    make_station("CP-SURVIVOR")

    async def connect_then_stop(address: str, survivor: str, process) -> None:
        async with RawStation(survivor, "CP-SURVIVOR", "ocpp2.0.1"):
            async with connect_station(address, "CP-SHUTDOWN") as ws:
                await ws.send('[2,"hb","Heartbeat",{}]')
                assert (await ws.recv()).startswith('[3,"hb"')
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 10)

            async def offline() -> bool:
                return not (await Asset.objects.aget(pk=station.pk)).is_online

            assert await wait_for(offline)

    with ExitStack() as stack:
        address, process = stack.enter_context(daphne_popen(server_logs / "stopping.log", **BEAT))
        survivor, _ = stack.enter_context(daphne_popen(server_logs / "staying.log", **BEAT))
        asyncio.run(connect_then_stop(address, survivor, process))
    connection = ChargerConnection.objects.get(asset=station)
    # Recorded by the stopping process itself, or, if it could not, swept by the survivor.
    assert connection.close_reason in {
        ChargerConnection.CloseReason.SERVER_SHUTDOWN,
        ChargerConnection.CloseReason.SERVER_LOST,
    }
