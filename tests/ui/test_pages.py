"""The web UI's pages and console endpoints through Django's test client: who may see them,
what they show, how the console refuses."""

import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from assets.station_reports import asset_record_boot, connector_record_status
from charging.services import session_start_v16
from ocpp_bridge.frame_log import frame_record
from ocpp_bridge.models import Direction, OcppCall
from ocpp_bridge.station_events import StationRef
from tests.security.permissions import grant_command_station
from ui import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    """A staff user who may also command stations through the console."""
    user = django_user_model.objects.create_user("operator", password="pw", is_staff=True)
    return grant_command_station(user)


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def online(asset, protocol: str = "ocpp1.6"):
    """A station the UI shows as online (the connection itself is the consumers' business)."""
    asset.is_online = True
    asset.protocol = protocol
    asset.last_seen_at = datetime.now(UTC)
    asset.save()
    return asset


def send(client, asset, body) -> tuple[int, dict]:
    url = reverse("ui:console-send", args=[asset.pk])
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(url, data, content_type="application/json")
    return response.status_code, response.json()


def test_root_is_the_dashboard(operator_client) -> None:
    response = operator_client.get("/")
    assert response.status_code == 200 and response.templates[0].name == "ui/dashboard/page.html"


@pytest.mark.parametrize("page", ["ui:stations", "ui:station"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, make_station, page) -> None:
    args = [make_station("CP-1").pk] if page == "ui:station" else []
    response = client.get(reverse(page, args=args))
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/?next=")


def test_user_who_is_not_staff_is_sent_to_the_login_page(client, django_user_model) -> None:
    client.force_login(django_user_model.objects.create_user("driver", password="pw"))
    response = client.get(reverse("ui:stations"))
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_console_refuses_anonymous_requests_with_403(client, make_station) -> None:
    status, body = send(client, make_station("CP-1"), {"action": "Reset", "payload": {}})
    assert status == 403 and body["error"]["code"] == "not_authorized"


def test_overview_lists_stations_with_network_state_and_connectors(
    operator_client, make_station
) -> None:
    station = online(make_station("CP-1", network_name="north"))
    make_station("CP-2", network_name="south")
    connector_record_status(
        asset_id=station.pk, evse_id=1, connector_id=1, status="Charging", at=None
    )

    page = operator_client.get(reverse("ui:stations")).content.decode()

    assert "CP-1" in page and "CP-2" in page and "north" in page and "south" in page
    assert 'data-connector="1-1" data-status="Charging"' in page
    assert "<strong>1</strong> online of 2 stations" in page
    assert reverse("ui:station", args=[station.pk]) in page


def shown(client, **query) -> set[str]:
    response = client.get(reverse("ui:stations"), query)
    assert response.status_code == 200
    return {station.identity for station in response.context["stations"]}


def test_overview_search_matches_identity_vendor_and_model(operator_client, make_station) -> None:
    make_station("CP-ALPHA")
    boot = make_station("CP-2")
    asset_record_boot(asset_id=boot.pk, info={"vendor": "Wallbox", "model": "Pulsar"})
    make_station("CP-3")

    assert shown(operator_client, q="alpha") == {"CP-ALPHA"}
    assert shown(operator_client, q="wallbox") == {"CP-2"}
    assert shown(operator_client, q="PULSAR") == {"CP-2"}
    assert shown(operator_client, q="CP-") == {"CP-ALPHA", "CP-2", "CP-3"}


def test_overview_filters_by_network_and_online_state(operator_client, make_station) -> None:
    north = online(make_station("N-ON", network_name="north")).network
    make_station("N-OFF", network_name="north")
    online(make_station("S-ON", network_name="south"))

    assert shown(operator_client, network=str(north.pk)) == {"N-ON", "N-OFF"}
    assert shown(operator_client, state="online") == {"N-ON", "S-ON"}
    assert shown(operator_client, state="offline") == {"N-OFF"}
    assert shown(operator_client, network=str(north.pk), state="online") == {"N-ON"}
    # A malformed network id filters nothing rather than failing.
    assert shown(operator_client, network="not-a-uuid") == {"N-ON", "N-OFF", "S-ON"}


def test_overview_part_is_served_alone_for_live_refresh(operator_client, make_station) -> None:
    make_station("CP-1")
    response = operator_client.get(reverse("ui:stations"), {"fragment": "stations"})
    html = response.content.decode()
    assert response.status_code == 200 and "CP-1" in html and "<html" not in html


def test_station_page_shows_connectors_sessions_and_conversation_newest_first(
    operator_client, make_station
) -> None:
    station = online(make_station("CP-1"))
    connector_record_status(
        asset_id=station.pk, evse_id=2, connector_id=1, status="Faulted", at=None
    )
    session_start_v16(
        asset_id=station.pk, connector_id=2, id_tag="TAG-42", meter_start=0,
        timestamp=datetime.now(UTC),
    )  # fmt: skip
    ref = StationRef(station.pk, station.identity, station.network_id, station.protocol)
    for message_id, action in (("first", "Heartbeat"), ("second", "StatusNotification")):
        frame_record(
            station=ref, connection_id=None, direction=Direction.IN, message_type=2,
            message_id=message_id, action=action, payload={},
        )  # fmt: skip

    response = operator_client.get(reverse("ui:station", args=[station.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-connector="2-1" data-status="Faulted"' in page
    assert "TAG-42" in page
    assert page.index('data-message-id="second"') < page.index('data-message-id="first"')
    assert "<option selected>TriggerMessage</option>" in page
    assert "Reset" in response.context["console_actions"]
    assert "BootNotification" not in response.context["console_actions"]


def test_station_page_of_unknown_station_is_404(operator_client) -> None:
    url = reverse("ui:station", args=["00000000-0000-0000-0000-000000000000"])
    assert operator_client.get(url).status_code == 404


def test_console_refuses_an_offline_station_clearly(operator_client, make_station) -> None:
    station = make_station("CP-1", protocol="ocpp1.6")

    status, body = send(operator_client, station, {"action": "Reset", "payload": {"type": "Soft"}})

    assert status == 409
    assert body["error"] == {
        "code": "station_not_connected",
        "message": "Station CP-1 is not connected.",
        "details": {},
    }
    assert not OcppCall.objects.exists()


def test_console_refuses_a_payload_breaking_the_schema_naming_the_field(
    operator_client, make_station
) -> None:
    station = make_station("CP-1", protocol="ocpp1.6")

    status, body = send(
        operator_client, station, {"action": "ChangeAvailability", "payload": {"type": "Off"}}
    )

    assert status == 400 and body["error"]["code"] == "invalid_payload"
    assert body["error"]["details"] == {"field": "payload.connectorId"}
    assert "connectorId" in body["error"]["message"]


def test_console_refuses_an_action_the_protocol_lacks(operator_client, make_station) -> None:
    station = make_station("CP-1", protocol="ocpp1.6")
    status, body = send(operator_client, station, {"action": "SetVariables", "payload": {}})
    assert status == 400 and body["error"]["code"] == "unsupported_action"


@pytest.mark.parametrize(
    ("body", "code"),
    [("{not json", "malformed_json"), ({"payload": {}}, "invalid_request"),
     ({"action": "Reset", "payload": [1]}, "invalid_payload")],
)  # fmt: skip
def test_console_refuses_malformed_requests(operator_client, make_station, body, code) -> None:
    status, answer = send(operator_client, make_station("CP-1", protocol="ocpp1.6"), body)
    assert status == 400 and answer["error"]["code"] == code


def test_console_call_state_of_an_unknown_call_is_404(operator_client, make_station) -> None:
    station = make_station("CP-1")
    url = reverse("ui:console-call", args=[station.pk, "nope"])
    assert operator_client.get(url).status_code == 404


def test_overview_caps_the_list_and_says_so(operator_client, make_station, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "STATION_LIMIT", 2)
    for number in range(3):
        make_station(f"CP-{number}")

    response = operator_client.get(reverse("ui:stations"))

    assert [station.identity for station in response.context["stations"]] == ["CP-0", "CP-1"]
    assert "only the first 2 are shown" in response.content.decode()
