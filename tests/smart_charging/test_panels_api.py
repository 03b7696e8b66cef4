"""/asset-management/v1/panels over real HTTP with real tokens: scopes, envelope, cursors,
network walls, stations attached with their fallback limit."""

import pytest

from assets.models import AssetGroup
from networks.models import Network
from networks.services import network_get_or_create
from smart_charging.models import ChargingLimit
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PANELS = "/asset-management/v1/panels"


@pytest.fixture
def north() -> Network:
    return network_get_or_create(name="north")


@pytest.fixture
def site(north: Network) -> AssetGroup:
    return AssetGroup.objects.create(name="Depot", network=north)


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with("read:panel write:panel")


def test_a_panel_is_created_listed_and_paged(api: Api, site: AssetGroup) -> None:
    for name in ("Main", "Annex"):
        body = {"name": name, "assetGroupId": str(site.pk), "capacity": 63}
        created = api.post(PANELS, body)
        assert created.status_code == 201, created.text
    first = api.get(PANELS, params={"limit": 1}).json()["data"]
    assert first["hasMore"] is True and first["items"][0]["name"] == "Main"
    after = {"limit": 1, "startingAfter": first["items"][0]["id"]}
    second = api.get(PANELS, params=after).json()["data"]
    assert second["hasMore"] is False and second["items"][0]["name"] == "Annex"
    assert second["items"][0]["capacityAmpsPerPhase"] == 63.0


def test_watts_are_shared_over_the_phases(api: Api, site: AssetGroup) -> None:
    body = {"name": "Main", "assetGroupId": str(site.pk), "capacity": 22080, "capacityUnit": "W"}
    assert api.post(PANELS, body).json()["data"]["capacityAmpsPerPhase"] == 32.0


def test_reading_needs_read_panel_and_writing_write_panel(client_with, site: AssetGroup) -> None:  # noqa: F811
    reader = client_with("read:panel")
    body = {"name": "Main", "assetGroupId": str(site.pk), "capacity": 63}
    assert reader.post(PANELS, body).status_code == 403
    assert client_with("read:asset").get(PANELS).status_code == 403
    assert reader.get(PANELS).status_code == 200


def test_a_panel_of_another_network_is_not_found(client_with, site: AssetGroup) -> None:  # noqa: F811
    other = network_get_or_create(name="south")
    panel = (
        client_with("write:panel")
        .post(PANELS, {"name": "Main", "assetGroupId": str(site.pk), "capacity": 63})
        .json()["data"]
    )
    walled = client_with("read:panel write:panel", networks=[str(other.pk)])
    assert walled.get(f"{PANELS}/{panel['id']}").status_code == 404
    assert walled.get(PANELS).json()["data"]["items"] == []
    assert (
        walled.post(PANELS, {"name": "X", "assetGroupId": str(site.pk), "capacity": 1}).status_code
        == 404
    )


def test_an_attached_station_gets_its_fallback_as_its_tx_default(
    api: Api, site: AssetGroup, make_station
) -> None:
    station = make_station("CP-PANEL")
    station.network, station.asset_group = site.network, site
    station.save()
    panel = api.post(PANELS, {"name": "Main", "assetGroupId": str(site.pk), "capacity": 63}).json()[
        "data"
    ]
    attach = {"assetId": "CP-PANEL", "phaseWiring": "L1", "maxAmps": 16, "fallbackAmps": 6}
    attached = api.post(f"{PANELS}/{panel['id']}/stations", attach)
    assert attached.status_code == 200, attached.text
    shown = attached.json()["data"]["stations"][0]
    assert shown["chargingStationId"] == "CP-PANEL" and shown["phaseWiring"] == "L1"
    # Never connected: kept, and sent when it boots.
    assert shown["limits"] == [
        {**shown["limits"][0], "purpose": "tx_default", "limitAmps": 6.0, "status": "not_sent"}
    ]
    assert ChargingLimit.objects.get(asset=station).source == "fallback"
    changed = api.patch(f"{PANELS}/{panel['id']}", {"capacity": 40})
    assert changed.status_code == 200 and changed.json()["data"]["capacity"] == 40.0
    detached = api.delete(f"{PANELS}/{panel['id']}/stations/CP-PANEL")
    assert detached.status_code == 200 and detached.json()["data"]["stations"] == []
