"""Every asset-management list pages with `limit` and `startingAfter`, and refuses bad ones."""

from collections.abc import Callable

import pytest

from assets.models import AssetGroup, SitePartner
from networks.models import Network
from networks.services import network_get_or_create
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AM = "/asset-management/v1"
SCOPES = "read:asset read:assetgroup read:sitepartner"


def five_assets(make_station) -> None:
    for i in range(5):
        make_station(f"CP-{i}")


def five_groups(make_station) -> None:
    network = network_get_or_create(name="north")
    for i in range(5):
        AssetGroup.objects.create(network=network, name=f"G{i}")


def five_partners(make_station) -> None:
    for i in range(5):
        SitePartner.objects.create(name=f"P{i}", type="utility")


def five_networks(make_station) -> None:
    for i in range(5):
        Network.objects.create(name=f"N{i}")


LISTS = [
    pytest.param(f"{AM}/assets", five_assets, id="assets"),
    pytest.param(f"{AM}/asset-groups", five_groups, id="asset-groups"),
    pytest.param(f"{AM}/site-partners", five_partners, id="site-partners"),
    pytest.param(f"{AM}/networks", five_networks, id="networks"),
]


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with(SCOPES)


@pytest.mark.parametrize(("path", "make"), LISTS)
def test_pages_follow_each_other_without_gaps_or_repeats(
    api: Api, make_station, path: str, make: Callable
) -> None:
    make(make_station)
    everything = api.get(f"{path}?limit=100").json()["data"]
    assert everything["hasMore"] is False and len(everything["items"]) == 5
    seen, more, cursor = [], [], ""
    while True:
        page = api.get(f"{path}?limit=2{cursor}").json()["data"]
        seen += [item["id"] for item in page["items"]]
        more.append(page["hasMore"])
        if not page["hasMore"]:
            break
        cursor = f"&startingAfter={page['items'][-1]['id']}"
    assert seen == [item["id"] for item in everything["items"]]
    assert more == [True, True, False]


def test_the_default_page_is_twenty(api: Api, make_station) -> None:
    for i in range(21):
        make_station(f"CP-{i}")
    page = api.get(f"{AM}/assets").json()["data"]
    assert (len(page["items"]), page["hasMore"]) == (20, True)


@pytest.mark.parametrize(("path", "make"), LISTS)
@pytest.mark.parametrize("limit", ["0", "101", "ten", "-1"])
def test_a_bad_limit_is_400(api: Api, path: str, make: Callable, limit: str) -> None:
    response = api.get(f"{path}?limit={limit}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_limit"


@pytest.mark.parametrize(("path", "make"), LISTS)
@pytest.mark.parametrize("cursor", ["8a5b1f0e-0000-4000-8000-000000000000", "not-an-id"])
def test_a_cursor_naming_no_item_of_the_list_is_400(api, path: str, make, cursor: str) -> None:
    response = api.get(f"{path}?startingAfter={cursor}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
