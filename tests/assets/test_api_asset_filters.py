"""Each filter of GET /asset-management/v1/assets, over real HTTP with real tokens."""

import pytest

from assets.models import Asset, AssetGroup
from assets.station_reports import asset_record_boot
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ASSETS = "/asset-management/v1/assets"


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with("read:asset")


@pytest.fixture
def fleet(make_station) -> dict[str, Asset]:
    """Three stations of two makes, two networks and two groups; CP-B is online."""
    boots = {
        "CP-A": {"vendor": "Acme", "model": "Volt 22", "firmware_version": "1.0"},
        "CP-B": {"vendor": "ACME", "model": "Volt 50", "firmware_version": "2.0"},
        "CP-C": {"vendor": "Other", "model": "Volt 22", "firmware_version": "1.0"},
    }
    networks = {"CP-A": "north", "CP-B": "north", "CP-C": "south"}
    assets = {}
    for identity, info in boots.items():
        asset = make_station(identity, network_name=networks[identity])
        assets[identity] = asset_record_boot(asset_id=asset.pk, info=info)
    Asset.objects.filter(identity="CP-B").update(is_online=True)
    for identity, group in (("CP-A", "Depot"), ("CP-C", "Mall")):
        asset = assets[identity]
        asset.asset_group = AssetGroup.objects.create(network=asset.network, name=group)
        asset.save(update_fields=["asset_group"])
    return assets


def identities(api: Api, query: str) -> list[str]:
    response = api.get(f"{ASSETS}?{query}")
    assert response.status_code == 200, response.text
    return sorted(item["ocppIdentity"] for item in response.json()["data"]["items"])


def test_no_filter_lists_every_asset(api: Api, fleet) -> None:
    assert identities(api, "") == ["CP-A", "CP-B", "CP-C"]


def test_the_make_filter_ignores_case(api: Api, fleet) -> None:
    assert identities(api, "chargingStationMake=acme") == ["CP-A", "CP-B"]
    assert identities(api, "chargingStationMake=Nobody") == []


def test_the_model_filter(api: Api, fleet) -> None:
    assert identities(api, "chargingStationModel=Volt%2022") == ["CP-A", "CP-C"]


def test_the_firmware_filter(api: Api, fleet) -> None:
    assert identities(api, "firmwareVersion=2.0") == ["CP-B"]


def test_filters_combine(api: Api, fleet) -> None:
    assert identities(api, "chargingStationModel=Volt%2022&firmwareVersion=1.0") == [
        "CP-A",
        "CP-C",
    ]
    assert identities(api, "chargingStationMake=acme&chargingStationModel=Volt%2022") == ["CP-A"]


def test_the_asset_groups_filter_takes_comma_separated_ids(api: Api, fleet) -> None:
    depot, mall = (fleet[i].asset_group_id for i in ("CP-A", "CP-C"))
    assert identities(api, f"assetGroups={depot}") == ["CP-A"]
    assert identities(api, f"assetGroups={depot},{mall}") == ["CP-A", "CP-C"]


def test_the_network_filter(api: Api, fleet) -> None:
    assert identities(api, f"networkId={fleet['CP-C'].network_id}") == ["CP-C"]


def test_the_online_filter(api: Api, fleet) -> None:
    assert identities(api, "online=true") == ["CP-B"]
    assert identities(api, "online=false") == ["CP-A", "CP-C"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("assetGroups=nope", "assetGroups"),
        ("networkId=nope", "networkId"),
        ("online=maybe", "online"),
    ],
)
def test_a_malformed_filter_is_400_naming_it(api: Api, fleet, query: str, field: str) -> None:
    response = api.get(f"{ASSETS}?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["message"].startswith(field)


def test_filters_never_reach_beyond_the_clients_networks(client_with, fleet) -> None:  # noqa: F811
    north_only = client_with("read:asset", networks=["north"])
    assert identities(north_only, "chargingStationModel=Volt%2022") == ["CP-A"]
    assert identities(north_only, f"networkId={fleet['CP-C'].network_id}") == []
