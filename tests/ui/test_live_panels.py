"""The live pushes of smart charging: a panel's page hears its re-balances (new total, shares,
chart point), a station's page hears its limits change and their answers arrive."""

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from assets.models import Asset, AssetGroup
from charging.models import ChargingSession
from ocpp_bridge.calls.outcomes import ocpp_call_fail, ocpp_call_record_result
from ocpp_bridge.models import CallState, OcppCall
from smart_charging.models import Panel, PanelStation, Purpose
from smart_charging.services import panel_create, panel_rebalance
from smart_charging.station_limits import charging_limit_set
from tests.ui.test_live import session_cookie, socket
from ui import live, panel_live

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("operator", password="pw", is_staff=True)


def panel_with_session(make_station, name: str) -> Panel:
    """A panel of one offline station charging (nothing is sent: it holds its fallback). Its
    rows are written directly: attaching through the service would ask for a re-balance on
    the embedded thread, whose pushes this test's in-memory channel layer may not deliver
    (it belongs to the test's event loop)."""
    station = make_station(f"{name}-1")
    site = AssetGroup.objects.create(network=station.network, name=f"{name} site")
    panel = panel_create(asset_group=site, name=name, capacity=32)
    PanelStation.objects.create(panel=panel, asset=station, fallback_amps=6)
    ChargingSession.objects.create(
        asset=station, transaction_id="7", evse_id=1, started_at=timezone.now()
    )
    return panel


async def test_panel_socket_of_a_user_who_is_not_staff_is_refused(
    django_user_model, make_station
) -> None:
    panel = await sync_to_async(panel_with_session)(make_station, "P")
    driver = await sync_to_async(django_user_model.objects.create_user)("driver", password="pw")
    cookie = await sync_to_async(session_cookie)(driver)
    communicator, connected = await socket(f"/ui/ws/panels/{panel.pk}/", cookie)
    assert not connected
    await communicator.disconnect()


async def test_panel_socket_of_an_unknown_panel_is_refused(staff) -> None:
    cookie = await sync_to_async(session_cookie)(staff)
    unknown = "6f1d7c3e-0000-4000-8000-00000000abcd"
    communicator, connected = await socket(f"/ui/ws/panels/{unknown}/", cookie)
    assert not connected
    await communicator.disconnect()


async def test_panel_socket_hears_its_panels_rebalances_only(staff, make_station) -> None:
    mine = await sync_to_async(panel_with_session)(make_station, "Mine")
    other = await sync_to_async(panel_with_session)(make_station, "Other")
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket(f"/ui/ws/panels/{mine.pk}/", cookie)
    assert connected

    await sync_to_async(panel_rebalance)(panel_id=other.pk)
    await sync_to_async(panel_rebalance)(panel_id=mine.pk)

    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["event"] == "rebalanced" and pushed["data"]["panelId"] == str(mine.pk)
    data = pushed["data"]
    assert data["heldTotal"] == 0.0  # offline: no limit sent, it holds its fallback
    assert [(s["identity"], s["limitAmps"], s["status"]) for s in data["shares"]] == [
        ("Mine-1", None, "fallback")
    ]
    assert data["point"]["capacityAmps"] == 32.0 and data["point"]["at"]
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_panel_socket_hears_its_stations_answer_their_limits(staff, make_station) -> None:
    panel = await sync_to_async(panel_with_session)(make_station, "Answers")
    station = await sync_to_async(Asset.objects.get)(identity="Answers-1")
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket(f"/ui/ws/panels/{panel.pk}/", cookie)
    assert connected

    call = await sync_to_async(sent_profile_call)(station, "limit-1")
    await sync_to_async(ocpp_call_record_result)(
        asset_id=station.pk, message_id=call.message_id, payload={"status": "Accepted"}
    )

    pushed = await communicator.receive_json_from(timeout=5)
    assert pushed["event"] == "limits" and pushed["data"]["callId"] == str(call.pk)
    await communicator.disconnect()


async def test_station_socket_hears_its_limits_set_and_answered(staff, make_station) -> None:
    station = await sync_to_async(make_station)("CP-LIVE-LIMIT", protocol="ocpp1.6")
    cookie = await sync_to_async(session_cookie)(staff)
    communicator, connected = await socket(f"/ui/ws/stations/{station.pk}/", cookie)
    assert connected

    await sync_to_async(charging_limit_set)(
        asset=station, purpose=Purpose.STATION_MAX, limit_amps=16
    )
    changed = await communicator.receive_json_from(timeout=5)
    assert changed == {"event": "limits", "data": {"assetId": str(station.pk)}}

    # A station has one call out at a time: one is answered (refused), the next one fails.
    answered = await sync_to_async(sent_profile_call)(station, "limit-1")
    await sync_to_async(ocpp_call_record_result)(
        asset_id=station.pk, message_id=answered.message_id, payload={"status": "Rejected"}
    )
    failed = await sync_to_async(sent_profile_call)(station, "limit-2")
    await sync_to_async(ocpp_call_fail)(call_id=failed.pk, reason="station_disconnected")

    first = await communicator.receive_json_from(timeout=5)
    second = await communicator.receive_json_from(timeout=5)
    assert first["event"] == second["event"] == "limits"
    assert (first["data"]["callId"], first["data"]["state"]) == (str(answered.pk), "answered")
    assert (second["data"]["callId"], second["data"]["state"]) == (str(failed.pk), "failed")
    await communicator.disconnect()


def sent_profile_call(station, message_id: str) -> OcppCall:
    return OcppCall.objects.create(
        asset=station,
        protocol="ocpp1.6",
        message_id=message_id,
        action="SetChargingProfile",
        payload={},
        state=CallState.SENT,
    )


def test_limit_and_panel_pushes_never_raise() -> None:
    live.calls_finished([{"action": "SetChargingProfile"}])
    live.charging_limits_changed({})
    panel_live.panels_rebalanced([{}])
