"""The OpenAPI document lists each asset-management operation with its scope, and the shapes
clients build against."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

AM = "/asset-management/v1"
EXPECTED = {
    (f"{AM}/assets", "get"): "read:asset",
    (f"{AM}/assets", "post"): "write:asset",
    (f"{AM}/assets/{{asset_id}}", "get"): "read:asset",
    (f"{AM}/assets/{{asset_id}}", "patch"): "write:asset",
    (f"{AM}/asset-groups", "get"): "read:assetgroup",
    (f"{AM}/asset-groups", "post"): "write:assetgroup",
    (f"{AM}/asset-groups/{{group_id}}", "get"): "read:assetgroup",
    (f"{AM}/asset-groups/{{group_id}}", "patch"): "write:assetgroup",
    (f"{AM}/asset-groups/{{group_id}}/add-site-partners", "post"): "write:assetgroup",
    (f"{AM}/asset-statuses", "get"): "read:assetstatus",
    (f"{AM}/site-partners", "get"): "read:sitepartner",
    (f"{AM}/site-partners", "post"): "write:sitepartner",
    (f"{AM}/site-partners/{{partner_id}}", "get"): "read:sitepartner",
    (f"{AM}/site-partners/{{partner_id}}", "patch"): "write:sitepartner",
    (f"{AM}/networks", "get"): "read:asset",
    (f"{AM}/networks", "post"): "write:network",
    (f"{AM}/networks/{{network_id}}", "get"): "read:asset",
    (f"{AM}/networks/{{network_id}}", "patch"): "write:network",
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_each_operation_lists_its_one_scope(schema: dict) -> None:
    for (path, method), scope in EXPECTED.items():
        security = schema["paths"][path][method]["security"]
        assert [s["oauth2"] for s in security] == [[scope]], (path, method)


def test_the_list_filters_are_documented_as_query_parameters(schema: dict) -> None:
    parameters = {p["name"] for p in schema["paths"][f"{AM}/assets"]["get"]["parameters"]}
    assert parameters == {
        "chargingStationMake",
        "chargingStationModel",
        "firmwareVersion",
        "assetGroups",
        "networkId",
        "online",
        "limit",
        "startingAfter",
    }


def test_lists_and_objects_are_documented_in_their_envelopes(schema: dict) -> None:
    components = schema["components"]["schemas"]
    assert set(components["AssetPageData"]["properties"]) == {"hasMore", "items"}
    assert set(components["AssetEnvelope"]["properties"]) == {"data"}
    assert "password" not in components["Asset"]["properties"]
    assert "password" in components["AssetCreateRequest"]["properties"]


def test_the_whole_schema_validates_without_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_asset_statuses_period_and_filters_are_documented(schema: dict) -> None:
    operation = schema["paths"][f"{AM}/asset-statuses"]["get"]
    parameters = {p["name"] for p in operation["parameters"]}
    assert parameters == {
        "from", "to", "assetId", "networkId", "assetGroupId", "limit", "startingAfter"
    }  # fmt: skip
    item = schema["components"]["schemas"]["AssetStatus"]["properties"]
    assert {"history", "availability", "statusAtStart"} <= set(item)
