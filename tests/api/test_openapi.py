"""The OpenAPI document describes every operation with the scope it needs, and is browsable."""

import pytest

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("/ocpp/v2/raw-request", "post"): ["write:ocpp.raw_request"],
    ("/ocpp/v2/requests/{message_id}", "get"): ["write:ocpp.raw_request", "write:ocpp"],
    ("/ocpp/v2/assets/{asset_id}/rate-display/sync-rate", "post"): ["write:ocpp"],
    ("/ocpp/v2/assets/{asset_id}/rate-display/disable", "post"): ["write:ocpp"],
    ("/ocpp/remoteStartTransaction", "post"): ["write:ocpp"],
    ("/ocpp/remoteStopTransaction", "post"): ["write:ocpp"],
    ("/ocpp/reset", "post"): ["write:ocpp"],
    ("/webhooks/v1/webhook-endpoints", "get"): ["read:webhooks"],
    ("/webhooks/v1/webhook-endpoints", "post"): ["write:webhooks"],
    ("/webhooks/v1/webhook-endpoints/{endpoint_id}", "delete"): ["write:webhooks"],
    (
        "/webhooks/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/resend",
        "post",
    ): ["write:webhooks"],
}


def test_each_operation_lists_its_scopes(client) -> None:
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    for (path, method), scopes in EXPECTED.items():
        operation = schema["paths"][path][method]
        granted = sorted(
            {s for requirement in operation["security"] for s in requirement["oauth2"]}
        )
        assert granted == sorted(scopes), (path, granted)
    flows = schema["components"]["securitySchemes"]["oauth2"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/oauth/token"
    assert len(flows["clientCredentials"]["scopes"]) == 43


def test_the_raw_request_body_is_the_seeds(client) -> None:
    schema = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    body = schema["components"]["schemas"]["RawRequestRequest"]
    assert set(body["properties"]) == {
        "action", "assetId", "payload", "network", "async", "requestId"
    }  # fmt: skip
    assert set(body["required"]) == {"action", "assetId", "payload"}


def test_the_docs_page_is_served_without_a_cdn(client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content and b"cdn.jsdelivr" not in response.content
