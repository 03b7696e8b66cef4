"""A station reconnecting while its old socket's close is still being recorded.

`connection_open` locks the station's row, then closes the connection it replaces;
`connection_close` must take the same rows in the same order. In the other order the two
waited on each other, PostgreSQL broke the deadlock by failing one, and the reconnecting
station's handshake got HTTP 500 (seen once in CI). Row locks are PostgreSQL's: the test
needs it.
"""

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections, transaction

from assets.models import Asset
from ocpp_bridge.charger.connections import connection_close, connection_open
from ocpp_bridge.models import ChargerConnection
from tests.servers import unavailable


@pytest.fixture(autouse=True)
def postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable("row locks: needs a PostgreSQL DATABASE_URL")


def in_own_connection(work: Callable[[], Any]) -> Callable[[], Any]:
    """`work` on the calling thread's own database connection, closed afterwards."""

    def run() -> Any:
        try:
            return work()
        finally:
            connections.close_all()

    return run


def backends_waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def wait_for_waiters(count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while backends_waiting_for_locks() < count:
        assert time.monotonic() < deadline, f"fewer than {count} transactions waiting for a lock"
        time.sleep(0.01)


def queued_behind_the_station_row(
    asset: Asset, first: Callable[[], Any], then: Callable[[], Any]
) -> tuple[Future[Any], Future[Any]]:
    """Start `first`, then `then`, each in its own thread, while this test holds the station's
    row: both queue up behind it in that order, and race once it is let go."""
    pool = ThreadPoolExecutor(max_workers=2)
    with transaction.atomic():
        Asset.objects.select_for_update().get(pk=asset.pk)
        started_first = pool.submit(in_own_connection(first))
        wait_for_waiters(1)
        started_then = pool.submit(in_own_connection(then))
        wait_for_waiters(2)
    pool.shutdown(wait=False)
    return started_first, started_then


@pytest.fixture
def connected(make_station) -> tuple[Asset, ChargerConnection]:
    """A station and its live connection, the old socket of the race."""
    asset = make_station("CP-RACE")
    old, _ = connection_open(asset_id=asset.pk, protocol="ocpp1.6", channel_name="old-socket")
    return asset, old


def reconnect(asset: Asset) -> Callable[[], tuple[ChargerConnection, str | None]]:
    return lambda: connection_open(asset_id=asset.pk, protocol="ocpp1.6", channel_name="new")


def close(old: ChargerConnection) -> Callable[[], None]:
    return lambda: connection_close(connection_id=old.pk, code=1006)


@pytest.mark.django_db(transaction=True)
def test_a_reconnect_racing_the_old_sockets_close_replaces_it_without_deadlock(
    connected: tuple[Asset, ChargerConnection],
) -> None:
    # given: a connected station
    asset, old = connected

    # when: its reconnect takes the station's row first, while the old socket's close waits
    reconnected, closed = queued_behind_the_station_row(asset, reconnect(asset), close(old))

    # then: neither was failed as a deadlock, and the new connection is the live one
    new, replaced_channel = reconnected.result(timeout=15)
    closed.result(timeout=15)
    assert replaced_channel == "old-socket"
    asset.refresh_from_db()
    assert asset.current_connection_id == new.pk
    assert asset.is_online
    old.refresh_from_db()
    assert old.closed_at is not None
    assert old.close_reason == ChargerConnection.CloseReason.REPLACED
    assert old.close_code == 1006


@pytest.mark.django_db(transaction=True)
def test_the_old_sockets_close_first_then_the_reconnect_leaves_the_new_one_live(
    connected: tuple[Asset, ChargerConnection],
) -> None:
    # given: a connected station
    asset, old = connected

    # when: the old socket's close takes the station's row first, the reconnect waits
    closed, reconnected = queued_behind_the_station_row(asset, close(old), reconnect(asset))

    # then: the station went offline and came back on the new connection
    closed.result(timeout=15)
    new, replaced_channel = reconnected.result(timeout=15)
    assert replaced_channel is None  # already closed: nothing to tell
    asset.refresh_from_db()
    assert asset.current_connection_id == new.pk
    assert asset.is_online
    old.refresh_from_db()
    assert old.close_reason == ChargerConnection.CloseReason.DISCONNECTED
