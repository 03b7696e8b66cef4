"""A bad raw request is a 4xx with a code naming the problem, before anything is sent."""

import pytest

from assets.models import Asset
from ocpp_bridge.models import OcppCall

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(client_with, make_station):
    make_station("CP-1", protocol="ocpp2.0.1")
    make_station("CP-16", protocol="ocpp1.6")
    return client_with()


def post(api, **body: object) -> tuple[int, dict]:
    request = {"action": "Reset", "assetId": "CP-1", "payload": {"type": "Immediate"}}
    request.update(body)
    request = {k: v for k, v in request.items() if v is not None}
    response = api.post("/ocpp/v2/raw-request", request)
    return response.status_code, response.json()["error"]


@pytest.mark.parametrize(
    ("body", "status", "code", "mentions"),
    [
        ({"action": None}, 400, "invalid_request", "action"),
        ({"assetId": None}, 400, "invalid_request", "assetId"),
        ({"payload": "text"}, 400, "invalid_request", "payload"),
        ({"async": "perhaps"}, 400, "invalid_request", "async"),
        ({"action": "Frobnicate"}, 400, "unsupported_action", "Frobnicate"),
        ({"action": "Heartbeat", "payload": {}}, 400, "unsupported_action", "Heartbeat"),
        ({"payload": {"type": "Later"}}, 400, "invalid_payload", "payload.type"),
        ({"payload": {}}, 400, "invalid_payload", "payload.type"),
        ({"action": "RemoteStartTransaction", "payload": {"idTag": 5}, "assetId": "CP-16"},
         400, "invalid_payload", "payload.idTag"),
        ({"requestId": "x" * 37}, 400, "invalid_request_id", "36"),
        ({"requestId": ""}, 400, "invalid_request", "requestId"),
        ({"assetId": "NOPE"}, 404, "asset_not_found", "NOPE"),
        ({}, 409, "station_not_connected", "CP-1"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_clear_code(api, body, status, code, mentions) -> None:
    got_status, error = post(api, **body)
    assert (got_status, error["code"]) == (status, code), error
    assert mentions in error["message"] + str(error.get("details"))
    assert OcppCall.objects.count() == 0


def test_a_request_id_already_used_for_the_station_is_409(api) -> None:
    asset = Asset.objects.get(identity="CP-1")
    OcppCall.objects.create(asset=asset, protocol="ocpp2.0.1", message_id="used", action="Reset")
    # The station is not even connected: a reused id is refused before anything else.
    status, error = post(api, requestId="used")
    assert (status, error["code"]) == (409, "duplicate_request_id")
    assert OcppCall.objects.count() == 1


def test_malformed_json_is_400(api) -> None:
    import requests

    response = requests.post(
        f"{api.base}/ocpp/v2/raw-request",
        data="{not json",
        headers={**api.headers(), "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
