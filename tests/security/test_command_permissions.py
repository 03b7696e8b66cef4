"""Seeing a station is not commanding it: a staff user without assets.command_station sees the
station page but not its console (a send is 403), and the admin hides the station actions."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from assets.models import Asset
from ocpp_bridge.models import ChargerConnection, OcppCall
from tests.security.permissions import grant_command_station

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(django_user_model):
    """A staff user with every permission to view assets, none to command them."""
    return django_user_model.objects.create_user("viewer", password="pw", is_staff=True)


@pytest.fixture
def online_station(make_station) -> Asset:
    """Connected as the consumer records it: a command to it would be queued."""
    asset = make_station("CP-PERM", protocol="ocpp1.6")
    connection = ChargerConnection.objects.create(
        asset=asset, protocol="ocpp1.6", channel_name="test.channel"
    )
    Asset.objects.filter(pk=asset.pk).update(
        current_connection=connection, is_online=True, last_seen_at=datetime.now(UTC)
    )
    return Asset.objects.get(pk=asset.pk)


def console_send(client, asset: Asset):
    url = reverse("ui:console-send", args=[asset.pk])
    body = '{"action": "Reset", "payload": {"type": "Hard"}}'
    return client.post(url, body, content_type="application/json")


def test_staff_without_the_permission_sees_the_station_but_no_console(
    client, viewer, online_station
) -> None:
    client.force_login(viewer)
    response = client.get(reverse("ui:station", args=[online_station.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "CP-PERM" in page and 'id="console-form"' not in page
    assert "not send it commands" in page


def test_staff_without_the_permission_gets_403_from_the_console(
    client, viewer, online_station
) -> None:
    client.force_login(viewer)
    response = console_send(client, online_station)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not OcppCall.objects.exists()


def test_staff_with_the_permission_gets_the_console(client, viewer, online_station) -> None:
    client.force_login(grant_command_station(viewer))
    page = client.get(reverse("ui:station", args=[online_station.pk])).content.decode()
    assert 'id="console-form"' in page
    assert console_send(client, online_station).status_code == 202


def admin_view_permission(user):
    user.user_permissions.add(Permission.objects.get(codename="view_asset"))
    return type(user).objects.get(pk=user.pk)


def test_the_admin_hides_station_actions_from_staff_without_the_permission(
    client, viewer, online_station
) -> None:
    client.force_login(admin_view_permission(viewer))
    changelist = reverse("admin:assets_asset_changelist")
    response = client.get(changelist)
    assert response.status_code == 200 and "CP-PERM" in response.content.decode()
    assert "reset_hard" not in response.content.decode()
    forged = {"action": "reset_hard", "_selected_action": [str(online_station.pk)]}
    client.post(changelist, forged, follow=True)
    assert not OcppCall.objects.exists()


def test_the_admin_offers_station_actions_with_the_permission(
    client, viewer, online_station
) -> None:
    client.force_login(grant_command_station(admin_view_permission(viewer)))
    changelist = reverse("admin:assets_asset_changelist")
    assert "reset_hard" in client.get(changelist).content.decode()
    chosen = {"action": "reset_hard", "_selected_action": [str(online_station.pk)]}
    client.post(changelist, chosen, follow=True)
    assert OcppCall.objects.get().action == "Reset"
