"""idTokens are unique per network: two tenants may register the same card number, neither
learns of the other's, and Authorize answers with the station's network's token (then a
token of no network). Over real HTTP (daphne) and a station through the consumer."""

import pytest

from assets.models import Asset
from networks.models import Network
from networks.services import network_get_or_create
from tests.api_clients import Api, api_for
from tests.charging.messages import send_all, start_16
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken, TokenStatus

pytestmark = pytest.mark.django_db(transaction=True)

RW = "read:token write:token"


@pytest.fixture
def networks() -> dict[str, Network]:
    return {name: network_get_or_create(name=name) for name in ("north", "south")}


def created(api: Api, id_token: str, network: Network) -> int:
    response = api.post("/tokens", {"idToken": id_token, "networkId": str(network.pk)})
    return response.status_code


@pytest.mark.e2e
def test_two_tenants_may_register_the_same_card_number(daphne_server: str, networks) -> None:
    north = api_for(daphne_server, RW, ["north"])
    south = api_for(daphne_server, RW, ["south"])
    assert created(north, "04CAFE", networks["north"]) == 201
    assert created(south, "04CAFE", networks["south"]) == 201
    assert IdToken.objects.filter(id_token="04CAFE").count() == 2


@pytest.mark.e2e
def test_a_conflict_answer_names_nothing_of_the_token_it_met(daphne_server: str, networks) -> None:
    north = api_for(daphne_server, RW, ["north"])
    assert created(north, "04CAFE", networks["north"]) == 201
    again = north.post("/tokens", {"idToken": "04CAFE", "networkId": str(networks["north"].pk)})
    assert again.status_code == 409, again.text
    assert "04CAFE" not in again.text
    assert "north" not in again.text and str(networks["north"].pk) not in again.text


async def _authorize(identity: str, id_tag: str) -> str:
    station = FakeStation(identity, "ocpp1.6")
    await station.connect()
    reply = await station.call("Authorize", {"idTag": id_tag})
    await station.close()
    return reply[2]["idTagInfo"]["status"]


@pytest.fixture
def stations(make_station, networks) -> dict[str, Asset]:
    IdToken.objects.create(id_token="04CAFE", network=networks["north"])
    IdToken.objects.create(id_token="04CAFE", network=networks["south"], status=TokenStatus.BLOCKED)
    IdToken.objects.create(id_token="04EVERY", status=TokenStatus.ACCEPTED)
    IdToken.objects.create(id_token="04EVERY", network=networks["south"], status="Blocked")
    return {
        "north": make_station("CP-N", network_name="north"),
        "south": make_station("CP-S", network_name="south"),
    }


async def test_authorize_answers_with_the_token_of_the_stations_network(stations) -> None:
    assert await _authorize("CP-N", "04CAFE") == "Accepted"
    assert await _authorize("CP-S", "04CAFE") == "Blocked"


async def test_authorize_falls_back_to_a_token_of_no_network(stations) -> None:
    assert await _authorize("CP-N", "04EVERY") == "Accepted"
    assert await _authorize("CP-S", "04EVERY") == "Blocked"  # its network's comes first


async def _start(identity: str, id_tag: str) -> str:
    station = FakeStation(identity, "ocpp1.6")
    await station.connect()
    payload = start_16(1, id_tag, 0, "2025-03-01T10:00:00Z")
    (answer,) = await send_all(station, [("StartTransaction", payload)])
    await station.close()
    return answer["idTagInfo"]["status"]


async def test_two_tenants_cards_of_one_number_charge_at_once(stations) -> None:
    await IdToken.objects.filter(network__name="south").aupdate(status=TokenStatus.ACCEPTED)
    assert await _start("CP-N", "04CAFE") == "Accepted"
    assert await _start("CP-S", "04CAFE") == "Accepted"  # another card: no ConcurrentTx
