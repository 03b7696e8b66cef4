"""The OpenAPI document describes every list as its pagination class answers it: a page
`{"data": {"hasMore", "items": [<item>]}}` named `{Item}Page`, with `limit` and `startingAfter`."""

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

LISTS = {
    "/asset-management/v1/assets": "Asset",
    "/asset-management/v1/asset-groups": "AssetGroup",
    "/asset-management/v1/site-partners": "SitePartner",
    "/asset-management/v1/networks": "Network",
    "/sessions": "Session",
    "/tokens": "Token",
    "/webhooks/v1/webhook-endpoints": "WebhookEndpoint",
    "/webhooks/v1/webhook-endpoints/{endpoint_id}/deliveries": "WebhookDelivery",
}


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` itself, or the component its `$ref` names."""
    if "$ref" not in schema:
        return schema
    return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]


def ok_answer(document: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return document["paths"][path][method]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]


@pytest.mark.parametrize(("path", "item"), LISTS.items(), ids=list(LISTS.values()))
def test_each_list_answers_a_page_of_its_items(
    document: dict[str, Any], path: str, item: str
) -> None:
    answer = ok_answer(document, path)
    assert answer == {"$ref": f"#/components/schemas/{item}Page"}
    page = resolved(document, answer)
    assert page["required"] == ["data"]
    assert page["properties"]["data"] == {"$ref": f"#/components/schemas/{item}PageData"}
    data = resolved(document, page["properties"]["data"])
    assert set(data["required"]) == {"hasMore", "items"}
    assert data["properties"]["hasMore"] == {"type": "boolean"}
    assert data["properties"]["items"] == {
        "type": "array",
        "items": {"$ref": f"#/components/schemas/{item}"},
    }
    assert "id" in resolved(document, data["properties"]["items"]["items"])["properties"]


@pytest.mark.parametrize("path", LISTS, ids=list(LISTS.values()))
def test_each_list_documents_limit_and_starting_after(document: dict[str, Any], path: str) -> None:
    parameters = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
    limit, cursor = parameters["limit"], parameters["startingAfter"]
    assert (limit["in"], limit.get("required", False)) == ("query", False)
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert (cursor["in"], cursor.get("required", False)) == ("query", False)
    assert cursor["schema"] == {"type": "string"}


def test_a_list_views_other_methods_are_not_paged(document: dict[str, Any]) -> None:
    create = document["paths"]["/asset-management/v1/assets"]["post"]
    assert "limit" not in {p["name"] for p in create.get("parameters", [])}
    created = create["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/AssetEnvelope"}


def test_a_single_object_keeps_its_plain_envelope(document: dict[str, Any]) -> None:
    answer = resolved(document, ok_answer(document, "/asset-management/v1/assets/{asset_id}"))
    assert answer["properties"] == {"data": {"$ref": "#/components/schemas/Asset"}}
