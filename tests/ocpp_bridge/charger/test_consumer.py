"""The charger WebSocket: handshake rules, CALLERRORs for bad frames, one live connection."""

import asyncio
import base64
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.testing import WebsocketCommunicator

from assets.models import Asset, RegistrationStatus
from csms.asgi import application
from ocpp_bridge.models import ChargerConnection, Direction, OcppFrame
from tests.conftest import STATION_PASSWORD
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

BOOT_201 = {"reason": "PowerUp", "chargingStation": {"model": "M1", "vendorName": "Acme"}}
BOOT_16 = {"chargePointVendor": "Acme", "chargePointModel": "M1"}


@pytest.fixture
def station(make_station) -> Asset:
    return make_station("CP-1")


async def handshake(identity: str, subprotocols: list[str], authorization: bytes | None) -> bool:
    headers = [(b"authorization", authorization)] if authorization else []
    communicator = WebsocketCommunicator(
        application, f"/ocpp/{identity}", headers=headers, subprotocols=subprotocols
    )
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


def basic(user: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


@pytest.mark.parametrize(
    ("identity", "subprotocols", "authorization"),
    [
        ("CP-1", ["ocpp2.0.1"], basic("CP-1", "wrong-password-123")),
        ("CP-1", ["ocpp2.0.1"], None),
        ("CP-1", ["ocpp2.0.1"], b"Bearer abc"),
        ("CP-1", ["ocpp2.0.1"], basic("CP-2", STATION_PASSWORD)),
        ("CP-1", ["ocpp1.5", "mqtt"], basic("CP-1", STATION_PASSWORD)),
        ("CP-1", [], basic("CP-1", STATION_PASSWORD)),
        ("NOPE", ["ocpp2.0.1"], basic("NOPE", STATION_PASSWORD)),
    ],
)
async def test_a_bad_handshake_is_refused_and_creates_nothing(
    station: Asset, identity: str, subprotocols: list[str], authorization: bytes | None
) -> None:
    assert not await handshake(identity, subprotocols, authorization)
    assert not await Asset.objects.filter(identity="NOPE").aexists()
    assert await ChargerConnection.objects.acount() == 0
    assert not (await Asset.objects.aget(pk=station.pk)).is_online


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
async def test_a_station_connects_with_its_protocol_and_goes_offline_on_close(
    station: Asset, protocol: str
) -> None:
    client = FakeStation("CP-1", protocol)
    connected, subprotocol = await client.connect()
    assert connected and subprotocol == protocol
    asset = await Asset.objects.aget(pk=station.pk)
    assert asset.is_online and asset.protocol == protocol and asset.current_connection_id
    await client.close()
    asset = await Asset.objects.aget(pk=station.pk)
    assert not asset.is_online and asset.current_connection_id is None
    connection = await ChargerConnection.objects.aget()
    assert connection.closed_at is not None and connection.close_reason == "disconnected"


async def test_a_consumer_cut_short_after_its_disconnect_records_it_as_a_disconnect(
    station: Asset,
) -> None:
    """daphne kills a consumer still busy with its disconnect after --application-close-timeout
    (thousands of closes at once): the close is recorded, with the station's close code."""
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=1))
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    busy = threading.Event()
    ahead = loop.run_in_executor(None, busy.wait, 5)  # the pool thread is taken by another close
    await client.communicator.send_input({"type": "websocket.disconnect", "code": 1001})
    await asyncio.sleep(0.2)  # the disconnect waits for the thread
    client.communicator.future.cancel()  # as daphne does when the timeout passes
    await asyncio.sleep(0.1)
    busy.set()
    await ahead
    with contextlib.suppress(asyncio.CancelledError):
        await client.communicator.future
    connection = await ChargerConnection.objects.aget()
    assert (connection.close_reason, connection.close_code) == ("disconnected", 1001)
    assert not (await Asset.objects.aget(pk=station.pk)).is_online


async def test_a_second_connection_replaces_the_first(station: Asset) -> None:
    first = FakeStation("CP-1", "ocpp2.0.1")
    await first.connect()
    second = FakeStation("CP-1", "ocpp2.0.1")
    await second.connect()
    closed = await first.communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4000}
    await first.communicator.wait()  # the old consumer's disconnect runs to its end
    asset = await Asset.objects.aget(pk=station.pk)
    live = await ChargerConnection.objects.filter(closed_at__isnull=True).aget()
    assert asset.is_online and asset.current_connection_id == live.pk
    assert await ChargerConnection.objects.filter(close_reason="replaced").acount() == 1
    reply = await second.call("Heartbeat", {})
    assert reply[0] == 3
    await second.close()


@pytest.mark.parametrize(
    ("protocol", "text", "expected"),
    [
        ("ocpp2.0.1", "{{{", [4, "-1", "RpcFrameworkError"]),
        ("ocpp1.6", "{{{", [4, "-1", "FormationViolation"]),
        ("ocpp2.0.1", '[2,"m1","Heartbeat"]', [4, "m1", "RpcFrameworkError"]),
        ("ocpp1.6", '[2,"m1","Heartbeat"]', [4, "m1", "ProtocolError"]),
        ("ocpp2.1", '[2,"m1","NoSuchAction",{}]', [4, "m1", "NotImplemented"]),
        ("ocpp2.0.1", '[2,"m1","Reset",{"type":"Immediate"}]', [4, "m1", "NotSupported"]),
        ("ocpp2.0.1", '[2,"m1","BootNotification",{}]', [4, "m1", "OccurrenceConstraintViolation"]),
        ("ocpp1.6", '[2,"m1","BootNotification",{}]', [4, "m1", "OccurenceConstraintViolation"]),
        ("ocpp1.6", '[2,"m1","Heartbeat",{"x":1}]', [4, "m1", "FormationViolation"]),
        ("ocpp2.1", '[2,"m1","Heartbeat",{"x":1}]', [4, "m1", "FormatViolation"]),
        (
            "ocpp2.0.1",
            '[2,"m1","StatusNotification",{"timestamp":"2024-01-01T00:00:00Z",'
            '"connectorStatus":"Sleeping","evseId":1,"connectorId":1}]',
            [4, "m1", "PropertyConstraintViolation"],
        ),
        (
            "ocpp1.6",
            '[2,"m1","StatusNotification",{"connectorId":"one","errorCode":"NoError",'
            '"status":"Available"}]',
            [4, "m1", "TypeConstraintViolation"],
        ),
        ("ocpp2.0.1", '[9,"m1",{}]', [4, "m1", "MessageTypeNotSupported"]),
    ],
)
async def test_a_bad_frame_gets_the_right_callerror_and_the_connection_stays_up(
    station: Asset, protocol: str, text: str, expected: list
) -> None:
    client = FakeStation("CP-1", protocol)
    await client.connect()
    reply = await client.send_text(text)
    assert reply[:3] == expected
    assert isinstance(reply[3], str) and isinstance(reply[4], dict)
    assert (await client.call("Heartbeat", {}))[0] == 3
    await client.close()
    logged = OcppFrame.objects.filter(direction=Direction.OUT, message_type=4)
    assert await logged.acount() == 1


@pytest.mark.parametrize(
    ("protocol", "depth", "answer"),
    [
        # Read, then refused for its depth, answered to its own message id.
        ("ocpp1.6", 400, ["m1", "FormationViolation", "nests deeper than 32"]),
        ("ocpp2.0.1", 400, ["m1", "FormatViolation", "nests deeper than 32"]),
        # Too deep for the parser itself: unreadable, as text that is not JSON.
        ("ocpp1.6", 100_000, ["-1", "FormationViolation", "nests too deeply"]),
        ("ocpp2.0.1", 100_000, ["-1", "RpcFrameworkError", "nests too deeply"]),
    ],
)
async def test_deep_json_gets_the_versions_callerror_is_logged_and_the_connection_stays_up(
    station: Asset, caplog, protocol: str, depth: int, answer: list
) -> None:
    caplog.set_level(logging.INFO)
    client = FakeStation("CP-1", protocol)
    await client.connect()
    nested = "[" * depth + "]" * depth
    reply = await client.send_text(f'[2,"m1","DataTransfer",{{"vendorId":"v","data":{nested}}}]')
    assert reply[1:3] == answer[:2] and reply[0] == 4
    assert answer[2] in reply[3]
    assert (await client.call("Heartbeat", {}))[0] == 3
    await client.close()
    assert f"Refused a frame of CP-1: Message {answer[2]}" in caplog.text
    logged = OcppFrame.objects.filter(direction=Direction.IN, raw__startswith='[2,"m1","Data')
    assert await logged.aexists()


async def test_a_1_6_station_ignores_unknown_message_types(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    await client.communicator.send_to(text_data='[9,"m1",{}]')
    assert await client.communicator.receive_nothing(timeout=0.3)
    assert (await client.call("Heartbeat", {}))[0] == 3
    await client.close()


async def test_an_oversized_frame_is_refused_with_a_format_violation(
    station: Asset, settings
) -> None:
    settings.OCPP_MAX_FRAME_BYTES = 200
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    payload = {"vendorId": "v", "data": "x" * 500}
    reply = await client.call("DataTransfer", payload)
    assert reply[:3] == [4, "1", "FormatViolation"]
    await client.close()


async def test_every_frame_is_logged_in_both_directions(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    await client.call("BootNotification", BOOT_201)
    await client.send_text("garbage")
    await client.close()
    frames = [
        (f.direction, f.message_type, f.action, f.raw)
        async for f in OcppFrame.objects.order_by("id")
    ]
    assert frames == [
        ("in", 2, "BootNotification", ""),
        ("out", 3, "BootNotification", ""),
        ("in", None, "", "garbage"),
        ("out", 4, "", ""),
    ]


async def test_a_rejected_station_gets_security_errors_until_it_is_accepted(
    station: Asset,
) -> None:
    await Asset.objects.filter(pk=station.pk).aupdate(
        registration_status=RegistrationStatus.REJECTED
    )
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    boot = await client.call("BootNotification", BOOT_16)
    assert boot[2]["status"] == "Rejected"
    assert (await client.call("Heartbeat", {}))[2] == "SecurityError"
    await Asset.objects.filter(pk=station.pk).aupdate(
        registration_status=RegistrationStatus.ACCEPTED
    )
    boot = await client.call("BootNotification", BOOT_16)
    assert boot[2]["status"] == "Accepted" and boot[2]["interval"] > 0
    assert (await client.call("Heartbeat", {}))[0] == 3
    await client.close()


async def test_a_frame_that_cannot_be_stored_gets_internal_error_and_the_socket_stays(
    station: Asset,
) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    # The station's record vanishes under the live connection: nothing can be written for it.
    await Asset.objects.filter(pk=station.pk).adelete()
    for _ in range(2):
        reply = await client.call("Heartbeat", {})
        assert reply[:3] == [4, reply[1], "InternalError"]
    await client.close()
