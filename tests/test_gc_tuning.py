"""A server process's startup objects leave the collector's walks, after its garbage went."""

import gc
import weakref

from csms.gc_tuning import startup_objects_frozen


class Cycle:
    pass


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
        assert not any(obj is kept for obj in gc.get_objects())  # out of the collector's sight
    finally:
        gc.unfreeze()
    assert any(obj is kept for obj in gc.get_objects())
