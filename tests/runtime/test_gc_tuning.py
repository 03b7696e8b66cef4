"""A server process's long-lived objects leave the collector's walks; its garbage does not
stay for good."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from csms.runtime.gc_tuning import (
    connection_closed,
    freeze_survivors,
    frozen_swept,
    startup_objects_frozen,
    survivors_frozen_after_full_collections,
    sweep_due,
)
from ocpp_bridge.charger.heartbeat import _frozen_garbage_collected


class Cycle:
    pass


def tracked(obj: object) -> bool:
    """Whether the cyclic collector walks `obj` (frozen objects are out of its sight)."""
    return any(candidate is obj for candidate in gc.get_objects())


@pytest.fixture
def hook_removed_after() -> Iterator[None]:
    yield
    while freeze_survivors in gc.callbacks:
        gc.callbacks.remove(freeze_survivors)
    gc.unfreeze()


def test_startup_garbage_is_collected_and_the_rest_frozen() -> None:
    garbage = Cycle()
    garbage.itself = garbage  # only the cyclic collector frees it
    collected = weakref.ref(garbage)
    del garbage
    kept = Cycle()
    try:
        startup_objects_frozen()
        assert collected() is None  # collected before the freeze, not kept forever
        assert gc.get_freeze_count() > 0
        assert not tracked(kept)  # out of the collector's sight
    finally:
        gc.unfreeze()
    assert tracked(kept)


def test_survivors_of_a_full_collection_are_frozen(hook_removed_after: None) -> None:
    survivor = Cycle()
    survivors_frozen_after_full_collections()
    survivors_frozen_after_full_collections()  # installed once, however often it is called
    assert gc.callbacks.count(freeze_survivors) == 1
    gc.collect(1)  # a younger generation's collection freezes nothing
    assert tracked(survivor)
    gc.collect()
    assert not tracked(survivor)
    born_after = Cycle()
    assert tracked(born_after)  # what came later is walked as before


def test_a_cycle_among_frozen_objects_is_collected_by_the_sweep(hook_removed_after: None) -> None:
    connection = Cycle()
    connection.protocol = Cycle()
    connection.protocol.transport = connection  # as a protocol and its transport
    closed = weakref.ref(connection)
    survivor = Cycle()
    survivors_frozen_after_full_collections()
    gc.collect()
    del connection  # the station disconnected after its objects were frozen
    gc.collect()
    assert closed() is not None  # frozen: no collection sees the cycle
    assert frozen_swept() > 0
    assert closed() is None
    assert not tracked(survivor)  # the sweep's survivors are frozen again


def test_the_heartbeats_sweep_collects_frozen_cycles_and_says_how_long(
    hook_removed_after: None, caplog: pytest.LogCaptureFixture
) -> None:
    closed = Cycle()
    closed.itself = closed
    gone = weakref.ref(closed)
    gc.freeze()
    del closed
    with caplog.at_level("INFO", logger="ocpp_bridge.charger.heartbeat"):
        _frozen_garbage_collected()
    assert gone() is None
    assert "Swept frozen objects" in caplog.text


def test_a_sweep_is_due_after_its_interval_or_once_enough_connections_closed(
    hook_removed_after: None,
) -> None:
    frozen_swept()  # none closed since
    assert not sweep_due(5, every_seconds=600, closed_limit=3)
    assert sweep_due(600, every_seconds=600, closed_limit=3)
    connection_closed()
    connection_closed()
    assert not sweep_due(5, every_seconds=600, closed_limit=3)
    connection_closed()
    assert sweep_due(5, every_seconds=600, closed_limit=3)
    frozen_swept()
    assert not sweep_due(5, every_seconds=600, closed_limit=3)
