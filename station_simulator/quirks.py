"""The quirks of real stations the simulator can play, each selectable by name.

Each is something stations in the field do (and OCPP mostly allows); a CSMS must still build
billable sessions from them.  ``--quirks all`` turns every one on; a quirk that does not apply
to a station's version is simply ignored by it.
"""

from __future__ import annotations

from collections.abc import Iterable

# name -> (versions it applies to, what the station does)
QUIRKS: dict[str, tuple[frozenset[str], str]] = {
    "abandon-refused": (
        frozenset({"ocpp1.6"}),
        "StartTransaction answered with a status other than Accepted: give up without "
        "StopTransaction and report the connector Available",
    ),
    "stuck-clock": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "every message carries the same timestamp (the clock is never set)",
    ),
    "remote-start-without-token": (
        frozenset({"ocpp2.0.1", "ocpp2.1"}),
        "after RequestStartTransaction, the TransactionEvents carry the remoteStartId and no "
        "idToken",
    ),
    "meter-reset": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "the energy register goes back to 0 once mid-transaction (a reading is sent just "
        "before and just after), then keeps counting",
    ),
    "pipelined": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "StatusNotification, MeterValues, Heartbeat and TransactionEvent Updated go out without "
        "waiting for an answer, so the next CALL leaves before the previous one is answered",
    ),
    "duplicate-stop": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "the StopTransaction / TransactionEvent Ended is sent twice, identical",
    ),
    "duplicate-start": (
        frozenset({"ocpp1.6"}),
        "StartTransaction is sent again, identical, as if the first answer was lost; the "
        "second answer is the one the station keeps",
    ),
    # Not in the list, common in the field:
    "start-without-authorize": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "a local start goes straight to StartTransaction / TransactionEvent Started without "
        "Authorize (local authorization list or cache, offline-capable firmware): the CSMS "
        "gives its verdict on the token only in the answer to the start",
    ),
    "available-before-stop": (
        frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"}),
        "the connector is reported Available before the StopTransaction / TransactionEvent "
        "Ended is sent (the cable is out before the stop is queued)",
    ),
}

ALL = "all"


def parse_quirks(text: str | Iterable[str]) -> frozenset[str]:
    """The quirk names in ``text`` (comma-separated, or an iterable); ``all`` means every one.

    Raises ValueError naming the unknown ones.
    """
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    if ALL in names:
        return frozenset(QUIRKS)
    unknown = sorted(set(names) - set(QUIRKS))
    if unknown:
        raise ValueError(f"unknown quirk(s) {', '.join(unknown)}; known: {', '.join(QUIRKS)}")
    return frozenset(names)


def applicable(quirks: frozenset[str], protocol: str) -> frozenset[str]:
    """The quirks of ``quirks`` that a station speaking ``protocol`` plays."""
    return frozenset(name for name in quirks if protocol in QUIRKS[name][0])
