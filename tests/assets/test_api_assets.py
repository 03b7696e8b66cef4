"""/asset-management/v1/assets over real HTTP with real tokens: create, read, update, list."""

import base64
from typing import Any

import pytest
import requests

from assets.models import Asset, AssetGroup, Connector
from assets.selectors import station_authenticate
from assets.station_reports import asset_record_boot, connector_record_status
from networks.models import Network
from networks.services import network_get_or_create
from rates.models import Rate
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ASSETS = "/asset-management/v1/assets"
PASSWORD = "a-sixteen-plus-secret"


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with("read:asset write:asset")


@pytest.fixture
def north() -> Network:
    return network_get_or_create(name="north")


def asset_body(network: Network, **fields: Any) -> dict[str, Any]:
    return {"ocppIdentity": "CP-100", "networkId": str(network.pk), **fields}


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def basic(identity: str, password: str) -> bytes:
    return b"Basic " + base64.b64encode(f"{identity}:{password}".encode())


def test_an_asset_is_created_with_everything_it_shows(api: Api, north: Network) -> None:
    group = AssetGroup.objects.create(network=north, name="Depot")
    rate = Rate.objects.create(name="Standard", currency="EUR", price_per_kwh="0.35", flat_fee="1")
    body = asset_body(
        north,
        name="Depot 1",
        assetGroupId=str(group.pk),
        rateId=str(rate.pk),
        password=PASSWORD,
        protocol="ocpp2.0.1",
        securityProfile=2,
        heartbeatInterval=120,
        registrationStatus="Pending",
        connectors=[
            {"evseId": 1, "connectorId": 1, "type": "cCCS2", "maxAmperage": 200, "maxVoltage": 920},
            {"evseId": 2, "type": "cType2", "maxAmperage": 32},
        ],
    )
    created = api.post(ASSETS, body)
    assert created.status_code == 201, created.text
    asset = created.json()["data"]
    assert asset["name"] == "Depot 1" and asset["ocppIdentity"] == "CP-100"
    assert asset["network"] == {"id": str(north.pk), "name": "north"}
    assert asset["assetGroup"] == {"id": str(group.pk), "name": "Depot"}
    assert (asset["protocol"], asset["securityProfile"]) == ("ocpp2.0.1", 2)
    assert (asset["registrationStatus"], asset["heartbeatInterval"]) == ("Pending", 120)
    assert (asset["online"], asset["lastSeen"], asset["connectedAt"]) == (False, None, None)
    assert asset["rate"] == {
        "id": str(rate.pk),
        "name": "Standard",
        "currency": "EUR",
        "pricePerKwh": "0.3500",
        "pricePerHour": None,
        "flatFee": "1.0000",
        "idleFeePerMinute": None,
    }
    assert [(c["evseId"], c["connectorId"], c["type"]) for c in asset["connectors"]] == [
        (1, 1, "cCCS2"),
        (2, 1, "cType2"),
    ]
    assert asset["connectors"][0] | {"status": None} == {
        "evseId": 1,
        "connectorId": 1,
        "status": None,
        "errorCode": None,
        "type": "cCCS2",
        "maxAmperage": 200,
        "maxVoltage": 920,
        "statusUpdatedAt": None,
    }
    assert asset["createdAt"].endswith("Z") and "password" not in asset


def test_an_asset_is_read_by_id_or_by_ocpp_identity(api: Api, north: Network) -> None:
    created = api.post(ASSETS, asset_body(north)).json()["data"]
    by_id = api.get(f"{ASSETS}/{created['id']}")
    by_identity = api.get(f"{ASSETS}/CP-100")
    assert by_id.status_code == by_identity.status_code == 200
    assert by_id.json() == by_identity.json() == {"data": created}
    assert error(api.get(f"{ASSETS}/CP-404")) == (404, "asset_not_found")


def test_the_password_is_stored_hashed_and_lets_the_station_in(api: Api, north: Network) -> None:
    api.post(ASSETS, asset_body(north, password=PASSWORD))
    stored = Asset.objects.get(identity="CP-100").password_hash
    assert stored.startswith("pbkdf2_sha256_station$") and PASSWORD not in stored
    assert station_authenticate(identity="CP-100", authorization=basic("CP-100", PASSWORD))
    assert not station_authenticate(identity="CP-100", authorization=basic("CP-100", "x" * 16))


def test_a_taken_ocpp_identity_is_409(api: Api, north: Network) -> None:
    assert api.post(ASSETS, asset_body(north)).status_code == 201
    again = api.post(ASSETS, asset_body(north, name="other"))
    assert error(again) == (409, "asset_identity_taken")
    assert Asset.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ocppIdentity": "CP:1"}, "ocppIdentity"),
        ({"ocppIdentity": "x" * 49}, "ocppIdentity"),
        ({"securityProfile": 4}, "securityProfile"),
        ({"password": "too-short"}, "password"),
        ({"registrationStatus": "Maybe"}, "registrationStatus"),
        ({"protocol": "ocpp1.5"}, "protocol"),
        ({"heartbeatInterval": 0}, "heartbeatInterval"),
        ({"connectors": [{"evseId": 0}]}, "connectors"),
        ({"connectors": [{"evseId": 1}, {"evseId": 1, "connectorId": 1}]}, "connectors"),
        ({"connectors": [{"evseId": 1, "maxAmperage": -5}]}, "connectors"),
    ],
)
def test_an_invalid_asset_is_400_naming_the_field(api: Api, north: Network, fields, field) -> None:
    response = api.post(ASSETS, asset_body(north, **fields))
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith(field)
    assert not Asset.objects.exists()


def test_network_and_identity_are_required(api: Api) -> None:
    response = api.post(ASSETS, {"name": "nameless"})
    assert error(response) == (400, "invalid_request")
    assert set(response.json()["error"]["details"]["fields"]) == {"ocppIdentity", "networkId"}


@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("networkId", "network_not_found"),
        ("assetGroupId", "asset_group_not_found"),
        ("rateId", "rate_not_found"),
    ],
)
def test_an_unknown_reference_is_404_naming_it(api: Api, north: Network, field, code) -> None:
    for unknown in ("8a5b1f0e-0000-4000-8000-000000000000", "not-an-id"):
        assert error(api.post(ASSETS, asset_body(north, **{field: unknown}))) == (404, code)


def test_a_group_or_rate_of_another_network_is_a_network_mismatch(api: Api, north) -> None:
    south = network_get_or_create(name="south")
    group = AssetGroup.objects.create(network=south, name="South depot")
    rate = Rate.objects.create(name="South rate", network=south)
    for field, item in (("assetGroupId", group), ("rateId", rate)):
        response = api.post(ASSETS, asset_body(north, **{field: str(item.pk)}))
        assert error(response) == (400, "network_mismatch")
        assert response.json()["error"]["details"] == {"field": field}
    shared = Rate.objects.create(name="Everywhere")
    assert api.post(ASSETS, asset_body(north, rateId=str(shared.pk))).status_code == 201


def test_patch_changes_what_it_names_and_keeps_the_rest(api: Api, north: Network) -> None:
    group = AssetGroup.objects.create(network=north, name="Depot")
    body = asset_body(north, name="Old", assetGroupId=str(group.pk), password=PASSWORD)
    asset_id = api.post(ASSETS, body).json()["data"]["id"]
    patched = api.patch(f"{ASSETS}/CP-100", {"name": "New", "heartbeatInterval": 60})
    assert patched.status_code == 200, patched.text
    asset = patched.json()["data"]
    assert (asset["id"], asset["name"], asset["heartbeatInterval"]) == (asset_id, "New", 60)
    assert asset["assetGroup"]["id"] == str(group.pk)
    assert station_authenticate(identity="CP-100", authorization=basic("CP-100", PASSWORD))


def test_patch_with_null_clears_group_rate_and_password(api: Api, north: Network) -> None:
    group = AssetGroup.objects.create(network=north, name="Depot")
    rate = Rate.objects.create(name="Standard")
    body = asset_body(north, assetGroupId=str(group.pk), rateId=str(rate.pk), password=PASSWORD)
    api.post(ASSETS, body)
    cleared = api.patch(
        f"{ASSETS}/CP-100", {"assetGroupId": None, "rateId": None, "password": None}
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["data"]["assetGroup"] is None and cleared.json()["data"]["rate"] is None
    assert not station_authenticate(identity="CP-100", authorization=basic("CP-100", PASSWORD))


def test_patch_updates_connectors_by_evse_and_connector_and_keeps_their_status(
    api: Api, north: Network
) -> None:
    connectors = [{"evseId": 1, "type": "cType2", "maxAmperage": 16}, {"evseId": 2}]
    asset_id = api.post(ASSETS, asset_body(north, connectors=connectors)).json()["data"]["id"]
    connector_record_status(
        asset_id=asset_id, evse_id=1, connector_id=1, status="Charging", at=None
    )
    change = [{"evseId": 1, "maxAmperage": 32}, {"evseId": 3, "type": "cCCS2"}]
    patched = api.patch(f"{ASSETS}/{asset_id}", {"connectors": change}).json()["data"]
    summary = [
        (c["evseId"], c["type"], c["maxAmperage"], c["status"]) for c in patched["connectors"]
    ]
    assert summary == [
        (1, "cType2", 32, "Charging"),
        (2, None, None, None),
        (3, "cCCS2", None, None),
    ]


def test_patch_into_another_network_must_bring_a_group_of_that_network(api, north) -> None:
    south = network_get_or_create(name="south")
    group = AssetGroup.objects.create(network=north, name="North depot")
    api.post(ASSETS, asset_body(north, assetGroupId=str(group.pk)))
    stuck = api.patch(f"{ASSETS}/CP-100", {"networkId": str(south.pk)})
    assert error(stuck) == (400, "network_mismatch")
    moved = api.patch(f"{ASSETS}/CP-100", {"networkId": str(south.pk), "assetGroupId": None})
    assert moved.json()["data"]["network"]["name"] == "south"


def test_the_station_fills_manufacturing_online_state_and_connector_status(
    api: Api, make_station
) -> None:
    asset = make_station("CP-7", network_name="north")
    boot = {
        "vendor": "Acme",
        "model": "Volt 22",
        "serial_number": "SN-1",
        "firmware_version": "1.2",
    }
    asset_record_boot(asset_id=asset.pk, info={**boot, "meter_type": "M1"})
    connector_record_status(
        asset_id=asset.pk, evse_id=1, connector_id=1, status="Faulted", at=None, error_code="Boom"
    )
    Asset.objects.filter(pk=asset.pk).update(is_online=True)
    shown = api.get(f"{ASSETS}/CP-7").json()["data"]
    assert shown["manufacturing"] == {
        "chargingStationMake": "Acme",
        "chargingStationModel": "Volt 22",
        "serialNumber": "SN-1",
        "chargeBoxSerialNumber": None,
        "firmwareVersion": "1.2",
        "iccid": None,
        "imsi": None,
        "meterType": "M1",
        "meterSerialNumber": None,
    }
    assert shown["online"] is True and shown["lastSeen"].endswith("Z")
    connector = shown["connectors"][0]
    assert (connector["status"], connector["errorCode"]) == ("Faulted", "Boom")
    assert connector["statusUpdatedAt"].endswith("Z")
    assert Connector.objects.get().status == "Faulted"
