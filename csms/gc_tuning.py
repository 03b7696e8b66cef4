"""The cyclic garbage collector, told that what a server process loads at startup stays.

A daphne process holds some 143,000 objects once Django, the apps and the OCPP schemas are
loaded, and CPython's oldest-generation collection walks all of them each time it runs: 89 ms
on the development machine, during which no frame or request of the process moves, and more
with every station connected (docs/PERFORMANCE.md, fix 40). What is loaded at startup lives as
long as the process, so it is moved out of the collector's sight once startup is done
(`gc.freeze`); objects made later are collected as before.
"""

import gc


def startup_objects_frozen() -> None:
    """Collect what startup left behind, then exempt everything still alive from later
    collections. Call once, at the end of a server process's startup."""
    gc.collect()
    gc.freeze()
