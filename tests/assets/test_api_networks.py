"""/asset-management/v1/networks over real HTTP with real tokens."""

import pytest
import requests

from networks.models import Network
from networks.services import network_get_or_create
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NETWORKS = "/asset-management/v1/networks"
SCOPES = "read:asset write:network"


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with(SCOPES)


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_network_is_created_read_and_listed(api: Api) -> None:
    created = api.post(NETWORKS, {"name": "west", "description": "West coast chargers"})
    assert created.status_code == 201, created.text
    network = created.json()["data"]
    assert (network["name"], network["description"]) == ("west", "West coast chargers")
    assert network["createdAt"].endswith("Z") and network["updatedAt"].endswith("Z")
    assert api.get(f"{NETWORKS}/{network['id']}").json() == {"data": network}
    assert network in api.get(NETWORKS).json()["data"]["items"]


def test_a_network_is_renamed_and_redescribed(api: Api) -> None:
    network_id = api.post(NETWORKS, {"name": "west"}).json()["data"]["id"]
    renamed = api.patch(f"{NETWORKS}/{network_id}", {"name": "pacific"}).json()["data"]
    assert (renamed["name"], renamed["description"]) == ("pacific", "")
    described = api.patch(f"{NETWORKS}/{network_id}", {"description": "Ocean"}).json()["data"]
    assert (described["name"], described["description"]) == ("pacific", "Ocean")


def test_a_taken_name_is_409_on_create_and_on_rename(api: Api) -> None:
    api.post(NETWORKS, {"name": "west"})
    east_id = api.post(NETWORKS, {"name": "east"}).json()["data"]["id"]
    assert error(api.post(NETWORKS, {"name": "west"})) == (409, "network_name_taken")
    assert error(api.patch(f"{NETWORKS}/{east_id}", {"name": "west"})) == (
        409,
        "network_name_taken",
    )
    assert Network.objects.get(pk=east_id).name == "east"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 121}])
def test_an_invalid_network_is_400_naming_the_name(api: Api, body) -> None:
    response = api.post(NETWORKS, body)
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith("name")


def test_an_unknown_network_is_404(api: Api) -> None:
    for unknown in ("8a5b1f0e-0000-4000-8000-000000000000", "west"):
        assert error(api.get(f"{NETWORKS}/{unknown}")) == (404, "network_not_found")
        assert error(api.patch(f"{NETWORKS}/{unknown}", {"name": "x"})) == (
            404,
            "network_not_found",
        )


def test_a_restricted_client_sees_and_changes_its_own_networks_only(client_with) -> None:  # noqa: F811
    south = network_get_or_create(name="south")
    north_only = client_with(SCOPES, networks=["north"])
    north = Network.objects.get(name="north")
    assert [n["name"] for n in north_only.get(NETWORKS).json()["data"]["items"]] == ["north"]
    assert error(north_only.get(f"{NETWORKS}/{south.pk}")) == (404, "network_not_found")
    assert error(north_only.patch(f"{NETWORKS}/{south.pk}", {"name": "mine"})) == (
        404,
        "network_not_found",
    )
    renamed = north_only.patch(f"{NETWORKS}/{north.pk}", {"description": "Ours"})
    assert renamed.status_code == 200 and renamed.json()["data"]["description"] == "Ours"


def test_a_restricted_client_cannot_create_networks(client_with) -> None:  # noqa: F811
    north_only = client_with(SCOPES, networks=["north"])
    assert error(north_only.post(NETWORKS, {"name": "west"})) == (403, "network_restricted")
    assert not Network.objects.filter(name="west").exists()
