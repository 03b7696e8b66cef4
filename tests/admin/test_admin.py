"""The Django admin: every page renders, and its actions reach stations through the services."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from api.models import ApiClient
from assets.models import Asset, AssetGroup, SitePartner
from charging.models import ChargingSession, MeterSample
from ocpp_bridge.frame_log import frame_record
from ocpp_bridge.models import ChargerConnection, Direction, OcppCall, OcppFrame
from ocpp_bridge.station_events import StationRef
from rates.models import Rate
from webhooks.models import WebhookDelivery
from webhooks.sending import PostResult, delivery_record_attempt
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def connect(asset: Asset, protocol: str) -> Asset:
    """Record a live connection, as the consumer does (no socket needed to queue calls)."""
    connection = ChargerConnection.objects.create(
        asset=asset, protocol=protocol, channel_name="test.channel"
    )
    Asset.objects.filter(pk=asset.pk).update(
        current_connection=connection, protocol=protocol, is_online=True
    )
    return Asset.objects.get(pk=asset.pk)


@pytest.fixture
def fleet(make_station) -> dict[str, Asset]:
    rate = Rate.objects.create(name="Standard", price_per_kwh="0.30")
    online = connect(make_station("CP-ON", rate=rate), "ocpp1.6")
    group = AssetGroup.objects.create(network=online.network, name="Depot", city="Oslo")
    group.site_partners.add(
        SitePartner.objects.create(name="Grid Co", type=SitePartner.Type.UTILITY)
    )
    Asset.objects.filter(pk=online.pk).update(asset_group=group)
    session = ChargingSession.objects.create(asset=online, transaction_id="1", id_token="T1")
    MeterSample.objects.create(
        asset=online, session=session, sampled_at=timezone.now(), value="1200.5", unit="Wh"
    )
    offline = make_station("CP-OFF", protocol="ocpp2.0.1")
    OcppFrame.objects.create(asset=online, direction="in", message_type=2, action="Heartbeat")
    hooked(online)
    return {"online": online, "offline": offline}


def hooked(asset: Asset) -> None:
    """A webhook endpoint with one delivery that failed once."""
    endpoint_create(url="https://erp.example/hooks", event_types=["ocpp.message"])
    frame_record(
        station=StationRef(asset.pk, asset.identity, asset.network_id, "ocpp1.6"),
        connection_id=None,
        direction=Direction.IN,
        message_type=2,
        message_id="m-1",
        action="Heartbeat",
        payload={},
    )
    delivery_record_attempt(
        delivery=WebhookDelivery.objects.get(),
        result=PostResult(500, "", "oops", 12),
        now=timezone.now(),
    )


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label)
def test_every_admin_list_and_form_renders(admin_client, fleet, model) -> None:
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": "CP"}).status_code == 200
    instance = model.objects.first()
    if instance is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])
        assert admin_client.get(change).status_code == 200


def test_asset_list_filters_by_online_state(admin_client, fleet) -> None:
    url = reverse("admin:assets_asset_changelist")
    page = admin_client.get(url, {"is_online__exact": "1"}).content.decode()
    assert "CP-ON" in page and "CP-OFF" not in page


def run_action(admin_client, action: str, assets: list[Asset]):
    return admin_client.post(
        reverse("admin:assets_asset_changelist"),
        {"action": action, "_selected_action": [str(a.pk) for a in assets]},
        follow=True,
    )


def test_reset_action_queues_a_reset_for_connected_stations_only(admin_client, fleet) -> None:
    response = run_action(admin_client, "reset_hard", [fleet["online"], fleet["offline"]])
    text = response.content.decode()
    assert "Hard reset queued for 1: CP-ON" in text
    assert "not sent to 1: CP-OFF" in text and "not connected" in text
    call = OcppCall.objects.get()
    assert (call.asset_id, call.action, call.payload) == (
        fleet["online"].pk,
        "Reset",
        {"type": "Hard"},
    )
    assert call.source == "admin" and call.state in ("queued", "sent")


def test_sync_rate_action_sends_the_protocols_rate_message(admin_client, fleet) -> None:
    response = run_action(admin_client, "sync_rate", [fleet["online"]])
    assert "Rate display queued for 1" in response.content.decode()
    call = OcppCall.objects.get()
    assert call.action == "ChangeConfiguration" and call.payload["key"] == "DefaultPrice"
    assert '"kWhPrice":0.3' in call.payload["value"]


def test_sync_rate_action_explains_a_missing_rate(admin_client, fleet) -> None:
    Asset.objects.filter(pk=fleet["online"].pk).update(rate=None)
    response = run_action(admin_client, "sync_rate", [fleet["online"]])
    assert "has no rate" in response.content.decode()
    assert not OcppCall.objects.exists()


def test_logs_are_read_only(admin_client, fleet) -> None:
    frame = OcppFrame.objects.first()
    assert admin_client.get(reverse("admin:ocpp_bridge_ocppframe_add")).status_code == 403
    change = reverse("admin:ocpp_bridge_ocppframe_change", args=[frame.pk])
    admin_client.post(change, {"action": "Tampered"})
    frame.refresh_from_db()
    assert frame.action == "Heartbeat"


def test_an_api_client_is_created_with_its_scopes_and_networks(admin_client, fleet) -> None:
    network = fleet["online"].network
    response = admin_client.post(
        reverse("admin:api_apiclient_add"),
        {
            "name": "billing",
            "client_id": "billing-client",
            "client_secret": "a-long-enough-secret-for-the-test-1234567890",
            "client_type": "confidential",
            "authorization_grant_type": "client-credentials",
            "hash_client_secret": "on",
            "algorithm": "",
            "redirect_uris": "",
            "post_logout_redirect_uris": "",
            "allowed_origins": "",
            "scopes": ["read:session", "write:ocpp"],
            "networks": [str(network.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client = ApiClient.objects.get(name="billing")
    assert client.granted_scopes() == ["read:session", "write:ocpp"]
    assert list(client.networks.all()) == [network]


def test_the_admin_is_branded(admin_client) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "CSMS &middot; charging station management" in page


def test_webhook_admin_resends_deliveries_and_enables_endpoints(admin_client, fleet) -> None:
    delivery = WebhookDelivery.objects.get()
    endpoint = delivery.endpoint
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state="failed", next_attempt_at=None)

    admin_client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "resend", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.state == "pending" and delivery.resend_requested

    endpoint.enabled, endpoint.consecutive_failures = False, 12
    endpoint.save()
    admin_client.post(
        reverse("admin:webhooks_webhookendpoint_changelist"),
        {"action": "enable", "_selected_action": [endpoint.pk]},
    )
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures == 0


def test_webhook_endpoint_form_offers_event_types_as_checkboxes(admin_client, fleet) -> None:
    add = reverse("admin:webhooks_webhookendpoint_add")
    page = admin_client.get(add).content.decode()
    assert 'type="checkbox" name="event_types" value="asset.connectivity"' in page
    answer = admin_client.post(
        add,
        {"url": "https://new.example/h", "event_types": ["asset.connectivity"], "enabled": "on"},
        follow=True,
    )
    from webhooks.models import WebhookEndpoint

    created = WebhookEndpoint.objects.get(url="https://new.example/h")
    assert created.event_types == ["asset.connectivity"] and created.secret.startswith("whsec_")
    assert created.secret in answer.content.decode()  # shown once, on creation
    change = reverse("admin:webhooks_webhookendpoint_change", args=[created.pk])
    assert created.secret not in admin_client.get(change).content.decode()
