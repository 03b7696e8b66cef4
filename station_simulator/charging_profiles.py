"""The charging profiles a simulated station holds, and the limit they make (its composite
schedule, reduced to the one value that applies now). No Django.

Profiles arrive snake_cased from the ``ocpp`` package, in either version's shape. Only what
applies now is evaluated: each profile's period in force at its own start (the CSMS under
test sends one period from the start). A transaction's profile overrides the TxDefault of
its EVSE (or of the whole station); the station's maximum caps both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

PURPOSES = {
    "ChargePointMaxProfile": "station_max",
    "ChargingStationMaxProfile": "station_max",
    "TxDefaultProfile": "tx_default",
    "TxProfile": "tx",
}


@dataclass(frozen=True)
class Profile:
    profile_id: int
    purpose: str  # station_max / tx_default / tx (other purposes are kept, not applied)
    evse_id: int
    stack_level: int
    transaction_id: str
    limit_amps: float | None  # per phase; None: no limit in its first period


def _first_limit(schedule: dict[str, Any], phases: int, voltage: float) -> float | None:
    periods = sorted(
        schedule.get("charging_schedule_period") or [], key=lambda p: p["start_period"]
    )
    if not periods or periods[0].get("limit") is None:
        return None
    limit = float(periods[0]["limit"])
    if schedule.get("charging_rate_unit") == "W":
        return limit / (voltage * (periods[0].get("number_phases") or phases))
    return limit


def profile_from_v16(
    connector_id: int, raw: dict[str, Any], phases: int, voltage: float
) -> Profile:
    return Profile(
        profile_id=int(raw["charging_profile_id"]),
        purpose=PURPOSES.get(raw["charging_profile_purpose"], raw["charging_profile_purpose"]),
        evse_id=connector_id,
        stack_level=int(raw["stack_level"]),
        transaction_id=str(raw.get("transaction_id") or ""),
        limit_amps=_first_limit(raw["charging_schedule"], phases, voltage),
    )


def profile_from_v2(evse_id: int, raw: dict[str, Any], phases: int, voltage: float) -> Profile:
    schedules = raw["charging_schedule"]
    return Profile(
        profile_id=int(raw["id"]),
        purpose=PURPOSES.get(raw["charging_profile_purpose"], raw["charging_profile_purpose"]),
        evse_id=evse_id,
        stack_level=int(raw["stack_level"]),
        transaction_id=str(raw.get("transaction_id") or ""),
        limit_amps=_first_limit(schedules[0], phases, voltage) if schedules else None,
    )


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

    def limit(self, evse_id: int, transaction_id: str | None) -> float | None:
        """A per phase the EVSE may draw now (None: unlimited)."""
        tx = self._top("tx", (evse_id,), transaction_id) if transaction_id else None
        default = tx or self._top("tx_default", (evse_id, 0))
        station = self._top("station_max", (evse_id, 0))
        values = [
            p.limit_amps for p in (default, station) if p is not None and p.limit_amps is not None
        ]
        return min(values) if values else None

    def note(self, evse_id: int, limit: float | None) -> bool:
        """Record the EVSE's limit if it changed; True when it did."""
        if evse_id in self.held and self.held[evse_id] == limit:
            return False
        self.held[evse_id] = limit
        self.log.append((time.time(), evse_id, limit))
        return True
