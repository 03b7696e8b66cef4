"""The simulator's own truth: every transaction a station ran, with the energy it delivered.

A CSMS is reconciled against this ledger (tests/e2e/test_quirk_fleet.py, bench/reconcile.py):
for each record exactly one session with its energy and token.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def wall_clock() -> str:
    """The real time (never the station's possibly stuck clock), as an ISO timestamp."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def forward_energy(readings: Iterable[float]) -> float:
    """The sum of the positive steps between consecutive readings: the register's forward
    movement as reported (a reset to 0 adds nothing; counting resumes from there)."""
    total, previous = 0.0, None
    for value in readings:
        if previous is not None and value > previous:
            total += value - previous
        previous = value
    return total


@dataclass
class TransactionRecord:
    """One transaction as the station ran it.

    ``transaction_id`` is the CSMS's (1.6) or the station's own (2.x).  ``id_token`` is the
    token the transaction ran for, also when the station left it out of its messages (a remote
    start: the token of the CSMS's call).  ``readings`` are the energy register values the
    station reported for it (Wh, in the order sent: start, samples, stop).
    """

    identity: str
    protocol: str
    connector_id: int
    id_token: str
    transaction_id: str = ""
    remote_start_id: int | None = None
    refused: bool = False
    # The token status the CSMS answered to the start (Accepted, Blocked, ConcurrentTx, ...).
    start_status: str = "Accepted"
    # Whether the station sent its stop (StopTransaction / TransactionEvent Ended).
    stopped: bool = False
    stop_reason: str = ""
    readings: list[float] = field(default_factory=list)
    started_at: str = field(default_factory=wall_clock)
    ended_at: str | None = None

    @property
    def energy_wh(self) -> float:
        """The energy delivered: the forward movement of the register."""
        return forward_energy(self.readings)

    @property
    def meter_reset(self) -> bool:
        """True when the register went backwards during the transaction."""
        return any(b < a for a, b in itertools.pairwise(self.readings))

    def end(self, reason: str, stopped: bool) -> None:
        """Note the end of the transaction (``stopped``: the station sent its stop)."""
        self.ended_at = wall_clock()
        self.stop_reason = reason
        self.stopped = stopped
