"""The cyclic garbage collector, kept from walking what a server process holds for long.

A daphne process holds some 143,000 objects once Django, the apps and the OCPP schemas are
loaded, and CPython's oldest-generation collection walks all of them each time it runs: 89 ms
on the development machine, during which no frame or request of the process moves (fix 40).
What is loaded at startup lives as long as the process, so it is moved out of the collector's
sight once startup is done (`gc.freeze`).

The stations connected later are the same story at a larger scale: about 110 tracked objects
each (socket, protocol, consumer, tasks), so with 1,000 stations a full collection walked
175,000 objects and stopped the process for 124-142 ms, the slowest sync requests of a lightly
loaded run to the millisecond (docs/PERFORMANCE.md, fix 44); at 10,000 stations it walked
1.2-1.6 M objects for 1.4-1.7 s. So a daphne process also freezes what survived each full
collection: a connection's objects are walked until they have proven to last, not at every
full collection for as long as the station stays connected.

Frozen objects are still freed when their last reference goes; only a reference cycle among
them waits for the next `frozen_swept`, which puts everything back in the collector's sight,
collects once, and freezes the survivors again. A closed connection leaves such cycles (its
protocol and transport, its consumer and tasks): about 23 KiB each here, 46 MiB per 2,000
stations reconnecting when nothing swept. So the heartbeat sweeps every so often, and sooner
once enough connections closed (`sweep_due`).
"""

import gc
from typing import Any

OLDEST_GENERATION = 2
# Connections of this process closed since its last sweep: the garbage waiting for it.
_closed_since_sweep = 0


def startup_objects_frozen() -> None:
    """Collect what startup left behind, then exempt everything still alive from later
    collections. Call once, at the end of a server process's startup."""
    gc.collect()
    gc.freeze()


def survivors_frozen_after_full_collections() -> None:
    """From now on, whatever survives an oldest-generation collection is frozen."""
    if freeze_survivors not in gc.callbacks:
        gc.callbacks.append(freeze_survivors)


def freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    """A `gc.callbacks` hook: the collection just finished, so everything the collector still
    tracks survived it (younger generations are empty after a full collection)."""
    if phase == "stop" and info["generation"] == OLDEST_GENERATION:
        gc.freeze()


def connection_closed() -> None:
    """Count a closed station connection: its frozen cycles wait for the next sweep."""
    global _closed_since_sweep
    _closed_since_sweep += 1


def sweep_due(seconds_since_sweep: float, *, every_seconds: float, closed_limit: int) -> bool:
    """Whether to sweep now: `every_seconds` passed, or `closed_limit` connections closed."""
    return seconds_since_sweep >= every_seconds or _closed_since_sweep >= closed_limit


def frozen_swept() -> int:
    """Collect the cycles among frozen objects (a long-lived connection's, once it closed):
    one full collection over everything; its survivors are frozen again if
    `survivors_frozen_after_full_collections` was called. Returns the objects collected."""
    global _closed_since_sweep
    _closed_since_sweep = 0
    gc.unfreeze()
    return gc.collect()
