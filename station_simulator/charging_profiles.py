"""The charging profiles a simulated station holds, and the limit they make (its composite
schedule: the value that applies at a moment, and its changes over a window). No Django.

Profiles arrive snake_cased from the ``ocpp`` package, in either version's shape, and are
kept as they came too (reported back by GetChargingProfiles). Each is evaluated at a moment:
the period in force then, counted from its startSchedule (Absolute), from the start repeated
every day or week (Recurring), or from the transaction's start, else its installation
(Relative). A transaction's profile overrides the TxDefault of its EVSE (or of the whole
station); the station's maximum caps both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PURPOSES = {
    "ChargePointMaxProfile": "station_max",
    "ChargingStationMaxProfile": "station_max",
    "TxDefaultProfile": "tx_default",
    "TxProfile": "tx",
}


RECURRENCE_SECONDS = {"Daily": 86_400, "Weekly": 604_800}


@dataclass(frozen=True)
class Profile:
    profile_id: int
    purpose: str  # station_max / tx_default / tx (other purposes are kept, not applied)
    evse_id: int
    stack_level: int
    transaction_id: str
    limit_amps: float | None  # per phase in its first period; None: no limit there
    # (start second, A per phase or None) from the first; empty: limit_amps throughout.
    periods: tuple[tuple[int, float | None], ...] = ()
    kind: str = "Absolute"  # Absolute / Recurring / Relative
    recurrency: str = ""  # Daily / Weekly
    start: float | None = None  # its startSchedule (epoch seconds), if it has one
    installed_at: float = field(default_factory=time.time)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)  # as it came

    def origin(self, transaction_started_at: float | None) -> float:
        """When its periods count from."""
        if self.kind != "Relative" and self.start is not None:
            return self.start
        return transaction_started_at or self.installed_at

    def amps_at(self, moment: float, transaction_started_at: float | None = None) -> float | None:
        """A per phase it allows at `moment` (None: no limit: not begun, or a period without
        one)."""
        if not self.periods:
            return self.limit_amps
        elapsed = moment - self.origin(transaction_started_at)
        if elapsed < 0:  # a recurrence too begins at its start
            return None
        if self.recurrency in RECURRENCE_SECONDS:
            elapsed %= RECURRENCE_SECONDS[self.recurrency]
        in_force = [amps for start, amps in self.periods if start <= elapsed]
        return in_force[-1] if in_force else None

    def changes(self, since: float, until: float, started: float | None = None) -> list[float]:
        """The moments in (since, until) at which one of its periods begins."""
        origin = self.origin(started)
        step = RECURRENCE_SECONDS.get(self.recurrency)
        first = origin if step is None else origin + max(0, (since - origin) // step) * step
        moments = []
        while first < until:
            moments += [first + s for s, _ in self.periods if since < first + s < until]
            if step is None:
                break
            first += step
        return moments


def _periods(
    schedule: dict[str, Any], phases: int, voltage: float
) -> tuple[tuple[int, float | None], ...]:
    rows = sorted(schedule.get("charging_schedule_period") or [], key=lambda p: p["start_period"])
    in_watts = schedule.get("charging_rate_unit") == "W"
    periods = []
    for row in rows:
        limit = None if row.get("limit") is None else float(row["limit"])
        if limit is not None and in_watts:
            limit = limit / (voltage * (row.get("number_phases") or phases))
        periods.append((int(row["start_period"]), limit))
    return tuple(periods)


def _epoch(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def _profile(
    *, profile_id: int, evse_id: int, raw: dict[str, Any], schedule: dict[str, Any],
    phases: int, voltage: float,
) -> Profile:  # fmt: skip
    periods = _periods(schedule, phases, voltage)
    start = schedule.get("start_schedule") or raw.get("start_schedule")
    return Profile(
        profile_id=profile_id,
        purpose=PURPOSES.get(raw["charging_profile_purpose"], raw["charging_profile_purpose"]),
        evse_id=evse_id,
        stack_level=int(raw["stack_level"]),
        transaction_id=str(raw.get("transaction_id") or ""),
        limit_amps=periods[0][1] if periods else None,
        periods=periods,
        kind=str(raw.get("charging_profile_kind") or "Absolute"),
        recurrency=str(raw.get("recurrency_kind") or ""),
        start=_epoch(start),
        raw=raw,
    )


def profile_from_v16(
    connector_id: int, raw: dict[str, Any], phases: int, voltage: float
) -> Profile:
    return _profile(
        profile_id=int(raw["charging_profile_id"]), evse_id=connector_id, raw=raw,
        schedule=raw["charging_schedule"], phases=phases, voltage=voltage,
    )  # fmt: skip


def profile_from_v2(evse_id: int, raw: dict[str, Any], phases: int, voltage: float) -> Profile:
    schedules = raw["charging_schedule"]
    return _profile(
        profile_id=int(raw["id"]), evse_id=evse_id, raw=raw,
        schedule=schedules[0] if schedules else {}, phases=phases, voltage=voltage,
    )  # fmt: skip


@dataclass
class ProfileStore:
    """The profiles installed, and every change of a connector's limit (the test's record:
    ``log`` holds (wall time, connector, A per phase or None))."""

    profiles: dict[int, Profile] = field(default_factory=dict)
    held: dict[int, float | None] = field(default_factory=dict)
    log: list[tuple[float, int, float | None]] = field(default_factory=list)

    def install(self, profile: Profile) -> None:
        """Replace a profile of the same id, or of the same purpose, EVSE, stack level and
        transaction (OCPP's rule for a new profile that takes an old one's place)."""
        for old in list(self.profiles.values()):
            same_place = (old.purpose, old.evse_id, old.stack_level, old.transaction_id) == (
                profile.purpose, profile.evse_id, profile.stack_level, profile.transaction_id
            )  # fmt: skip
            if old.profile_id == profile.profile_id or same_place:
                del self.profiles[old.profile_id]
        self.profiles[profile.profile_id] = profile

    def clear(self, profile_id: int | None = None) -> bool:
        """Remove one profile (or all but transactions' when None); True when any was."""
        if profile_id is not None:
            return self.profiles.pop(profile_id, None) is not None
        kept = {k: p for k, p in self.profiles.items() if p.purpose == "tx"}
        removed = len(kept) != len(self.profiles)
        self.profiles = kept
        return removed

    def end_transaction(self, transaction_id: str) -> None:
        """A transaction's profiles end with it."""
        self.profiles = {
            k: p for k, p in self.profiles.items() if p.transaction_id != transaction_id
        }

    def _top(
        self, purpose: str, evse_ids: tuple[int, ...], transaction_id: str = ""
    ) -> Profile | None:
        for evse_id in evse_ids:  # the EVSE's own before the station-wide
            matching = [
                p
                for p in self.profiles.values()
                if p.purpose == purpose
                and p.evse_id == evse_id
                and (purpose != "tx" or p.transaction_id == transaction_id)
            ]
            if matching:
                return max(matching, key=lambda p: p.stack_level)
        return None

    def limit(
        self, evse_id: int, transaction_id: str | None, *, at: float | None = None,
        started: float | None = None,
    ) -> float | None:  # fmt: skip
        """A per phase the EVSE may draw at `at` (default now; None: unlimited), its
        transaction (if any) having started at `started`."""
        moment = time.time() if at is None else at
        values = [
            amps
            for profile in self._applying(evse_id, transaction_id)
            if (amps := profile.amps_at(moment, started)) is not None
        ]
        return min(values) if values else None

    def _applying(self, evse_id: int, transaction_id: str | None) -> list[Profile]:
        tx = self._top("tx", (evse_id,), transaction_id) if transaction_id else None
        default = tx or self._top("tx_default", (evse_id, 0))
        station = self._top("station_max", (evse_id, 0))
        return [p for p in (default, station) if p is not None]

    def limit_changes(
        self, evse_id: int, transaction_id: str | None, *, since: float, until: float,
        started: float | None = None,
    ) -> list[float]:  # fmt: skip
        """The moments in (since, until) at which a period of a profile applying begins."""
        moments = {
            moment
            for profile in self._applying(evse_id, transaction_id)
            for moment in profile.changes(since, until, started)
        }
        return sorted(moments)

    def note(self, evse_id: int, limit: float | None) -> bool:
        """Record the EVSE's limit if it changed; True when it did."""
        if evse_id in self.held and self.held[evse_id] == limit:
            return False
        self.held[evse_id] = limit
        self.log.append((time.time(), evse_id, limit))
        return True
