"""Every asset-management endpoint checks its scope, and a client restricted to networks sees
nothing outside them (404, as if it did not exist), with real tokens over real HTTP."""

import pytest
import requests

from api.scope_catalogue import SCOPES
from assets.models import Asset, AssetGroup, SitePartner
from networks.services import network_get_or_create
from rates.models import Rate
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AM = "/asset-management/v1"
SOME_ID = "8a5b1f0e-0000-4000-8000-000000000000"
ALL_AM = (
    "read:asset write:asset read:assetgroup write:assetgroup read:sitepartner write:sitepartner "
    "write:network"
)

# (method, path, body, the scope it needs)
ENDPOINTS = [
    ("get", f"{AM}/assets", None, "read:asset"),
    ("post", f"{AM}/assets", {"ocppIdentity": "CP-X", "networkId": SOME_ID}, "write:asset"),
    ("get", f"{AM}/assets/CP-X", None, "read:asset"),
    ("patch", f"{AM}/assets/CP-X", {"name": "x"}, "write:asset"),
    ("get", f"{AM}/asset-groups", None, "read:assetgroup"),
    ("post", f"{AM}/asset-groups", {"name": "G", "networkId": SOME_ID}, "write:assetgroup"),
    ("get", f"{AM}/asset-groups/{SOME_ID}", None, "read:assetgroup"),
    ("patch", f"{AM}/asset-groups/{SOME_ID}", {"name": "x"}, "write:assetgroup"),
    (
        "post",
        f"{AM}/asset-groups/{SOME_ID}/add-site-partners",
        {"sitePartnerIds": [SOME_ID]},
        "write:assetgroup",
    ),
    ("get", f"{AM}/site-partners", None, "read:sitepartner"),
    ("post", f"{AM}/site-partners", {"name": "P", "type": "utility"}, "write:sitepartner"),
    ("get", f"{AM}/site-partners/{SOME_ID}", None, "read:sitepartner"),
    ("patch", f"{AM}/site-partners/{SOME_ID}", {"name": "x"}, "write:sitepartner"),
    ("get", f"{AM}/networks", None, "read:asset"),
    ("post", f"{AM}/networks", {"name": "west"}, "write:network"),
    ("get", f"{AM}/networks/{SOME_ID}", None, "read:asset"),
    ("patch", f"{AM}/networks/{SOME_ID}", {"name": "x"}, "write:network"),
]


def call(api: Api, method: str, path: str, body: object = None) -> requests.Response:
    return api.get(path) if method == "get" else getattr(api, method)(path, body)


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_no_token_is_401(daphne_server: str, method, path, body, scope) -> None:
    assert error(call(Api(f"http://{daphne_server}", None), method, path, body)) == (
        401,
        "unauthenticated",
    )
    assert call(Api(f"http://{daphne_server}", "forged"), method, path, body).status_code == 401


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_a_token_without_the_scope_is_403(client_with, method, path, body, scope) -> None:  # noqa: F811
    others = client_with(" ".join(s for s in SCOPES if s != scope))  # every other scope
    assert error(call(others, method, path, body)) == (403, "insufficient_scope")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ENDPOINTS)
def test_a_token_with_the_scope_passes_the_gate(client_with, method, path, body, scope) -> None:  # noqa: F811
    response = call(client_with(scope), method, path, body)
    assert response.status_code not in (401, 403), response.text


@pytest.fixture
def south(make_station) -> dict[str, str]:
    """A station, a location, a partner and a rate of the south network: ids by kind."""
    network = network_get_or_create(name="south")
    asset = make_station("CP-S", network_name="south")
    group = AssetGroup.objects.create(network=network, name="South depot")
    partner = SitePartner.objects.create(network=network, name="South host", type="siteHost")
    rate = Rate.objects.create(network=network, name="South rate")
    return {
        "network": str(network.pk),
        "asset": str(asset.pk),
        "group": str(group.pk),
        "partner": str(partner.pk),
        "rate": str(rate.pk),
    }


@pytest.fixture
def north_only(client_with, make_station) -> Api:  # noqa: F811
    make_station("CP-N", network_name="north")
    return client_with(ALL_AM, networks=["north"])


def test_a_restricted_client_cannot_see_or_change_another_networks_things(
    north_only: Api, south: dict[str, str]
) -> None:
    s = south
    hidden = [
        ("get", f"{AM}/assets/CP-S", None, "asset_not_found"),
        ("get", f"{AM}/assets/{s['asset']}", None, "asset_not_found"),
        ("patch", f"{AM}/assets/CP-S", {"name": "mine"}, "asset_not_found"),
        ("get", f"{AM}/asset-groups/{s['group']}", None, "asset_group_not_found"),
        ("patch", f"{AM}/asset-groups/{s['group']}", {"name": "mine"}, "asset_group_not_found"),
        (
            "post",
            f"{AM}/asset-groups/{s['group']}/add-site-partners",
            {"sitePartnerIds": [s["partner"]]},
            "asset_group_not_found",
        ),
        ("get", f"{AM}/site-partners/{s['partner']}", None, "site_partner_not_found"),
        ("get", f"{AM}/networks/{s['network']}", None, "network_not_found"),
    ]
    for method, path, body, code in hidden:
        assert error(call(north_only, method, path, body)) == (404, code), path
    assert Asset.objects.get(identity="CP-S").name == ""
    assert AssetGroup.objects.get().name == "South depot"


def test_a_restricted_clients_lists_hold_its_networks_only(north_only: Api, south) -> None:
    for kind in ("assets", "asset-groups", "site-partners", "networks"):
        items = north_only.get(f"{AM}/{kind}?limit=100").json()["data"]["items"]
        assert all(item.get("network", item).get("name") == "north" for item in items), kind
    assets = north_only.get(f"{AM}/assets").json()["data"]["items"]
    assert [a["ocppIdentity"] for a in assets] == ["CP-N"]
    cursor = north_only.get(f"{AM}/assets?startingAfter={south['asset']}")
    assert error(cursor) == (400, "invalid_cursor")


def test_a_restricted_client_cannot_create_in_or_refer_to_another_network(
    north_only: Api, south: dict[str, str]
) -> None:
    north = str(network_get_or_create(name="north").pk)
    asset = {"ocppIdentity": "CP-NEW", "networkId": north}
    refused = [
        ("post", f"{AM}/assets", {**asset, "networkId": south["network"]}, "network_not_found"),
        (
            "post",
            f"{AM}/assets",
            {**asset, "assetGroupId": south["group"]},
            "asset_group_not_found",
        ),
        ("post", f"{AM}/assets", {**asset, "rateId": south["rate"]}, "rate_not_found"),
        ("patch", f"{AM}/assets/CP-N", {"networkId": south["network"]}, "network_not_found"),
        (
            "post",
            f"{AM}/asset-groups",
            {"name": "G", "networkId": south["network"]},
            "network_not_found",
        ),
        (
            "post",
            f"{AM}/site-partners",
            {"name": "P", "type": "utility", "networkId": south["network"]},
            "network_not_found",
        ),
    ]
    for method, path, body, code in refused:
        assert error(call(north_only, method, path, body)) == (404, code), body
    assert not Asset.objects.filter(identity="CP-NEW").exists()
    assert Asset.objects.get(identity="CP-N").network.name == "north"


def test_a_restricted_client_cannot_add_another_networks_partner(north_only, south) -> None:
    north = str(network_get_or_create(name="north").pk)
    group = north_only.post(f"{AM}/asset-groups", {"name": "Mine", "networkId": north}).json()
    path = f"{AM}/asset-groups/{group['data']['id']}/add-site-partners"
    response = north_only.post(path, {"sitePartnerIds": [south["partner"]]})
    assert error(response) == (404, "site_partner_not_found")


def test_an_unrestricted_client_sees_every_network(client_with, south, make_station) -> None:  # noqa: F811
    make_station("CP-N", network_name="north")
    everyone = client_with(ALL_AM)
    assets = everyone.get(f"{AM}/assets").json()["data"]["items"]
    assert sorted(a["ocppIdentity"] for a in assets) == ["CP-N", "CP-S"]
    assert everyone.get(f"{AM}/asset-groups/{south['group']}").status_code == 200
    assert everyone.get(f"{AM}/networks/{south['network']}").status_code == 200
