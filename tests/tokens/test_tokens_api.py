"""/tokens over real HTTP with real tokens: scopes, validation, uniqueness, networks."""

import pytest

from networks.models import Network
from networks.services import network_get_or_create
from tests.api_clients import Api
from tokens.models import IdToken, TokenStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RW = "read:token write:token"


@pytest.fixture
def networks() -> dict[str, Network]:
    return {name: network_get_or_create(name=name) for name in ("north", "south")}


@pytest.fixture
def tokens(networks) -> dict[str, IdToken]:
    return {
        "global": IdToken.objects.create(id_token="GLOBAL-1"),
        "north": IdToken.objects.create(id_token="NORTH-1", network=networks["north"]),
        "south": IdToken.objects.create(
            id_token="SOUTH-1", network=networks["south"], status=TokenStatus.BLOCKED
        ),
    }


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def listed(api: Api, query: str = "") -> list[str]:
    response = api.get(f"/tokens{query}")
    assert response.status_code == 200, response.text
    return [item["idToken"] for item in response.json()["data"]["items"]]


def test_create_then_read_a_token(client_with, networks) -> None:
    api = client_with(RW)
    body = {
        "idToken": "04A2B3C4D5",
        "type": "ISO14443",
        "status": "Accepted",
        "expiresAt": "2030-01-01T00:00:00Z",
        "groupId": "FLEET-7",
        "networkId": str(networks["north"].pk),
        "description": "Driver 7",
    }
    created = api.post("/tokens", body)
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert {key: data[key] for key in body} == body
    assert api.get(f"/tokens/{data['id']}").json()["data"] == data
    token = IdToken.objects.get(id_token="04A2B3C4D5")
    assert (token.token_type, token.group_id, token.network_id) == (
        "ISO14443",
        "FLEET-7",
        networks["north"].pk,
    )


def test_defaults_make_an_accepted_global_iso14443_token(client_with) -> None:
    data = client_with(RW).post("/tokens", {"idToken": "MIN"}).json()["data"]
    assert (data["type"], data["status"], data["networkId"], data["expiresAt"]) == (
        "ISO14443",
        "Accepted",
        None,
        None,
    )
    assert (data["groupId"], data["description"]) == (None, "")


def test_a_taken_id_token_is_409(client_with, tokens, networks) -> None:
    # Taken within its network, or among the tokens without one (idTokens are unique per
    # network since issue 25: the same value in another network is no conflict).
    api = client_with(RW)
    north = str(networks["north"].pk)
    taken = api.post("/tokens", {"idToken": "NORTH-1", "networkId": north})
    assert error(taken) == (409, "token_taken")
    assert error(api.post("/tokens", {"idToken": "GLOBAL-1"})) == (409, "token_taken")
    other = IdToken.objects.create(id_token="NORTH-2", network=networks["north"])
    patched = api.patch(f"/tokens/{other.pk}", {"idToken": "NORTH-1"})
    assert error(patched) == (409, "token_taken")
    assert IdToken.objects.get(pk=other.pk).id_token == "NORTH-2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "idToken"),
        ({"idToken": ""}, "idToken"),
        ({"idToken": "X" * 256}, "idToken"),
        ({"idToken": "X", "type": "Badge"}, "type"),
        ({"idToken": "X", "status": "Unknown"}, "status"),
        ({"idToken": "X", "expiresAt": "soon"}, "expiresAt"),
        ({"idToken": "X", "networkId": "north"}, "networkId"),
    ],
)
def test_a_bad_body_is_400_naming_the_field(client_with, body: dict, field: str) -> None:
    response = client_with(RW).post("/tokens", body)
    assert error(response) == (400, "invalid_request")
    assert response.json()["error"]["message"].startswith(field)


def test_patch_changes_only_the_fields_given(client_with, tokens) -> None:
    api = client_with(RW)
    token = tokens["south"]
    response = api.patch(f"/tokens/{token.pk}", {"status": "Accepted", "groupId": "G-2"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["idToken"], data["status"], data["groupId"]) == ("SOUTH-1", "Accepted", "G-2")
    token.refresh_from_db()
    assert (token.status, token.group_id, token.network.name) == ("Accepted", "G-2", "south")
    cleared = api.patch(f"/tokens/{token.pk}", {"groupId": None, "expiresAt": None}).json()
    assert cleared["data"]["groupId"] is None


def test_list_filters_and_pages(client_with, tokens, networks) -> None:
    api = client_with(RW)
    assert listed(api) == ["GLOBAL-1", "NORTH-1", "SOUTH-1"]
    assert listed(api, "?status=Blocked") == ["SOUTH-1"]
    assert listed(api, f"?networkId={networks['north'].pk}") == ["NORTH-1"]
    assert listed(api, "?idToken=GLOBAL-1") == ["GLOBAL-1"]
    page = api.get("/tokens?limit=2").json()["data"]
    assert page["hasMore"] is True and len(page["items"]) == 2
    rest = api.get(f"/tokens?limit=2&startingAfter={page['items'][1]['id']}").json()["data"]
    assert (rest["hasMore"], [i["idToken"] for i in rest["items"]]) == (False, ["SOUTH-1"])


def test_a_restricted_client_sees_only_its_networks_tokens(client_with, tokens) -> None:
    north_only = client_with(RW, networks=["north"])
    assert listed(north_only) == ["NORTH-1"]  # global tokens are for unrestricted clients
    for name in ("south", "global"):
        hidden = north_only.get(f"/tokens/{tokens[name].pk}")
        assert error(hidden) == (404, "token_not_found")
        assert error(north_only.patch(f"/tokens/{tokens[name].pk}", {"status": "Blocked"})) == (
            404,
            "token_not_found",
        )
    assert IdToken.objects.get(pk=tokens["south"].pk).status == TokenStatus.BLOCKED


def test_a_restricted_client_creates_tokens_only_in_its_networks(client_with, networks) -> None:
    north_only = client_with(RW, networks=["north"])
    assert error(north_only.post("/tokens", {"idToken": "A"})) == (400, "invalid_request")
    south = {"idToken": "B", "networkId": str(networks["south"].pk)}
    assert error(north_only.post("/tokens", south)) == (400, "invalid_request")
    north = {"idToken": "C", "networkId": str(networks["north"].pk)}
    created = north_only.post("/tokens", north)
    assert created.status_code == 201, created.text
    token_id = created.json()["data"]["id"]
    # ...and cannot move one out of them, to another network or to every network.
    for network_id in (str(networks["south"].pk), None):
        moved = north_only.patch(f"/tokens/{token_id}", {"networkId": network_id})
        assert error(moved) == (400, "invalid_request")
    assert not IdToken.objects.filter(id_token__in=["A", "B"]).exists()


def test_an_unrestricted_client_may_move_a_token_to_every_network(client_with, tokens) -> None:
    moved = client_with(RW).patch(f"/tokens/{tokens['north'].pk}", {"networkId": None})
    assert moved.status_code == 200 and moved.json()["data"]["networkId"] is None


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "/tokens", "read:token"),
        ("post", "/tokens", "write:token"),
        ("get", "/tokens/1", "read:token"),
        ("patch", "/tokens/1", "write:token"),
    ],
)
def test_each_method_needs_its_scope(daphne_server, client_with, method, path, scope) -> None:
    def send(api: Api):
        return getattr(api, method)(path, **({} if method == "get" else {"body": {}}))

    assert error(send(Api(f"http://{daphne_server}", None))) == (401, "unauthenticated")
    other = "write:token" if scope == "read:token" else "read:token"
    assert error(send(client_with(f"{other} read:session"))) == (403, "insufficient_scope")
    assert send(client_with(scope)).status_code not in (401, 403)
