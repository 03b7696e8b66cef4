"""Network restrictions fail closed, and a network clients or assets depend on cannot be
deleted without the operator moving them first: real tokens over real HTTP (daphne)."""

import pytest
from django.urls import reverse

from api.models import ApiClient
from networks.models import Network
from networks.services import network_get_or_create
from tests.api_clients import api_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ASSETS = "/asset-management/v1/assets"
NETWORKS = "/asset-management/v1/networks"


def identities(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["ocppIdentity"] for item in response.json()["data"]["items"]]


def test_a_client_whose_only_network_is_deleted_sees_nothing(
    daphne_server: str, make_station
) -> None:
    make_station("CP-SOUTH", network_name="south")
    north_only = api_for(daphne_server, "read:asset write:ocpp.raw_request", ["north"])
    # Deleted underneath it (the shell, a cascade): its restriction is now an empty set.
    Network.objects.filter(name="north").delete()
    assert identities(north_only.get(ASSETS)) == []
    body = {"assetId": "CP-SOUTH", "action": "Reset", "payload": {"type": "Soft"}}
    assert north_only.post("/ocpp/v2/raw-request", body).status_code == 404


def test_a_client_created_without_networks_is_explicitly_unrestricted(
    daphne_server: str, make_station
) -> None:
    make_station("CP-SOUTH", network_name="south")
    everyone = api_for(daphne_server, "read:asset")
    assert ApiClient.objects.get().unrestricted
    assert identities(everyone.get(ASSETS)) == ["CP-SOUTH"]


def test_deleting_a_network_clients_and_assets_depend_on_is_refused_with_their_counts(
    daphne_server: str, make_station
) -> None:
    make_station("CP-NORTH", network_name="north")
    api_for(daphne_server, "read:asset", ["north"])
    operator = api_for(daphne_server, "write:network")
    north = Network.objects.get(name="north")
    refused = operator.delete(f"{NETWORKS}/{north.pk}")
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "network_in_use"
    assert error["details"] == {"dependents": {"apiClients": 1, "assets": 1}}
    assert "1 API client, 1 asset" in error["message"]
    assert Network.objects.filter(pk=north.pk).exists()


def test_deleting_a_network_nothing_depends_on_answers_204(daphne_server: str) -> None:
    spare = network_get_or_create(name="spare")
    operator = api_for(daphne_server, "write:network")
    assert operator.delete(f"{NETWORKS}/{spare.pk}").status_code == 204
    assert not Network.objects.filter(pk=spare.pk).exists()


def test_a_restricted_client_cannot_delete_its_network(daphne_server: str) -> None:
    spare = network_get_or_create(name="spare")
    restricted = api_for(daphne_server, "write:network read:asset", ["spare", "other"])
    refused = restricted.delete(f"{NETWORKS}/{spare.pk}")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "network_restricted")


def test_the_admin_refuses_to_delete_a_network_a_client_is_restricted_to(admin_client) -> None:
    north = network_get_or_create(name="north")
    client = ApiClient.objects.create(name="tenant north", client_type="confidential")
    client.networks.set([north])
    url = reverse("admin:networks_network_delete", args=[north.pk])
    page = admin_client.get(url).content.decode()
    assert "API client: tenant north" in page
    admin_client.post(url, {"post": "yes"})
    assert Network.objects.filter(pk=north.pk).exists()
    admin_client.post(
        reverse("admin:networks_network_changelist"),
        {"action": "delete_selected", "_selected_action": [north.pk], "post": "yes"},
    )
    assert Network.objects.filter(pk=north.pk).exists()


def _client_form(network: Network, *, unrestricted: bool) -> dict[str, object]:
    form: dict[str, object] = {
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
        "scopes": ["read:asset"],
        "networks": [str(network.pk)],
    }
    if unrestricted:
        form["unrestricted"] = "on"
    return form


def test_the_admin_refuses_a_client_both_unrestricted_and_restricted(admin_client) -> None:
    north = network_get_or_create(name="north")
    add = reverse("admin:api_apiclient_add")
    refused = admin_client.post(add, _client_form(north, unrestricted=True))
    assert refused.status_code == 200  # the form again, with its error
    assert "An unrestricted client sees every network" in refused.content.decode()
    assert not ApiClient.objects.exists()
    assert admin_client.post(add, _client_form(north, unrestricted=False)).status_code == 302
    assert not ApiClient.objects.get().unrestricted
