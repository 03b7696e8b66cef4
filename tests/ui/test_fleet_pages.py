"""The fleet pages through Django's test client: what they show against the database, and a
fixed number of queries per page whatever the fleet's size."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from assets.availability_days import availability_days_roll_up
from assets.models import AssetGroup, PlannedOutage
from ocpp_bridge.frame_log import frame_record
from ocpp_bridge.models import Direction
from ocpp_bridge.station_events import StationRef
from tests.ui.fleet import harbour_availability, make_fleet, session, station
from tokens.models import IdToken, TokenStatus
from tokens.services import token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create_user("operator", password="pw", is_staff=True)
    for codename in ("add_idtoken", "change_idtoken"):
        permission = Permission.objects.get(codename=codename, content_type__app_label="tokens")
        user.user_permissions.add(permission)
    return user


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_dashboard_figures_are_the_databases(operator_client) -> None:
    fleet = make_fleet()
    context = operator_client.get(reverse("ui:home")).context
    assert context["counts"] == {
        "total": 3, "online": 2, "offline": 1, "faulted": 1, "charging": 1
    }  # fmt: skip
    assert round(context["energy"].today_kwh, 3) == 12.5
    assert len(context["energy"].days) == 30
    assert [s.identity for s in context["stations_down"]] == ["M-1"]
    assert [c.asset.identity for c in context["connectors_down"]] == ["H-2"]
    by_site = {item.site.name: item.availability.ratio for item in context["sites_availability"]}
    assert by_site["Harbour"] == pytest.approx(harbour_availability(), abs=1e-4)
    assert by_site["Market"] == 1.0
    filtered = operator_client.get(reverse("ui:home"), {"site": str(fleet.market.pk)}).context
    assert filtered["counts"]["total"] == 1 and filtered["energy"].today_kwh == 0


def test_dashboard_live_part_is_served_alone(operator_client) -> None:
    make_fleet()
    html = operator_client.get(reverse("ui:home"), {"fragment": "figures"}).content.decode()
    assert 'data-figure="faulted">1<' in html and "<html" not in html


def test_sessions_list_filters_and_totals(operator_client) -> None:
    fleet = make_fleet()
    everything = operator_client.get(reverse("ui:sessions")).context
    assert everything["totals"]["sessions"] == 3
    assert everything["totals"]["energy_kwh"] == 39.5
    assert everything["totals"]["costs"] == [("EUR", 13)]
    anna = operator_client.get(reverse("ui:sessions"), {"token": "anna"}).context
    assert {s.id_token for s in anna["sessions"]} == {"TAG-ANNA"}
    market = operator_client.get(reverse("ui:sessions"), {"site": str(fleet.market.pk)}).context
    assert [s.asset.identity for s in market["sessions"]] == ["M-1"]
    today = timezone.now().date().isoformat()
    since_today = operator_client.get(reverse("ui:sessions"), {"from": today}).context
    assert since_today["totals"]["sessions"] == 1


def test_csv_export_streams_every_matching_session(operator_client) -> None:
    make_fleet()
    response = operator_client.get(reverse("ui:sessions-export"), {"station": "H-1"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["station"], r["token"], r["energy_wh"]) for r in rows] == [
        ("H-1", "TAG-ANNA", "12500.000"), ("H-1", "TAG-BEN", "20000.000")
    ]  # fmt: skip
    assert rows[0]["site"] == "Harbour" and rows[0]["started"].endswith("Z")


def test_session_page_shows_curve_timeline_and_cost(operator_client) -> None:
    fleet = make_fleet()
    today = fleet.sessions[0]
    context = operator_client.get(reverse("ui:session", args=[today.pk])).context
    assert len(context["chart"]["energy"]["x"]) == 5
    assert context["chart"]["energy"]["series"][0]["values"][-1] == 12.5
    assert context["chart"]["power"]["series"][0]["values"] == [7.4] * 5
    assert context["timeline"][0].what == "Started"
    assert [(line.label, str(line.amount)) for line in context["cost_lines"]] == [
        ("Energy", "5.00")
    ]


def test_tokens_are_created_blocked_unblocked_and_given_an_expiry(operator_client) -> None:
    response = operator_client.post(reverse("ui:tokens"), {"id_token": "CARD-7",
                                    "token_type": "ISO14443", "description": "van 7"})  # fmt: skip
    assert response.status_code == 302
    token = IdToken.objects.get(id_token="CARD-7")
    operator_client.post(reverse("ui:token-status", args=[token.pk]), {"status": "Blocked"})
    token.refresh_from_db()
    assert token.status == TokenStatus.BLOCKED
    operator_client.post(reverse("ui:token-status", args=[token.pk]), {"status": "Accepted"})
    operator_client.post(reverse("ui:token-expiry", args=[token.pk]),
                         {"expires_at": "2030-01-02T03:04"})  # fmt: skip
    token.refresh_from_db()
    assert token.status == TokenStatus.ACCEPTED and token.expires_at.year == 2030
    again = operator_client.post(reverse("ui:tokens"), {"id_token": "CARD-7",
                                 "token_type": "ISO14443"})  # fmt: skip
    assert again.status_code == 200 and b"exists already" in again.content
    found = operator_client.get(reverse("ui:tokens"), {"q": "van"}).context["tokens"]
    assert [t.id_token for t in found] == ["CARD-7"]


def test_staff_without_token_permissions_may_look_but_not_change(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(viewer)
    token = token_create(id_token="CARD-8")
    assert client.get(reverse("ui:tokens")).status_code == 200
    blocked = client.post(reverse("ui:token-status", args=[token.pk]), {"status": "Blocked"})
    assert blocked.status_code == 403
    assert IdToken.objects.get(pk=token.pk).status == TokenStatus.ACCEPTED


def test_site_page_draws_its_stations_on_a_tile_free_map(operator_client) -> None:
    fleet = make_fleet()
    html = operator_client.get(reverse("ui:site", args=[fleet.harbour.pk])).content.decode()
    assert html.count('class="map__station"') == 2
    assert "<image" not in html  # no tile source unless one is configured
    assert f'href="/ui/sites/{fleet.market.pk}/"' in html


def grow(fleet, count: int) -> None:
    """More stations and sessions at the fleet's sites."""
    now = timezone.now()
    for number in range(count):
        extra = station(f"X-{number}", fleet.harbour, online=number % 2 == 0)
        session(extra, started=now - timedelta(days=number % 20), minutes=20, energy_wh=1000,
                cost="1.00", samples=3)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "page", "max_queries"),
    [
        ("dashboard", lambda f: reverse("ui:home"), 15),
        ("sessions", lambda f: reverse("ui:sessions"), 8),
        ("session", lambda f: reverse("ui:session", args=[f.sessions[0].pk]), 9),
        ("tokens", lambda f: reverse("ui:tokens"), 6),
        ("site", lambda f: reverse("ui:site", args=[f.harbour.pk]), 14),
    ],
)
@pytest.mark.parametrize("rolled_up", [False, True], ids=["history", "rolled-up"])
def test_each_page_costs_a_fixed_number_of_queries(
    operator_client, django_assert_max_num_queries, name, page, max_queries, rolled_up
) -> None:
    fleet = make_fleet()
    for token in range(5):
        token_create(id_token=f"T-{token}")
    grow(fleet, 8)
    if rolled_up:
        today = timezone.localdate()
        availability_days_roll_up(days=[today - timedelta(days=n) for n in range(1, 30)])
    with django_assert_max_num_queries(max_queries):
        assert operator_client.get(page(fleet)).status_code == 200


def test_session_page_lists_the_frames_of_its_transaction_only(operator_client) -> None:
    fleet = make_fleet()
    h1 = fleet.stations["H-1"]
    running = session(h1, started=timezone.now() - timedelta(minutes=10), minutes=20,
                      energy_wh=1000)  # fmt: skip
    ref = StationRef(h1.pk, h1.identity, h1.network_id, "ocpp1.6")
    transaction = int(running.transaction_id)
    frames = [
        ("start", Direction.IN, "StartTransaction", {"connectorId": 1, "idTag": "TAG-1"}),
        ("start", Direction.OUT, "StartTransaction", {"transactionId": transaction}),
        ("mine", Direction.IN, "MeterValues", {"transactionId": transaction}),
        ("other", Direction.IN, "MeterValues", {"transactionId": 999_999}),
        ("beat", Direction.IN, "Heartbeat", {}),
    ]
    for message_id, direction, action, payload in frames:
        frame_record(station=ref, connection_id=None, direction=direction, message_type=2,
                     message_id=message_id, action=action, payload=payload)  # fmt: skip
    shown = operator_client.get(reverse("ui:session", args=[running.pk])).context["frames"]
    assert [(f.message_id, f.direction) for f in shown] == [
        ("start", Direction.IN), ("start", Direction.OUT), ("mine", Direction.IN)
    ]  # fmt: skip


def test_site_live_part_is_served_alone(operator_client) -> None:
    fleet = make_fleet()
    url = reverse("ui:site", args=[fleet.harbour.pk])
    html = operator_client.get(url, {"fragment": "site"}).content.decode()
    assert 'id="site-map"' in html and "H-1" in html and "<html" not in html


def test_availability_per_site_is_kept_for_the_configured_time(operator_client, settings):
    from django.core.cache import cache

    settings.UI_AVAILABILITY_CACHE_SECONDS = 300
    cache.clear()
    fleet = make_fleet()

    def harbour() -> float | None:
        items = operator_client.get(reverse("ui:home")).context["sites_availability"]
        return next(i.availability.ratio for i in items if i.site == fleet.harbour)

    first = harbour()
    assert first is not None and first < 0.96
    # H-2's fault of the last 3 days marked planned: Harbour is up all its known time.
    now = timezone.now()
    PlannedOutage.objects.create(
        asset=fleet.stations["H-2"],
        starts_at=now - timedelta(days=4),
        ends_at=now + timedelta(days=1),
    )
    assert harbour() == first  # kept
    cache.clear()
    assert harbour() == 1.0  # read afresh


def test_a_token_past_its_expiry_is_marked_expired(operator_client) -> None:
    token_create(id_token="OLD-1", expires_at=timezone.now() - timedelta(days=1))
    token_create(id_token="NEW-1", expires_at=timezone.now() + timedelta(days=1))
    html = operator_client.get(reverse("ui:tokens")).content.decode()
    old, new = html.split('data-token="OLD-1"')[1], html.split('data-token="NEW-1"')[1]
    assert 'data-role="expired"' in old.split("</tr>")[0]
    assert 'data-role="expired"' not in new.split("</tr>")[0]


def test_a_site_without_stations_says_so(operator_client) -> None:
    fleet = make_fleet()
    empty = AssetGroup.objects.create(network=fleet.north, name="Empty lot")
    response = operator_client.get(reverse("ui:site", args=[empty.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "No station at this site." in html
    assert 'data-role="availability">\N{EN DASH}<' in html
