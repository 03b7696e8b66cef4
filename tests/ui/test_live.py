"""The browser's live socket: staff only, by session cookie; the pushes ui.live broadcasts."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from csms.asgi import application
from ocpp_bridge.station_events import connector_status_changed
from ui import live

pytestmark = pytest.mark.django_db(transaction=True)

SAME_SITE = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
ASSET_ID = "6f1d7c3e-0000-4000-8000-000000000001"


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


async def socket(path: str, *headers: tuple[bytes, bytes]) -> tuple[WebsocketCommunicator, bool]:
    communicator = WebsocketCommunicator(application, path, headers=[*SAME_SITE, *headers])
    connected, _ = await communicator.connect()
    return communicator, connected


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", password="pw", is_staff=True)


async def test_anonymous_socket_is_refused() -> None:
    communicator, connected = await socket("/ui/ws/stations/")
    assert not connected
    await communicator.disconnect()


async def test_socket_of_a_user_who_is_not_staff_is_refused(django_user_model) -> None:
    driver = await sync_to_async(django_user_model.objects.create_user)("driver", password="pw")
    cookie = await sync_to_async(session_cookie)(driver)
    communicator, connected = await socket("/ui/ws/stations/", cookie)
    assert not connected
    await communicator.disconnect()


async def test_socket_from_another_site_is_refused(staff) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    headers = [(b"host", b"testserver"), (b"origin", b"http://evil.example"), cookie]
    communicator = WebsocketCommunicator(application, "/ui/ws/stations/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_overview_socket_hears_connectivity_and_connector_status(staff) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket("/ui/ws/stations/", cookie)
    assert connected

    await sync_to_async(live.station_connectivity_changed)(
        {"assetId": ASSET_ID, "chargingStationId": "CP-1", "online": True, "at": "now"}
    )
    await sync_to_async(live.connector_status_changed)(
        {"assetId": ASSET_ID, "evseId": 1, "connectorId": 1, "status": "Faulted"}
    )

    first = await communicator.receive_json_from(timeout=5)
    second = await communicator.receive_json_from(timeout=5)
    assert first["event"] == "connectivity" and first["data"]["online"] is True
    assert second["event"] == "connector" and second["data"]["status"] == "Faulted"
    await communicator.disconnect()


async def test_overview_socket_hears_what_the_domain_publishes_on_the_station_fanout(
    staff,
) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket("/ui/ws/stations/", cookie)
    assert connected

    await sync_to_async(connector_status_changed)(
        asset_id=ASSET_ID, evse_id=1, connector_id=2, status="Faulted", error_code="", at=None
    )

    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["event"] == "connector" and pushed["data"]["connectorId"] == 2
    await communicator.disconnect()


async def test_station_socket_hears_that_stations_frames_only(staff) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket(f"/ui/ws/stations/{ASSET_ID}/", cookie)
    assert connected
    other = ASSET_ID[:-1] + "2"

    frame = {"assetId": other, "direction": "toStation", "messageId": "x", "payload": {}}
    await sync_to_async(live.frames_logged)([frame])
    await sync_to_async(live.frames_logged)([{**frame, "assetId": ASSET_ID, "messageId": "mine"}])

    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["event"] == "frame" and pushed["data"]["messageId"] == "mine"
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_huge_payloads_are_not_pushed(staff) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, _ = await socket(f"/ui/ws/stations/{ASSET_ID}/", cookie)
    payload = {"data": "x" * (live.MAX_PUSHED_PAYLOAD_CHARS + 1)}

    await sync_to_async(live.frames_logged)(
        [{"assetId": ASSET_ID, "direction": "fromStation", "payload": payload}]
    )

    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["data"]["payload"] is None and pushed["data"]["payloadTooLarge"] > 16_000
    await communicator.disconnect()


def test_pushes_never_raise_on_the_chargers_path() -> None:
    live.frames_logged([{}])
    live.station_connectivity_changed({"online": True})
    live.connector_status_changed({"status": "Available"})
