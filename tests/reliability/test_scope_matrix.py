"""Every operation of the OpenAPI document against every scope and network rule, with real
tokens from the running server's token endpoint.

tests/api/test_scopes_and_networks.py pins the command endpoints by hand; this file reads the
operations and their scopes from the document itself, so an endpoint added tomorrow is checked
without anyone listing it here.
"""

import uuid
from typing import Any

import pytest
import requests
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from api.scope_catalogue import SCOPES
from charging.models import ChargingSession, SessionStatus
from ocpp_bridge.models import OcppCall
from tests.api_clients import Api, api_for
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMA: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (path, method, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
    if method in {"get", "post", "patch", "put", "delete"}
]

# Values that get a request past validation to the point where it looks the row up.
REALISTIC = {"action": "Reset", "payload": {"type": "Immediate"}, "resetType": "Soft"}


def scope_alternatives(operation: dict[str, Any]) -> list[list[str]]:
    """Each security requirement is a set of scopes that together grant the operation."""
    return [requirement["oauth2"] for requirement in operation.get("security", [])]


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema or "allOf" in schema:
        if "allOf" in schema:
            schema = schema["allOf"][0]
            continue
        node: Any = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def minimal(schema: dict[str, Any], overrides: dict[str, Any]) -> Any:
    """The smallest value the document accepts, with `overrides` for properties so named."""
    schema = resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        body = {
            name: minimal(schema["properties"][name], overrides)
            for name in schema.get("required", [])
        }
        named = {k: v for k, v in overrides.items() if k in schema.get("properties", {})}
        return body | named
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return "x" * max(schema.get("minLength", 1), 1)


def send(api: Api, method: str, path: str, operation: dict[str, Any], **values: Any):
    """The operation with its path parameters, query and body filled from `values`."""
    url = path.format(**{name: values.get(name, "none") for name in path_names(path)})
    query = {
        p["name"]: values[p["name"]]
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p["name"] in values
    }
    body = None
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = minimal(schema, {**REALISTIC, **values})
    return requests.request(
        method, f"{api.base}{url}", json=body, params=query, headers=api.headers(), timeout=60
    )


def path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def error_code(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


def label(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def test_the_document_gives_every_operation_a_known_scope() -> None:
    for path, method, operation in OPERATIONS:
        alternatives = scope_alternatives(operation)
        assert alternatives, label(method, path)
        for scopes in alternatives:
            assert scopes and set(scopes) <= set(SCOPES), (label(method, path), scopes)


def test_every_operation_refuses_a_request_without_a_token(daphne_server: str) -> None:
    anonymous = Api(f"http://{daphne_server}", None)
    forged = Api(f"http://{daphne_server}", "forged")
    wrong = []
    for path, method, operation in OPERATIONS:
        for api in (anonymous, forged):
            response = send(api, method, path, operation)
            if response.status_code != 401 or not error_code(response):
                wrong.append((label(method, path), response.status_code, error_code(response)))
    assert wrong == []


def test_every_operation_refuses_a_token_without_its_scope(daphne_server: str) -> None:
    wrong = []
    for path, method, operation in OPERATIONS:
        granting = {scope for scopes in scope_alternatives(operation) for scope in scopes}
        # Every other scope of the catalogue: only the missing one may make the difference.
        api = api_for(daphne_server, " ".join(sorted(set(SCOPES) - granting)))
        response = send(api, method, path, operation)
        if (response.status_code, error_code(response)) != (403, "insufficient_scope"):
            wrong.append((label(method, path), response.status_code, response.text[:200]))
    assert wrong == []


def test_every_operation_admits_a_token_with_only_its_scope(daphne_server: str) -> None:
    tokens: dict[str, Api] = {}
    wrong = []
    for path, method, operation in OPERATIONS:
        for scopes in scope_alternatives(operation):
            key = " ".join(sorted(scopes))
            api = tokens.setdefault(key, api_for(daphne_server, key))
            response = send(api, method, path, operation)
            if response.status_code in (401, 403):
                wrong.append((label(method, path), key, response.status_code, response.text[:200]))
    assert wrong == []


@pytest.fixture
def south(daphne_server: str, make_station) -> dict[str, str]:
    """A row of every network-bound kind in network "south", made through the API, and the
    north network the restricted client will be bound to."""
    everyone = api_for(daphne_server, " ".join(SCOPES))
    make_station("CP-NORTH", protocol="ocpp2.0.1", network_name="north")
    station = make_station("CP-SOUTH", protocol="ocpp2.0.1", network_name="south")
    network = str(station.network_id)

    def created(path: str, body: dict[str, Any]) -> str:
        response = everyone.post(path, body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    session = ChargingSession.objects.create(
        asset=station, transaction_id="TX-SOUTH", status=SessionStatus.ACTIVE, evse_id=1
    )
    OcppCall.objects.create(
        asset=station, protocol="ocpp2.0.1", message_id="call-south", action="Reset"
    )
    endpoint = created(
        "/webhooks/v1/webhook-endpoints",
        {
            "url": "https://example.invalid/hook",
            "eventTypes": ["ocpp.message"],
            "networkId": network,
        },
    )
    delivery = WebhookDelivery.objects.create(
        endpoint_id=endpoint,
        event_id=uuid.uuid4(),
        event_type="ocpp.message",
        event_created_at=timezone.now(),
        data={},
        asset_id=station.pk,
    )
    group = created("/asset-management/v1/asset-groups", {"name": "G", "networkId": network})
    panel = created(
        "/asset-management/v1/panels", {"name": "P", "capacity": 32, "assetGroupId": group}
    )
    attached = everyone.post(
        f"/asset-management/v1/panels/{panel}/stations", {"assetId": station.identity}
    )
    assert attached.status_code in (200, 201), attached.text
    limit = everyone.post(
        f"/asset-management/v1/assets/{station.pk}/charging-limits",
        {"purpose": "station_max", "limitAmps": 16},
    )
    assert limit.status_code == 202, limit.text
    return {
        # path parameters
        "asset_id": str(station.pk),
        "network_id": network,
        "group_id": group,
        "panel_id": panel,
        "limit_id": str(limit.json()["data"]["id"]),
        "partner_id": created(
            "/asset-management/v1/site-partners",
            {"name": "P", "type": "siteHost", "networkId": network},
        ),
        "token_id": created("/tokens", {"idToken": "TOKEN-SOUTH", "networkId": network}),
        "endpoint_id": endpoint,
        "delivery_id": str(delivery.pk),
        "session_id": str(session.pk),
        "message_id": "call-south",
        # bodies and queries
        "assetId": station.identity,
        "chargingStationId": station.identity,
        "ocppTransactionId": session.transaction_id,
        "connectorId": 1,
        "idTag": "TOKEN-SOUTH",
    }


def takes_a_south_row(path: str, operation: dict[str, Any], south: dict[str, str]) -> bool:
    if any(name in south for name in path_names(path)):
        return True
    if "requestBody" not in operation:
        return False
    schema = resolve(operation["requestBody"]["content"]["application/json"]["schema"])
    return bool({"assetId", "chargingStationId", "ocppTransactionId"} & set(schema["properties"]))


def test_a_client_of_another_network_cannot_reach_its_rows(
    daphne_server: str, south: dict[str, str]
) -> None:
    north_only = api_for(daphne_server, " ".join(SCOPES), networks=["north"])
    everyone = api_for(daphne_server, " ".join(SCOPES))
    checked, wrong = [], []
    # Deletions last: the unrestricted client really deletes.
    for path, method, operation in sorted(OPERATIONS, key=lambda op: op[1] == "delete"):
        if not takes_a_south_row(path, operation, south):
            continue
        checked.append(label(method, path))
        refused = send(north_only, method, path, operation, **south)
        code = error_code(refused)
        if refused.status_code != 404 or not code.endswith("_not_found"):
            wrong.append((label(method, path), refused.status_code, refused.text[:200]))
        # Not vacuous: the same request from an unrestricted client finds the row.
        seen = send(everyone, method, path, operation, **south)
        if error_code(seen).endswith("_not_found"):
            wrong.append((label(method, path), "unrestricted client", seen.text[:200]))
    assert wrong == []
    assert len(checked) >= 20, checked


def test_a_client_of_another_network_lists_none_of_its_rows(
    daphne_server: str, south: dict[str, Any]
) -> None:
    north_only = api_for(daphne_server, " ".join(SCOPES), networks=["north"])
    everyone = api_for(daphne_server, " ".join(SCOPES))
    south_values = {value for value in south.values() if isinstance(value, str)}

    def south_items(api: Api, method: str, path: str, operation: dict[str, Any]) -> list:
        response = send(api, method, path, operation)
        assert response.status_code == 200, (label(method, path), response.text[:200])
        items = response.json()["data"].get("items", [])
        return [item for item in items if {str(v) for v in item.values()} & south_values]

    lists = [(p, m, o) for p, m, o in OPERATIONS if m == "get" and not path_names(p)]
    leaked = {label(m, p): south_items(north_only, m, p, o) for p, m, o in lists}
    assert {name: items for name, items in leaked.items() if items} == {}
    # Not vacuous: an unrestricted client does see the south rows in most of these lists.
    shown = [label(m, p) for p, m, o in lists if south_items(everyone, m, p, o)]
    assert len(shown) >= 5, shown
