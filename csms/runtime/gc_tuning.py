"""The cyclic garbage collector, kept from walking what a server process holds for long.

Once Django, the apps and the OCPP schemas are loaded, a daphne process holds a great many
objects, and CPython's oldest-generation collection walks all of them each time it runs, a
pause during which no frame or request of the process moves (docs/PERFORMANCE.md, fix 40).
What is loaded at startup lives as long as the process, so it is moved out of the collector's
sight once startup is done (`gc.freeze`).

The stations connected later are the same story at a larger scale: each holds a hundred or so
tracked objects (socket, protocol, consumer, tasks), so a full collection's pause grows with the
stations connected, and it made the slowest sync requests of a lightly loaded run
(docs/PERFORMANCE.md, fix 44). So a daphne process also freezes what survived each full
collection: a connection's objects are walked until they have proven to last, not at every
full collection for as long as the station stays connected.

Frozen objects are still freed when their last reference goes; only a reference cycle among
them waits for the next `frozen_swept`, which puts everything back in the collector's sight,
collects once, and freezes the survivors again. A closed connection leaves such cycles (its
protocol and transport, its consumer and tasks), and a process whose stations reconnect keeps
growing when nothing sweeps them (docs/PERFORMANCE.md, fix 44 and the churn phase). So the
heartbeat sweeps every so often, and sooner once enough connections closed (`sweep_due`).
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
