"""/asset-management/v1/asset-groups (locations) over real HTTP with real tokens."""

from typing import Any

import pytest
import requests
from django.core.exceptions import ValidationError

from assets.models import AssetGroup, SitePartner
from networks.models import Network
from networks.services import network_get_or_create
from tests.api.conftest import client_with  # noqa: F401 (the fixture, shared with tests/api)
from tests.api_clients import Api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GROUPS = "/asset-management/v1/asset-groups"
ADDRESS = {
    "line1": "1 Main St",
    "line2": "Level 2",
    "city": "Springfield",
    "postalCode": "12345",
    "state": "OR",
    "country": "US",
}
WEEKDAYS_8_TO_8 = [{"dayOfWeek": day, "open": "08:00", "close": "20:00"} for day in range(1, 6)]


@pytest.fixture
def api(client_with) -> Api:  # noqa: F811
    return client_with("read:assetgroup write:assetgroup")


@pytest.fixture
def north() -> Network:
    return network_get_or_create(name="north")


def group_body(network: Network, **fields: Any) -> dict[str, Any]:
    return {"name": "Depot", "networkId": str(network.pk), **fields}


def error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_a_location_is_created_with_address_coordinates_timezone_and_hours(
    api: Api, north: Network
) -> None:
    body = group_body(
        north,
        address=ADDRESS,
        latitude=44.046236,
        longitude="-123.022029",
        timezone="America/Los_Angeles",
        openingHours=WEEKDAYS_8_TO_8,
    )
    created = api.post(GROUPS, body)
    assert created.status_code == 201, created.text
    group = created.json()["data"]
    assert group["name"] == "Depot" and group["network"] == {"id": str(north.pk), "name": "north"}
    assert group["address"] == ADDRESS
    assert (group["latitude"], group["longitude"]) == (44.046236, -123.022029)
    assert group["timezone"] == "America/Los_Angeles"
    assert group["openingHours"] == WEEKDAYS_8_TO_8 and group["open24x7"] is False
    assert group["sitePartners"] == [] and group["createdAt"].endswith("Z")
    assert api.get(f"{GROUPS}/{group['id']}").json() == {"data": group}


def test_a_bare_location_defaults_to_utc_and_empty_address(api: Api, north: Network) -> None:
    group = api.post(GROUPS, group_body(north)).json()["data"]
    assert group["timezone"] == "UTC" and group["openingHours"] == []
    assert set(group["address"].values()) == {None}
    assert (group["latitude"], group["longitude"]) == (None, None)


def test_day_names_are_stored_as_numbers_from_sunday(api: Api, north: Network) -> None:
    hours = [
        {"dayOfWeek": "Sunday", "open": "10:00", "close": "16:00"},
        {"dayOfWeek": "saturday", "open": "22:00", "close": "02:00"},
        {"dayOfWeek": 2, "open": "00:00", "close": "24:00"},
    ]
    group = api.post(GROUPS, group_body(north, openingHours=hours)).json()["data"]
    assert [h["dayOfWeek"] for h in group["openingHours"]] == [0, 6, 2]


def test_coordinates_are_rounded_to_six_decimals(api: Api, north: Network) -> None:
    group = api.post(GROUPS, group_body(north, latitude=1.23456789, longitude=-0.0000004))
    assert (group.json()["data"]["latitude"], group.json()["data"]["longitude"]) == (1.234568, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"latitude": 90.000001}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": -180.5}, "longitude"),
        ({"longitude": 1e9}, "longitude"),
        ({"openingHours": [{"dayOfWeek": 7, "open": "08:00", "close": "09:00"}]}, "openingHours"),
        (
            {"openingHours": [{"dayOfWeek": "Funday", "open": "08:00", "close": "9"}]},
            "openingHours",
        ),
        ({"openingHours": [{"dayOfWeek": 1, "open": "24:00", "close": "09:00"}]}, "openingHours"),
        ({"openingHours": [{"dayOfWeek": 1, "open": "08:00", "close": "08:00"}]}, "openingHours"),
        ({"openingHours": WEEKDAYS_8_TO_8, "open24x7": True}, "openingHours"),
        ({"address": {"postalCode": "1" * 21}}, "address"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_location_is_400_naming_the_field(api, north, fields, field) -> None:
    response = api.post(GROUPS, group_body(north, **fields))
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith(field)
    assert not AssetGroup.objects.exists()


def test_a_location_needs_a_known_network(api: Api) -> None:
    unknown = api.post(GROUPS, {"name": "x", "networkId": "8a5b1f0e-0000-4000-8000-000000000000"})
    assert error(unknown) == (404, "network_not_found")
    assert error(api.post(GROUPS, {"name": "x"})) == (400, "invalid_request")


def test_patch_merges_the_address_and_keeps_what_it_does_not_name(api, north) -> None:
    group = api.post(GROUPS, group_body(north, address=ADDRESS, timezone="Europe/Paris")).json()
    patched = api.patch(f"{GROUPS}/{group['data']['id']}", {"address": {"city": "Shelbyville"}})
    assert patched.status_code == 200, patched.text
    data = patched.json()["data"]
    assert data["address"] == {**ADDRESS, "city": "Shelbyville"}
    assert (data["name"], data["timezone"]) == ("Depot", "Europe/Paris")
    assert error(api.patch(f"{GROUPS}/{data['id']}", {"timezone": "Nowhere"})) == (
        400,
        "invalid_request",
    )


def test_open_24x7_and_opening_hours_replace_each_other(api: Api, north: Network) -> None:
    group_id = api.post(GROUPS, group_body(north, openingHours=WEEKDAYS_8_TO_8)).json()["data"][
        "id"
    ]
    always = api.patch(f"{GROUPS}/{group_id}", {"open24x7": True}).json()["data"]
    assert (always["open24x7"], always["openingHours"]) == (True, [])
    hours = api.patch(f"{GROUPS}/{group_id}", {"openingHours": WEEKDAYS_8_TO_8}).json()["data"]
    assert (hours["open24x7"], hours["openingHours"]) == (False, WEEKDAYS_8_TO_8)


def test_the_list_filters_by_network(api: Api, north: Network) -> None:
    south = network_get_or_create(name="south")
    api.post(GROUPS, group_body(north, name="N"))
    api.post(GROUPS, group_body(south, name="S"))
    listed = api.get(f"{GROUPS}?networkId={south.pk}").json()["data"]
    assert [g["name"] for g in listed["items"]] == ["S"] and listed["hasMore"] is False
    assert len(api.get(GROUPS).json()["data"]["items"]) == 2
    assert error(api.get(f"{GROUPS}?networkId=south")) == (400, "invalid_request")


def test_site_partners_are_added_once_and_returned_with_the_group(api, north) -> None:
    group_id = api.post(GROUPS, group_body(north)).json()["data"]["id"]
    host = SitePartner.objects.create(network=north, name="Host", type="siteHost")
    utility = SitePartner.objects.create(name="Grid Co", type="utility")  # shared by all
    path = f"{GROUPS}/{group_id}/add-site-partners"
    added = api.post(path, {"sitePartnerIds": [str(host.pk), str(utility.pk)]})
    assert added.status_code == 200, added.text
    again = api.post(path, {"sitePartnerIds": [str(host.pk)]}).json()["data"]
    assert again["sitePartners"] == [
        {"id": str(utility.pk), "name": "Grid Co", "type": "utility"},
        {"id": str(host.pk), "name": "Host", "type": "siteHost"},
    ]
    assert api.get(f"{GROUPS}/{group_id}").json()["data"]["sitePartners"] == again["sitePartners"]


def test_adding_an_unknown_site_partner_is_404_and_adds_nothing(api, north) -> None:
    group_id = api.post(GROUPS, group_body(north)).json()["data"]["id"]
    host = SitePartner.objects.create(network=north, name="Host", type="siteHost")
    path = f"{GROUPS}/{group_id}/add-site-partners"
    for unknown in ("8a5b1f0e-0000-4000-8000-000000000000", "nope"):
        response = api.post(path, {"sitePartnerIds": [str(host.pk), unknown]})
        assert error(response) == (404, "site_partner_not_found")
    assert not AssetGroup.objects.get().site_partners.exists()
    assert error(api.post(path, {"sitePartnerIds": []})) == (400, "invalid_request")
    unknown_group = f"{GROUPS}/8a5b1f0e-0000-4000-8000-000000000000/add-site-partners"
    assert error(api.post(unknown_group, {"sitePartnerIds": [str(host.pk)]})) == (
        404,
        "asset_group_not_found",
    )


def test_a_site_partner_of_another_network_is_a_network_mismatch(api, north) -> None:
    group_id = api.post(GROUPS, group_body(north)).json()["data"]["id"]
    south = network_get_or_create(name="south")
    theirs = SitePartner.objects.create(network=south, name="South host", type="siteHost")
    path = f"{GROUPS}/{group_id}/add-site-partners"
    assert error(api.post(path, {"sitePartnerIds": [str(theirs.pk)]})) == (400, "network_mismatch")


@pytest.mark.parametrize(
    "fields",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"latitude": 91},
        {"longitude": -181},
        {"opening_hours": [{"dayOfWeek": 7, "open": "08:00", "close": "09:00"}]},
        {"opening_hours": [{"dayOfWeek": "Monday", "open": "8am", "close": "09:00"}]},
        {"opening_hours": [{"dayOfWeek": 1, "open": "08:00", "close": "08:00"}]},
        {"opening_hours": {"monday": "08:00-20:00"}},
    ],
)
def test_the_model_refuses_what_the_api_refuses(north: Network, fields) -> None:
    # The Django admin validates through the model, so both doors stay equally strict.
    with pytest.raises(ValidationError):
        AssetGroup(network=north, name="Depot", **fields).full_clean()
    AssetGroup(network=north, name="Depot", opening_hours=WEEKDAYS_8_TO_8).full_clean()
