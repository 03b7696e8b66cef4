"""A station written with the `ocpp` package talks to a real daphne process over a real socket."""

import asyncio
import base64
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
import websockets
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v21 import ChargePoint as ChargePoint21
from ocpp.v21 import call as call21
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from websockets.asyncio.client import connect

from assets.models import Asset, Connector
from charging.models import ChargingSession, MeterSample, SessionStatus
from ocpp_bridge.models import ChargerConnection, OcppFrame
from tests.conftest import STATION_PASSWORD
from tokens.models import IdToken

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def auth_header(identity: str, password: str = STATION_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{identity}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def run_station(
    address: str, identity: str, protocol: str, charge_point_class: type, script: Callable
) -> None:
    url = f"ws://{address}/ocpp/{identity}"
    async with connect(
        url, subprotocols=[protocol], additional_headers=auth_header(identity)
    ) as ws:
        assert ws.subprotocol == protocol
        charge_point = charge_point_class(identity, ws)
        listener = asyncio.create_task(charge_point.start())
        try:
            await script(charge_point)
        finally:
            listener.cancel()


def meter_201(kwh: float, context: str) -> list:
    return [
        {
            "timestamp": now(),
            "sampledValue": [{"value": kwh, "context": context, "unitOfMeasure": {"unit": "kWh"}}],
        }
    ]


async def script_16(cp: ChargePoint16) -> None:
    boot = await cp.call(
        call16.BootNotification(charge_point_vendor="Acme", charge_point_model="E2E")
    )
    assert boot.status == "Accepted"
    await cp.call(call16.Heartbeat())
    await cp.call(
        call16.StatusNotification(connector_id=1, error_code="NoError", status="Charging")
    )
    start = await cp.call(
        call16.StartTransaction(connector_id=1, id_tag="TAG", meter_start=100, timestamp=now())
    )
    meter = [{"timestamp": now(), "sampledValue": [{"value": "1100", "unit": "Wh"}]}]
    await cp.call(
        call16.MeterValues(connector_id=1, meter_value=meter, transaction_id=start.transaction_id)
    )
    await cp.call(
        call16.StopTransaction(
            meter_stop=2100, timestamp=now(), transaction_id=start.transaction_id
        )
    )


def script_2x(call_module) -> Callable[[object], Awaitable[None]]:
    async def script(cp) -> None:
        boot = await cp.call(
            call_module.BootNotification(
                charging_station={"model": "E2E", "vendor_name": "Acme"}, reason="PowerUp"
            )
        )
        assert boot.status == "Accepted"
        await cp.call(call_module.Heartbeat())
        await cp.call(
            call_module.StatusNotification(
                timestamp=now(), connector_status="Occupied", evse_id=1, connector_id=1
            )
        )
        for seq_no, (event_type, kwh, context) in enumerate(
            [("Started", 1.0, "Transaction.Begin"), ("Updated", 2.0, "Sample.Periodic"),
             ("Ended", 3.5, "Transaction.End")]
        ):  # fmt: skip
            await cp.call(
                call_module.TransactionEvent(
                    event_type=event_type,
                    timestamp=now(),
                    trigger_reason="Authorized" if seq_no == 0 else "MeterValuePeriodic",
                    seq_no=seq_no,
                    transaction_info={"transaction_id": "E2E-TX"},
                    evse={"id": 1, "connector_id": 1},
                    id_token={"id_token": "TAG", "type": "ISO14443"} if seq_no == 0 else None,
                    meter_value=meter_201(kwh, context),
                )
            )
        await cp.call(
            call_module.MeterValues(evse_id=1, meter_value=meter_201(3.5, "Sample.Clock"))
        )

    return script


CASES = [
    ("ocpp1.6", ChargePoint16, script_16, 2000),
    ("ocpp2.0.1", ChargePoint201, script_2x(call201), 2500),
    ("ocpp2.1", ChargePoint21, script_2x(call21), 2500),
]


@pytest.mark.parametrize(("protocol", "charge_point_class", "script", "energy_wh"), CASES)
def test_station_of_each_version_is_persisted(
    daphne_server: str, make_station, protocol, charge_point_class, script, energy_wh
) -> None:
    station = make_station("E2E-1")
    IdToken.objects.create(id_token="TAG")  # a start with an unknown tag is refused
    asyncio.run(run_station(daphne_server, "E2E-1", protocol, charge_point_class, script))

    asset = Asset.objects.get(pk=station.pk)
    assert (asset.vendor, asset.model, asset.protocol) == ("Acme", "E2E", protocol)
    connector = Connector.objects.get(asset=asset)
    assert connector.status in {"Charging", "Occupied"}
    session = ChargingSession.objects.get(asset=asset)
    assert session.status == SessionStatus.COMPLETED and session.energy_wh == energy_wh
    assert MeterSample.objects.filter(asset=asset).count() >= 1
    assert OcppFrame.objects.filter(asset=asset, direction="in").count() >= 6
    assert OcppFrame.objects.filter(asset=asset, direction="out", message_type=3).count() >= 6


def test_wrong_password_is_refused_over_a_real_socket(daphne_server: str, make_station) -> None:
    make_station("E2E-1")

    async def attempt() -> int:
        url = f"ws://{daphne_server}/ocpp/E2E-1"
        headers = auth_header("E2E-1", "not-the-password")
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect(url, subprotocols=["ocpp2.0.1"], additional_headers=headers):
                pass
        return refused.value.response.status_code

    assert asyncio.run(attempt()) in (401, 403)
    assert ChargerConnection.objects.count() == 0


def test_bad_frames_over_a_real_socket_keep_the_connection(
    daphne_server: str, make_station
) -> None:
    make_station("E2E-1")

    async def talk() -> list[str]:
        url = f"ws://{daphne_server}/ocpp/E2E-1"
        headers = auth_header("E2E-1")
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=headers) as ws:
            replies = []
            for text in ("not json", '[2,"a","Heartbeat",{"x":1}]', '[2,"b","Heartbeat",{}]'):
                await ws.send(text)
                replies.append(await asyncio.wait_for(ws.recv(), 5))
            return replies

    replies = asyncio.run(talk())
    assert replies[0].startswith('[4,"-1","FormationViolation"')
    assert replies[1].startswith('[4,"a","FormationViolation"')
    assert replies[2].startswith('[3,"b",{"currentTime"')


def test_a_second_connection_replaces_the_first_over_real_sockets(
    daphne_server: str, make_station
) -> None:
    station = make_station("E2E-1")

    async def twice() -> tuple[int | None, str]:
        url = f"ws://{daphne_server}/ocpp/E2E-1"
        headers = auth_header("E2E-1")
        async with (
            connect(url, subprotocols=["ocpp2.0.1"], additional_headers=headers) as first,
            connect(url, subprotocols=["ocpp2.0.1"], additional_headers=headers) as second,
        ):
            await asyncio.wait_for(first.wait_closed(), 5)
            await second.send('[2,"h","Heartbeat",{}]')
            reply = await asyncio.wait_for(second.recv(), 5)
            return first.close_code, reply

    close_code, reply = asyncio.run(twice())
    assert close_code == 4000 and reply.startswith('[3,"h"')
    assert ChargerConnection.objects.filter(asset=station, close_reason="replaced").count() == 1
    # Both are closed now, the newer one last: the station is offline.
    asset = Asset.objects.get(pk=station.pk)
    for _ in range(50):
        if not asset.is_online:
            break
        asyncio.run(asyncio.sleep(0.1))
        asset.refresh_from_db()
    assert not asset.is_online
