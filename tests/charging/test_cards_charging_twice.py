"""Two starts of one card at two stations answered at the same moment both pass the start's
unlocked check: the beat job keeps the session opened first and aborts the later one, telling
its station to stop, unless the later station's network allows concurrent use."""

import asyncio
from datetime import UTC, datetime

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from assets.models import Asset
from charging.concurrent_use import CONCURRENT_STOP_REASON, cards_charging_twice_resolve
from charging.models import ChargingSession, SessionStatus
from charging.services import session_start_v16
from charging.transaction_events import TransactionEvent, transaction_event_record
from networks.models import ConcurrentCardUse, Network
from tests.charging.messages import meter_201
from tests.e2e.conftest import settled  # noqa: F401  (fixture)
from tests.e2e.raw_station import RawStation
from tests.servers import daphne_process, unavailable
from tokens.models import IdToken

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def card() -> IdToken:
    return IdToken.objects.create(id_token="CARD")


def start_16(asset: Asset, connector: int = 1) -> ChargingSession:
    """What the race leaves: a 1.6 start accepted without seeing the other one."""
    return session_start_v16(
        asset_id=asset.pk, connector_id=connector, id_tag="CARD", meter_start=0, timestamp=T0
    )


def start_201_unseeing(asset: Asset, transaction_id: str) -> ChargingSession:
    """What the race leaves: a 2.x start recorded as if the card's other active sessions were
    not there yet (their commit not seen), as happens when both starts are answered at once."""
    running = ChargingSession.objects.filter(status=SessionStatus.ACTIVE)
    hidden = list(running.values_list("pk", flat=True))
    running.update(status=SessionStatus.COMPLETED)
    try:
        return _start_201(asset, transaction_id)
    finally:
        ChargingSession.objects.filter(pk__in=hidden).update(status=SessionStatus.ACTIVE)


def _start_201(asset: Asset, transaction_id: str) -> ChargingSession:
    event = TransactionEvent(
        "Started", T0, 0, transaction_id, evse_id=1, connector_id=1, id_token="CARD"
    )
    return transaction_event_record(
        asset_id=asset.pk, event=event, meter_values=meter_201("2025-03-01T10:00:00Z", 0.0)
    ).session


def statuses() -> dict[str, tuple[str, str]]:
    sessions = ChargingSession.objects.select_related("asset")
    return {s.asset.identity: (s.status, s.stop_reason) for s in sessions}


def test_the_later_session_is_aborted_and_the_first_kept(make_station, card) -> None:
    first, later = start_16(make_station("CP-A")), start_16(make_station("CP-B"))
    assert {first.token_id, later.token_id} == {card.pk}
    assert cards_charging_twice_resolve() == 1
    assert statuses() == {
        "CP-A": (SessionStatus.ACTIVE, ""),
        "CP-B": (SessionStatus.ABORTED, CONCURRENT_STOP_REASON),
    }
    assert cards_charging_twice_resolve() == 0  # nothing left to resolve


def test_a_network_that_allows_concurrent_use_keeps_both(make_station, card) -> None:
    start_16(make_station("CP-A"))
    later = make_station("CP-B")
    Network.objects.filter(pk=later.network_id).update(concurrent_card_use=ConcurrentCardUse.ALLOW)
    start_16(later)
    assert cards_charging_twice_resolve() == 0
    assert {status for status, _ in statuses().values()} == {SessionStatus.ACTIVE}


def test_two_connectors_of_one_station_are_two_places(make_station, card) -> None:
    station = make_station("CP-A")
    first, later = start_16(station, 1), start_16(station, 2)
    assert cards_charging_twice_resolve() == 1
    first.refresh_from_db(), later.refresh_from_db()
    assert (first.status, later.status) == (SessionStatus.ACTIVE, SessionStatus.ABORTED)


def test_sessions_without_a_stored_token_are_not_looked_at(make_station) -> None:
    start_16(make_station("CP-A")), start_16(make_station("CP-B"))  # CARD is not stored
    assert cards_charging_twice_resolve() == 0


@pytest.fixture
def station_server(request: pytest.FixtureRequest) -> str:
    """A daphne of the production shape, whose worker delivers the calls the job queues."""
    if not settings.REDIS_URL:
        unavailable("the beat job's stop reaches a station through a worker: needs REDIS_URL")
    return str(request.getfixturevalue("cluster").daphne_a)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("protocol", "action"),
    [("ocpp1.6", "RemoteStopTransaction"), ("ocpp2.0.1", "RequestStopTransaction")],
)
async def test_the_later_station_is_told_to_stop(
    make_station, card, station_server: str, protocol: str, action: str
) -> None:
    await sync_to_async(start_16)(await sync_to_async(make_station)("CP-A"))
    later_station = await sync_to_async(make_station)("CP-B")
    if protocol == "ocpp1.6":
        later = await sync_to_async(start_16)(later_station)
        expected = {"transactionId": int(later.transaction_id)}
    else:
        later = await sync_to_async(start_201_unseeing)(later_station, "TX-B")
        expected = {"transactionId": "TX-B"}
    async with RawStation(station_server, "CP-B", protocol) as station:
        assert await asyncio.to_thread(cards_charging_twice_resolve) == 1
        received = await station.wait_for_calls(1)
    assert [(c.action, c.payload) for c in received] == [(action, expected)]
    later = await ChargingSession.objects.aget(pk=later.pk)
    assert (later.status, later.stop_reason) == (SessionStatus.ABORTED, CONCURRENT_STOP_REASON)


@pytest.mark.e2e
async def test_in_the_embedded_setup_the_daphne_process_runs_the_job(
    make_station, card, server_logs
) -> None:
    """No broker, no beat: the daphne process runs the beat schedule itself."""
    station_a = await sync_to_async(make_station)("CP-A")
    station_b = await sync_to_async(make_station)("CP-B")
    embedded = {"REDIS_URL": "", "CELERY_TASK_ALWAYS_EAGER": "true", "EMBEDDED_BEAT": "true"}
    with daphne_process(server_logs / "daphne-embedded-beat.log", **embedded) as address:
        # Connected first: the job's first run (at the first heartbeat) finds nothing yet; its
        # next, 15 s on, at the heartbeat after that, finds the card in two places.
        async with RawStation(address, "CP-B", "ocpp1.6") as station:
            await sync_to_async(start_16)(station_a)
            later = await sync_to_async(start_16)(station_b)
            received = await station.wait_for_calls(1, timeout=45)
    expected = {"transactionId": int(later.transaction_id)}
    assert [(c.action, c.payload) for c in received] == [("RemoteStopTransaction", expected)]
    later = await ChargingSession.objects.aget(pk=later.pk)
    assert (later.status, later.stop_reason) == (SessionStatus.ABORTED, CONCURRENT_STOP_REASON)
