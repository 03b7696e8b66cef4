"""Every command endpoint checks its scope and the client's networks, with real tokens."""

import pytest

from ocpp_bridge.models import OcppCall
from tests.api.conftest import ALL_OCPP
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RESET = {"action": "Reset", "assetId": "CP-N", "payload": {"type": "Immediate"}}

# (method, path, body, the scope it needs)
ENDPOINTS = [
    ("post", "/ocpp/v2/raw-request", RESET, "write:ocpp.raw_request"),
    ("post", "/ocpp/v2/assets/CP-N/rate-display/sync-rate", None, "write:ocpp"),
    ("post", "/ocpp/v2/assets/CP-N/rate-display/disable", None, "write:ocpp"),
    ("post", "/ocpp/reset", {"chargingStationId": "CP-N", "resetType": "Soft"}, "write:ocpp"),
    (
        "post",
        "/ocpp/remoteStartTransaction",
        {"idTag": "T", "chargingStationId": "CP-N"},
        "write:ocpp",
    ),
    ("post", "/ocpp/remoteStopTransaction", {"ocppTransactionId": "1"}, "write:ocpp"),
    ("get", "/ocpp/v2/requests/some-id", None, "write:ocpp"),
]


def call(api: Api, method: str, path: str, body: object) -> tuple[int, str]:
    response = api.post(path, body) if method == "post" else api.get(path)
    return response.status_code, response.json()["error"]["code"] if response.content else ""


@pytest.fixture
def stations(make_station) -> None:
    make_station("CP-N", protocol="ocpp2.0.1", network_name="north")
    make_station("CP-S", protocol="ocpp2.0.1", network_name="south")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_no_token_is_401(daphne_server: str, stations, method, path, body, scope) -> None:
    assert call(Api(f"http://{daphne_server}", None), method, path, body) == (
        401,
        "unauthenticated",
    )
    assert call(Api(f"http://{daphne_server}", "forged"), method, path, body)[0] == 401


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_a_token_without_the_scope_is_403(client_with, stations, method, path, body, scope):
    # Every other scope of the catalogue, but not the one the endpoint needs.
    from api.scope_catalogue import SCOPES

    others = " ".join(s for s in SCOPES if s != scope and not s.startswith("write:ocpp"))
    status, code = call(client_with(others), method, path, body)
    assert (status, code) == (403, "insufficient_scope")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_a_token_with_the_scope_passes_the_gate(client_with, stations, method, path, body, scope):
    status, code = call(client_with(scope), method, path, body)
    assert status not in (401, 403), code


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS[:5])
def test_an_asset_of_another_network_is_not_found(
    client_with, stations, method, path, body, scope
) -> None:
    south_only = client_with(ALL_OCPP, networks=["south"])
    assert call(south_only, method, path, body) == (404, "asset_not_found")
    unrestricted = client_with(ALL_OCPP)
    assert call(unrestricted, method, path, body)[1] != "asset_not_found"


def test_network_id_must_be_the_assets_network(client_with, stations) -> None:
    from networks.models import Network

    api = client_with()
    south = Network.objects.get(name="south")
    north = Network.objects.get(name="north")
    wrong = api.post("/ocpp/v2/raw-request", {**RESET, "network": {"id": str(south.pk)}})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (404, "asset_not_found")
    not_uuid = api.post("/ocpp/v2/raw-request", {**RESET, "network": {"id": "nope"}})
    assert not_uuid.status_code == 404
    right = api.post("/ocpp/v2/raw-request", {**RESET, "network": {"id": str(north.pk)}})
    assert right.json()["error"]["code"] == "station_not_connected"


def test_a_station_of_no_network_is_in_no_network_given(client_with, make_station) -> None:
    make_station("CP-NONE", protocol="ocpp2.0.1")
    api = client_with()
    for network_id in ("nope", "9a3c1f4e-0000-4000-8000-000000000000"):
        body = {**RESET, "assetId": "CP-NONE", "network": {"id": network_id}}
        answer = api.post("/ocpp/v2/raw-request", body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "asset_not_found")
    without = api.post("/ocpp/v2/raw-request", {**RESET, "assetId": "CP-NONE"})
    assert without.json()["error"]["code"] == "station_not_connected"


def test_a_call_of_another_network_cannot_be_read(client_with, stations) -> None:
    from assets.models import Asset

    asset = Asset.objects.get(identity="CP-S")
    OcppCall.objects.create(asset=asset, protocol="ocpp2.0.1", message_id="m-south", action="Reset")
    north_only = client_with("write:ocpp", networks=["north"])
    assert call(north_only, "get", "/ocpp/v2/requests/m-south", None) == (404, "request_not_found")
    everyone = client_with("write:ocpp")
    read = everyone.get("/ocpp/v2/requests/m-south")
    assert read.status_code == 200 and read.json()["data"]["state"] == "queued"
