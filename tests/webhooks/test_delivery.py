"""Sending deliveries to a real HTTP receiver: signature, body, what counts as success, the
retry schedule (time moved by the test), disabling, leases, resends and pruning."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import Asset
from ocpp_bridge.frame_log import frame_record
from ocpp_bridge.models import Direction
from ocpp_bridge.station_events import StationRef
from tests.webhooks.receiver import Receiver
from webhooks.models import DeliveryState, EventType, WebhookDelivery, WebhookEndpoint
from webhooks.sending import deliveries_send
from webhooks.services import deliveries_prune, delivery_resend, endpoint_create, endpoint_update

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def station(make_station) -> Asset:
    return make_station("CP-HOOK", protocol="ocpp1.6")


def ref(asset: Asset) -> StationRef:
    return StationRef(asset.pk, asset.identity, asset.network_id, "ocpp1.6")


def heartbeat_frame(asset: Asset) -> WebhookDelivery | None:
    """A Heartbeat CALL in the frame log, as the consumer records it; returns its (last)
    delivery."""
    frame_record(
        station=ref(asset),
        connection_id=None,
        direction=Direction.IN,
        message_type=2,
        message_id="hb-1",
        action="Heartbeat",
        payload={},
    )
    return WebhookDelivery.objects.order_by("created_at").last()


def hook(receiver: Receiver, *types: str, **extra: object) -> WebhookEndpoint:
    return endpoint_create(
        url=receiver.url, event_types=list(types) or [EventType.OCPP_MESSAGE], **extra
    )


def test_a_frame_is_posted_signed_with_the_endpoint_secret(receiver, station) -> None:
    endpoint = hook(receiver)
    delivery = heartbeat_frame(station)

    deliveries_send()

    [request] = receiver.received
    assert request.signed_with(endpoint.secret)
    assert not request.signed_with("whsec_someone-else")
    assert request.headers["X-Webhook-Delivery-Id"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json"
    event = request.event
    assert set(event) == {"id", "type", "createdAt", "data"}
    assert event["id"] == str(delivery.event_id) and event["type"] == "ocpp.message"
    assert event["data"]["chargingStationId"] == "CP-HOOK"
    assert event["data"]["direction"] == "fromStation"
    assert event["data"]["messageType"] == "CALL"
    assert (event["data"]["action"], event["data"]["messageId"]) == ("Heartbeat", "hb-1")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempt_count == 1


def test_only_subscribed_enabled_endpoints_of_the_station_network_get_the_event(
    receiver, station, make_station
) -> None:
    from networks.services import network_get_or_create

    north, south = network_get_or_create(name="north"), network_get_or_create(name="south")
    station.network = north
    station.save()
    wanted = {
        hook(receiver).pk,
        hook(receiver, network_id=north.pk).pk,
    }
    hook(receiver, EventType.ASSET_CONNECTIVITY)  # another type
    hook(receiver, network_id=south.pk)  # another network
    hook(receiver, enabled=False)

    heartbeat_frame(station)

    assert set(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == wanted
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 1


def test_no_endpoint_no_delivery(station) -> None:
    heartbeat_frame(station)
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("status", [500, 404, 301, 429])
def test_only_2xx_counts(receiver, station, status) -> None:
    hook(receiver)
    receiver.status = status
    delivery = heartbeat_frame(station)
    now = timezone.now()

    deliveries_send(now=now)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_status_code == status and delivery.last_error == f"HTTP {status}"
    assert delivery.next_attempt_at == now + HOUR


def test_failed_attempts_are_retried_after_1_4_12_24_48_hours_then_given_up(
    receiver, station
) -> None:
    endpoint = hook(receiver)
    receiver.status = 503
    delivery = heartbeat_frame(station)
    now = timezone.now()
    deliveries_send(now=now)
    assert len(receiver.received) == 1

    for hours in (1, 4, 12, 24, 48):
        # A minute early, nothing is sent; at the scheduled time, one more attempt.
        deliveries_send(now=now + timedelta(hours=hours, minutes=-1))
        assert len(receiver.received) == 1 + [1, 4, 12, 24, 48].index(hours)
        now += timedelta(hours=hours)
        deliveries_send(now=now)
        assert len(receiver.received) == 2 + [1, 4, 12, 24, 48].index(hours)

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.next_attempt_at is None
    assert delivery.attempt_count == 6
    assert [a.number for a in delivery.attempts.all()] == [1, 2, 3, 4, 5, 6]
    deliveries_send(now=now + timedelta(days=30))
    assert len(receiver.received) == 6
    # Every POST of one delivery carries the same event and delivery id.
    assert {r.event["id"] for r in receiver.received} == {str(delivery.event_id)}
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 6 and endpoint.enabled  # 3.7 days: not yet


def test_a_success_after_failures_ends_the_endpoint_failing_run(receiver, station) -> None:
    endpoint = hook(receiver)
    receiver.statuses = [500]
    delivery = heartbeat_frame(station)
    now = timezone.now()
    deliveries_send(now=now)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == now and endpoint.consecutive_failures == 1

    deliveries_send(now=now + HOUR)

    endpoint.refresh_from_db()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempt_count == 2
    assert endpoint.failing_since is None and endpoint.consecutive_failures == 0
    assert endpoint.last_success_at == now + HOUR


def test_an_unreachable_or_slow_receiver_is_a_failed_attempt(receiver, station, settings) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    hook(receiver)
    receiver.release.clear()  # the receiver never answers in time
    delivery = heartbeat_frame(station)

    deliveries_send()

    delivery.refresh_from_db()
    assert delivery.last_error == "timeout" and delivery.last_status_code is None
    receiver.release.set()
    WebhookEndpoint.objects.update(url="http://127.0.0.1:9/nothing-listens-here")
    deliveries_send(now=timezone.now() + HOUR)
    delivery.refresh_from_db()
    assert delivery.attempt_count == 2 and delivery.last_error == "connection refused"


def test_an_endpoint_failing_for_days_is_disabled_and_gets_nothing_until_enabled(
    receiver, station, settings
) -> None:
    endpoint = hook(receiver)
    receiver.status = 500
    now = timezone.now() + timedelta(seconds=1)  # after the events are created
    # Ten events an hour apart, each failing, then the same again five days later.
    for hour in range(10):
        heartbeat_frame(station)
        deliveries_send(now=now + hour * HOUR)
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failures >= 10
    heartbeat_frame(station)
    deliveries_send(now=now + timedelta(days=5))

    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "failed attempts in a row" in endpoint.disabled_reason
    # Disabled: new events are not recorded for it, and waiting retries are not sent.
    posts = len(receiver.received)
    before = WebhookDelivery.objects.count()
    heartbeat_frame(station)
    assert WebhookDelivery.objects.count() == before
    deliveries_send(now=now + timedelta(days=9))
    assert len(receiver.received) == posts

    receiver.status = 200
    endpoint_update(endpoint=endpoint, changes={"enabled": True})
    deliveries_send(now=now + timedelta(days=9))
    assert len(receiver.received) > posts
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.disabled_reason == ""


def test_a_delivery_held_by_a_sender_is_not_sent_twice_until_its_lease_ends(
    receiver, station
) -> None:
    from webhooks.sending import deliveries_claim

    hook(receiver)
    delivery = heartbeat_frame(station)
    now = timezone.now()
    [claimed] = deliveries_claim(delivery_ids=None, now=now)  # a sender that then died

    assert deliveries_send(now=now) == []
    assert deliveries_send(now=now + timedelta(seconds=59)) == []
    assert [d.pk for d in deliveries_send(now=now + timedelta(seconds=61))] == [delivery.pk]
    assert len(receiver.received) == 1 and claimed.pk == delivery.pk


def test_resend_sends_the_same_event_again_as_a_manual_attempt(receiver, station) -> None:
    endpoint = hook(receiver)
    delivery = heartbeat_frame(station)
    deliveries_send()

    delivery_resend(delivery=delivery)
    deliveries_send()

    first, again = receiver.received
    assert first.body == again.body and again.signed_with(endpoint.secret)
    assert again.headers["X-Webhook-Delivery-Id"] == str(delivery.pk)
    assert [a.manual for a in delivery.attempts.all()] == [False, True]


def test_old_finished_deliveries_are_pruned_and_pending_ones_kept(receiver, station) -> None:
    hook(receiver)
    done = heartbeat_frame(station)
    deliveries_send()
    receiver.status = 500
    waiting = heartbeat_frame(station)
    deliveries_send()

    assert deliveries_prune(now=timezone.now() + timedelta(days=31)) >= 1

    assert not WebhookDelivery.objects.filter(pk=done.pk).exists()
    assert WebhookDelivery.objects.filter(pk=waiting.pk).exists()
