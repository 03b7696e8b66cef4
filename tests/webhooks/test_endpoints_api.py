"""/webhooks/v1 over real HTTP with real tokens: endpoints, secrets, scopes, networks,
deliveries and resends."""

import pytest

from networks.models import Network
from networks.services import network_get_or_create
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RW = "read:webhooks write:webhooks"
BASE = "/webhooks/v1/webhook-endpoints"
BODY = {"url": "https://example.test/hooks", "eventTypes": ["ocpp.message"]}


@pytest.fixture
def networks() -> dict[str, Network]:
    return {name: network_get_or_create(name=name) for name in ("north", "south")}


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_create_shows_the_secret_once(client_with) -> None:
    api = client_with(RW)
    body = {**BODY, "eventTypes": ["asset.connectivity", "ocpp.message"], "description": "ERP"}

    created = api.post(BASE, body)

    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["secret"].startswith("whsec_") and len(data["secret"]) > 30
    assert data["eventTypes"] == ["asset.connectivity", "ocpp.message"]
    assert data["enabled"] is True and data["networkId"] is None
    assert data["description"] == "ERP"
    read = api.get(f"{BASE}/{data['id']}").json()["data"]
    assert "secret" not in read
    assert read == {k: v for k, v in data.items() if k != "secret"}
    listed = api.get(BASE).json()["data"]
    assert [item["id"] for item in listed["items"]] == [data["id"]]
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "url": "ftp://example.test/x"}, "url"),
        ({**BODY, "url": "not a url"}, "url"),
        ({**BODY, "eventTypes": ["ocpp.everything"]}, "eventTypes"),
        ({**BODY, "eventTypes": []}, "eventTypes"),
        ({"url": BODY["url"]}, "eventTypes"),
        ({**BODY, "networkId": "f0b9f6a4-0000-4000-8000-000000000000"}, "networkId"),
    ],
)
def test_invalid_endpoints_are_refused_naming_the_field(client_with, body, field) -> None:
    response = client_with(RW).post(BASE, body)
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith(field)
    assert not WebhookEndpoint.objects.exists()


def test_reading_needs_read_and_writing_needs_write_scope(client_with) -> None:
    reader, writer = client_with("read:webhooks"), client_with("write:webhooks")
    assert error(reader.post(BASE, BODY)) == (403, "insufficient_scope")
    assert error(writer.get(BASE)) == (403, "insufficient_scope")
    assert error(client_with("read:asset").get(BASE)) == (403, "insufficient_scope")
    assert writer.post(BASE, BODY).status_code == 201
    assert reader.get(BASE).status_code == 200


def test_a_client_restricted_to_networks_manages_only_its_networks_endpoints(
    client_with, networks
) -> None:
    north, south = networks["north"], networks["south"]
    theirs = endpoint_create(url=BODY["url"], event_types=["ocpp.message"], network_id=south.pk)
    everywhere = endpoint_create(url=BODY["url"], event_types=["ocpp.message"])
    api = client_with(RW, networks=["north"])

    assert error(api.post(BASE, BODY)) == (400, "invalid_request")  # needs a network
    assert error(api.post(BASE, {**BODY, "networkId": str(south.pk)})) == (400, "invalid_request")
    mine = api.post(BASE, {**BODY, "networkId": str(north.pk)})
    assert mine.status_code == 201

    listed = [item["id"] for item in api.get(BASE).json()["data"]["items"]]
    assert listed == [mine.json()["data"]["id"]]
    for other in (theirs, everywhere):
        assert error(api.get(f"{BASE}/{other.pk}")) == (404, "webhook_endpoint_not_found")
        assert error(api.delete(f"{BASE}/{other.pk}")) == (404, "webhook_endpoint_not_found")


def test_update_disable_enable_rotate_and_delete(client_with) -> None:
    api = client_with(RW)
    created = api.post(BASE, BODY).json()["data"]
    url = f"{BASE}/{created['id']}"

    changed = api.patch(url, {"url": "https://example.test/v2", "enabled": False}).json()["data"]
    assert changed["url"] == "https://example.test/v2" and changed["enabled"] is False
    assert changed["disabledReason"] == "disabled by a client"
    enabled = api.patch(url, {"enabled": True}).json()["data"]
    assert enabled["enabled"] is True and enabled["disabledReason"] is None
    assert error(api.patch(url, {"eventTypes": ["nope"]})) == (400, "invalid_request")

    rotated = api.post(f"{url}/rotate-secret").json()["data"]
    assert rotated["secret"] != created["secret"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == rotated["secret"]

    assert api.delete(url).status_code == 204
    assert error(api.get(url)) == (404, "webhook_endpoint_not_found")
    assert error(api.get(f"{BASE}/not-a-uuid")) == (404, "webhook_endpoint_not_found")


def test_event_types_are_listed(client_with) -> None:
    items = client_with("read:webhooks").get("/webhooks/v1/event-types").json()["data"]["items"]
    assert [item["type"] for item in items] == ["ocpp.message", "asset.connectivity"]


def delivery_for(endpoint: WebhookEndpoint, state: str = DeliveryState.FAILED) -> WebhookDelivery:
    import uuid

    from django.utils import timezone

    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type="ocpp.message",
        event_created_at=timezone.now(),
        data={"chargingStationId": "CP-1"},
        state=state,
        attempt_count=6,
    )


def test_deliveries_are_listed_filtered_read_and_resent(client_with) -> None:
    api = client_with(RW)
    endpoint = WebhookEndpoint.objects.get(pk=api.post(BASE, BODY).json()["data"]["id"])
    failed = delivery_for(endpoint)
    succeeded = delivery_for(endpoint, DeliveryState.SUCCEEDED)
    base = f"{BASE}/{endpoint.pk}/deliveries"

    listed = api.get(base).json()["data"]["items"]
    assert [item["id"] for item in listed] == [str(failed.pk), str(succeeded.pk)]
    only_failed = api.get(f"{base}?state=failed").json()["data"]["items"]
    assert [item["id"] for item in only_failed] == [str(failed.pk)]
    assert error(api.get(f"{base}?state=lost")) == (400, "invalid_request")
    detail = api.get(f"{base}/{failed.pk}").json()["data"]
    assert detail["event"]["id"] == str(failed.event_id)
    assert detail["event"]["data"] == {"chargingStationId": "CP-1"}
    assert detail["attempts"] == []

    resent = api.post(f"{base}/{failed.pk}/resend")

    assert resent.status_code == 202, resent.text
    assert resent.json()["data"]["state"] == "pending"
    failed.refresh_from_db()
    # Queued for sending (a worker of the test session may already have tried it).
    assert failed.resend_requested or failed.attempts.filter(manual=True).exists()


def test_resend_is_refused_for_a_disabled_endpoint_and_unknown_deliveries(client_with) -> None:
    api = client_with(RW)
    endpoint = WebhookEndpoint.objects.get(pk=api.post(BASE, BODY).json()["data"]["id"])
    delivery = delivery_for(endpoint)
    base = f"{BASE}/{endpoint.pk}/deliveries"
    api.patch(f"{BASE}/{endpoint.pk}", {"enabled": False})

    assert error(api.post(f"{base}/{delivery.pk}/resend")) == (409, "endpoint_disabled")
    other = endpoint_create(url=BODY["url"], event_types=["ocpp.message"])
    elsewhere = f"{BASE}/{other.pk}/deliveries/{delivery.pk}"
    assert error(api.get(elsewhere)) == (404, "webhook_delivery_not_found")
    assert error(api.post(f"{elsewhere}/resend")) == (404, "webhook_delivery_not_found")
    assert error(api.get(f"{BASE}/{other.pk}/deliveries/x")) == (404, "webhook_delivery_not_found")
    assert error(client_with("read:webhooks").post(f"{base}/{delivery.pk}/resend")) == (
        403,
        "insufficient_scope",
    )
