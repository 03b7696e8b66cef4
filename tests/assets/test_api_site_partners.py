"""/asset-management/v1/site-partners over real HTTP with real tokens."""

import pytest
import requests

from assets.models import SitePartner
from networks.models import Network
from networks.services import network_get_or_create
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PARTNERS = "/asset-management/v1/site-partners"
SCOPES = "read:sitepartner write:sitepartner"


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with(SCOPES)


@pytest.fixture
def north() -> Network:
    return network_get_or_create(name="north")


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_site_partner_is_created_and_read_back(api: Api, north: Network) -> None:
    body = {
        "name": "Mall Owner",
        "type": "siteHost",
        "networkId": str(north.pk),
        "contactEmail": "ops@mall.example",
        "contactPhone": "+1 555 0100",
    }
    created = api.post(PARTNERS, body)
    assert created.status_code == 201, created.text
    partner = created.json()["data"]
    assert (partner["name"], partner["type"]) == ("Mall Owner", "siteHost")
    assert partner["network"] == {"id": str(north.pk), "name": "north"}
    assert (partner["contactEmail"], partner["contactPhone"]) == ("ops@mall.example", "+1 555 0100")
    assert partner["createdAt"].endswith("Z")
    assert api.get(f"{PARTNERS}/{partner['id']}").json() == {"data": partner}


def test_a_partner_without_network_is_shared(api: Api) -> None:
    partner = api.post(PARTNERS, {"name": "Grid Co", "type": "utility"}).json()["data"]
    assert partner["network"] is None and partner["contactEmail"] is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "landlord"}, "type"),
        ({"type": None}, "type"),
        ({"name": ""}, "name"),
        ({"contactEmail": "not-an-email"}, "contactEmail"),
        ({"contactPhone": "1" * 33}, "contactPhone"),
    ],
)
def test_an_invalid_site_partner_is_400_naming_the_field(api: Api, fields, field) -> None:
    response = api.post(PARTNERS, {"name": "P", "type": "utility", **fields})
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith(field)
    assert not SitePartner.objects.exists()


def test_an_unknown_network_is_404(api: Api) -> None:
    body = {"name": "P", "type": "utility", "networkId": "8a5b1f0e-0000-4000-8000-000000000000"}
    assert error(api.post(PARTNERS, body)) == (404, "network_not_found")


def test_patch_changes_what_it_names(api: Api, north: Network) -> None:
    body = {"name": "P", "type": "utility", "networkId": str(north.pk), "contactPhone": "1"}
    partner_id = api.post(PARTNERS, body).json()["data"]["id"]
    patched = api.patch(f"{PARTNERS}/{partner_id}", {"type": "reportingAgency", "contactPhone": ""})
    assert patched.status_code == 200, patched.text
    data = patched.json()["data"]
    assert (data["name"], data["type"], data["contactPhone"]) == ("P", "reportingAgency", None)
    assert data["network"]["name"] == "north"
    assert error(api.patch(f"{PARTNERS}/{partner_id}", {"type": "boss"})) == (
        400,
        "invalid_request",
    )
    assert error(api.patch(f"{PARTNERS}/nope", {"name": "x"})) == (404, "site_partner_not_found")


def test_the_list_filters_by_type_and_by_network_with_shared_partners(api, north) -> None:
    south = network_get_or_create(name="south")
    SitePartner.objects.create(network=north, name="North host", type="siteHost")
    SitePartner.objects.create(network=south, name="South host", type="siteHost")
    SitePartner.objects.create(name="Grid Co", type="utility")

    def names(query: str) -> list[str]:
        response = api.get(f"{PARTNERS}?{query}")
        assert response.status_code == 200, response.text
        return sorted(p["name"] for p in response.json()["data"]["items"])

    assert names("") == ["Grid Co", "North host", "South host"]
    assert names(f"networkId={north.pk}") == ["Grid Co", "North host"]
    assert names("type=siteHost") == ["North host", "South host"]
    assert names(f"type=utility&networkId={south.pk}") == ["Grid Co"]
    assert error(api.get(f"{PARTNERS}?type=landlord")) == (400, "invalid_request")


def test_a_restricted_client_sees_its_networks_and_shared_partners_only(client_with, north):  # noqa: F811
    south = network_get_or_create(name="south")
    theirs = SitePartner.objects.create(network=south, name="South host", type="siteHost")
    shared = SitePartner.objects.create(name="Grid Co", type="utility")
    SitePartner.objects.create(network=north, name="North host", type="siteHost")
    north_only = client_with(SCOPES, networks=["north"])
    listed = north_only.get(PARTNERS).json()["data"]["items"]
    assert sorted(p["name"] for p in listed) == ["Grid Co", "North host"]
    assert north_only.get(f"{PARTNERS}/{shared.pk}").status_code == 200
    assert error(north_only.get(f"{PARTNERS}/{theirs.pk}")) == (404, "site_partner_not_found")
    assert error(north_only.patch(f"{PARTNERS}/{theirs.pk}", {"name": "x"})) == (
        404,
        "site_partner_not_found",
    )


def test_a_restricted_client_writes_only_partners_of_its_networks(client_with, north):  # noqa: F811
    south = network_get_or_create(name="south")
    shared = SitePartner.objects.create(name="Grid Co", type="utility")
    north_only = client_with(SCOPES, networks=["north"])
    into_south = {"name": "P", "type": "utility", "networkId": str(south.pk)}
    assert error(north_only.post(PARTNERS, into_south)) == (404, "network_not_found")
    assert error(north_only.post(PARTNERS, {"name": "P", "type": "utility"})) == (
        403,
        "network_restricted",
    )
    assert error(north_only.patch(f"{PARTNERS}/{shared.pk}", {"name": "Mine"})) == (
        403,
        "network_restricted",
    )
    into_north = {"name": "P", "type": "utility", "networkId": str(north.pk)}
    assert north_only.post(PARTNERS, into_north).status_code == 201
    assert SitePartner.objects.filter(network=south).count() == 0
