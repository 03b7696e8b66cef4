"""Rule 6: one concurrent-use rule for a card in every version, per network: a start with a
token charging elsewhere is refused with ConcurrentTx (the default), or allowed when the
station's network says so."""

import pytest

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from networks.models import ConcurrentCardUse, Network
from tests.charging.messages import id_token, send_all, start_16, tx_event
from tests.ocpp_bridge.stations import FakeStation
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = "2025-03-01T10:00:00Z"
T1 = "2025-03-01T10:10:00Z"
V2X = ["ocpp2.0.1", "ocpp2.1"]
NETWORKS = "/asset-management/v1/networks"


@pytest.fixture
def stations(make_station) -> list[Asset]:
    IdToken.objects.create(id_token="CARD")
    return [make_station("CP-A"), make_station("CP-B")]


async def allow_concurrent_use(asset: Asset) -> None:
    allow = {"concurrent_card_use": ConcurrentCardUse.ALLOW}
    await Network.objects.filter(pk=asset.network_id).aupdate(**allow)


async def start_with_card(identity: str, protocol: str, transaction_id: str) -> str:
    """The station starts a transaction with CARD; returns the CSMS's answer on the token."""
    client = FakeStation(identity, protocol)
    await client.connect()
    if protocol == "ocpp1.6":
        (answer,) = await send_all(client, [("StartTransaction", start_16(1, "CARD", 0, T0))])
        status = answer["idTagInfo"]["status"]
        await ChargingSession.objects.filter(transaction_id=str(answer["transactionId"])).aupdate(
            transaction_id=transaction_id  # named like the 2.x ones, for the assertions
        )
    else:
        started = tx_event("Started", 0, T0, transaction_id, idToken=id_token("CARD"),
                           evse={"id": 1, "connectorId": 1})  # fmt: skip
        (answer,) = await send_all(client, [("TransactionEvent", started)])
        status = answer["idTokenInfo"]["status"]
    await client.close()
    return status


async def statuses() -> dict[str, str]:
    return {s.transaction_id: s.status async for s in ChargingSession.objects.all()}


PAIRS = [("ocpp1.6", p) for p in V2X] + [(p, "ocpp1.6") for p in V2X] + [(p, p) for p in V2X]


@pytest.mark.parametrize(("first", "second"), PAIRS)
async def test_a_card_charging_elsewhere_is_refused_concurrent_tx_in_every_version(
    stations: list[Asset], first: str, second: str
) -> None:
    assert await start_with_card("CP-A", first, "TX-A") == "Accepted"
    assert await start_with_card("CP-B", second, "TX-B") == "ConcurrentTx"
    assert await statuses() == {"TX-A": SessionStatus.ACTIVE, "TX-B": SessionStatus.REFUSED}


@pytest.mark.parametrize(("first", "second"), PAIRS)
async def test_a_network_that_allows_concurrent_use_accepts_it_in_every_version(
    stations: list[Asset], first: str, second: str
) -> None:
    await allow_concurrent_use(stations[1])
    assert await start_with_card("CP-A", first, "TX-A") == "Accepted"
    assert await start_with_card("CP-B", second, "TX-B") == "Accepted"
    assert await statuses() == {"TX-A": SessionStatus.ACTIVE, "TX-B": SessionStatus.ACTIVE}


@pytest.mark.parametrize("protocol", V2X)
async def test_2x_the_sessions_own_events_are_not_concurrent_with_it(
    stations: list[Asset], protocol: str
) -> None:
    client = FakeStation("CP-A", protocol)
    await client.connect()
    started = tx_event("Started", 0, T0, "TX-A", idToken=id_token("CARD"), evse={"id": 1})
    updated = tx_event("Updated", 1, T1, "TX-A", idToken=id_token("CARD"))
    replies = await send_all(client, [("TransactionEvent", started), ("TransactionEvent", updated)])
    # The same Started again (a retry) is answered the same.
    (again,) = await send_all(client, [("TransactionEvent", started)])
    await client.close()
    answers = [reply["idTokenInfo"]["status"] for reply in (*replies, again)]
    assert answers == ["Accepted"] * 3
    assert await statuses() == {"TX-A": SessionStatus.ACTIVE}


def test_the_network_api_reads_and_sets_the_concurrent_card_rule(client_with) -> None:
    api = client_with("read:asset write:network")
    created = api.post(NETWORKS, {"name": "west"}).json()["data"]
    assert created["concurrentCardUse"] == "refuse"  # the default
    changed = api.patch(f"{NETWORKS}/{created['id']}", {"concurrentCardUse": "allow"})
    assert changed.status_code == 200 and changed.json()["data"]["concurrentCardUse"] == "allow"
    assert Network.objects.get(name="west").concurrent_card_use == ConcurrentCardUse.ALLOW
    wrong = api.patch(f"{NETWORKS}/{created['id']}", {"concurrentCardUse": "sometimes"})
    assert wrong.status_code == 400
