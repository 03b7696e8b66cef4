"""A plausible energy meter per connector and the per-connector transaction state."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .ledger import TransactionRecord

ENERGY = "Energy.Active.Import.Register"
POWER = "Power.Active.Import"


class Meter:
    """An energy register (Wh) that only ever goes up, fed by a slightly noisy power draw.

    Energy is integrated over real elapsed time so that the values a CSMS sees match the
    timestamps it receives.
    """

    def __init__(
        self,
        rng: random.Random,
        time_acceleration: float = 1.0,
        *,
        phases: int = 3,
        voltage: float = 230.0,
        car_max_amps: float | None = None,
    ) -> None:
        self._rng = rng
        self.phases, self.voltage, self.car_max_amps = phases, voltage, car_max_amps
        # The station's limit for this connector now (A per phase, None: none), read at each
        # step: the car draws what it wants up to it (station_simulator.charging_profiles).
        self.limit_source: Callable[[], float | None] = lambda: None
        # >1 makes short test transactions consume visible energy (simulated s per real s).
        self._acceleration = time_acceleration
        # Stations are not brand new: start the register somewhere plausible.
        self.energy_wh: float = float(rng.randint(1_000, 250_000))
        self.power_w: float = 0.0
        self._target_w: float = 0.0
        self._last = time.monotonic()

    def start_charging(self) -> None:
        """Pick a charging power typical of AC chargers (3.7 kW to 22 kW)."""
        self.advance()
        self._target_w = self._rng.choice((3_700.0, 7_400.0, 11_000.0, 22_000.0))
        if self.car_max_amps is not None:  # a car of known appetite
            self._target_w = self.car_max_amps * self.phases * self.voltage
        self.power_w = self._allowed()

    def car_takes(self, amps: float) -> None:
        """The car now takes at most `amps` per phase (its battery warmed up, or is nearly
        full): from now on it draws that, within the station's limit."""
        self.advance()
        self.car_max_amps = amps
        if self._target_w:
            self._target_w = amps * self.phases * self.voltage
            self.power_w = self._allowed()

    def stop_charging(self) -> None:
        """Account energy up to now and drop the power to zero."""
        self.advance()
        self.power_w = 0.0
        self._target_w = 0.0

    def advance(self) -> None:
        """Integrate the current power over the time since the last call."""
        now = time.monotonic()
        self.energy_wh += self.power_w * (now - self._last) * self._acceleration / 3600.0
        self._last = now
        if self._target_w:
            # Real cars wobble a few percent under their charging power.
            self.power_w = self._allowed() * self._rng.uniform(0.95, 1.0)

    def _allowed(self) -> float:
        """What the car draws: what it wants, within the station's limit."""
        limit = self.limit_source()
        if limit is None:
            return self._target_w
        return min(self._target_w, limit * self.phases * self.voltage)

    def reset(self) -> None:
        """The register goes back to 0 (a meter replaced or wrapped around mid-transaction)."""
        self.advance()
        self.energy_wh = 0.0

    def reading(self) -> tuple[int, float]:
        """Advance and return (energy register in whole Wh, power in W to 0.1).

        Whole Wh, as 1.6's meterStart / meterStop are integers: a register read to 0.1 Wh in
        MeterValues and truncated in meterStop would seem to run backwards at the stop.
        """
        self.advance()
        # Round down so that the register never appears to run backwards.
        return math.floor(self.energy_wh), round(self.power_w, 1)


@dataclass
class Transaction:
    """An ongoing transaction on one connector."""

    connector_id: int
    id_token: str
    transaction_id: str = ""
    remote_start_id: int | None = None
    meter_start: int = 0
    seq_no: int = 0
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: str = "Local"
    # The ledger entry, once the start was sent (None while the connector is only reserved).
    record: TransactionRecord | None = None
    meter_was_reset: bool = False
    # When it began (wall time): a Relative profile's periods count from it.
    started_at: float = field(default_factory=time.time)

    def reported(self, energy_wh: float) -> None:
        """Note an energy reading the station sent for this transaction."""
        if self.record is not None:
            self.record.readings.append(energy_wh)

    def next_seq(self) -> int:
        """Return the next 2.0.1 TransactionEvent sequence number (0 for Started)."""
        value = self.seq_no
        self.seq_no += 1
        return value

    def request_stop(self, reason: str) -> None:
        """Ask the transaction loop to end with ``reason`` (first reason wins)."""
        if not self.stop_requested.is_set():
            self.stop_reason = reason
            self.stop_requested.set()


@dataclass
class Connector:
    """One connector (1.6) or EVSE with a single connector (2.0.1/2.1)."""

    connector_id: int
    meter: Meter
    status: str = "Available"
    available: bool = True
    transaction: Transaction | None = None
    task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """True while a transaction runs (or is being set up) on this connector."""
        return self.transaction is not None
