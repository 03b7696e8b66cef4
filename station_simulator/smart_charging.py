"""What a simulated station does with the charging profiles it is sent, in every version:
install or refuse them, draw under the limit they make, and report it (GetCompositeSchedule,
2.x GetChargingProfiles). The version-specific ``@on`` handlers (``v16.py``,
``v2_handlers.py``) call these."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .charging_profiles import Profile, ProfileStore
from .config import StationConfig
from .meter import Connector


class StationLimits:
    config: StationConfig
    connectors: dict[int, Connector]
    profiles: ProfileStore

    def connector_limit(self, connector_id: int, at: float | None = None) -> float | None:
        """The limit the connector holds at `at` (A per phase; default now, then noted when
        it changed)."""
        tx = self.connectors[connector_id].transaction
        limit = self.profiles.limit(
            connector_id, tx.transaction_id if tx else None, at=at,
            started=tx.started_at if tx else None,
        )  # fmt: skip
        if at is None:
            self.profiles.note(connector_id, limit)
        return limit

    def limits_changed(self) -> None:
        """Profiles changed: account the energy drawn so far, then draw under the new ones."""
        for connector in self.connectors.values():
            connector.meter.advance()
            self.connector_limit(connector.connector_id)

    def profile_install(self, profile: Profile) -> str:
        """Accepted, or Rejected for an EVSE the station lacks, a transaction not running
        (a TxProfile needs its transaction: 1.6 §5.16.2, 2.0.1 K01.FR.09), or more periods
        than it takes (its ChargingScheduleMaxPeriods / PeriodsPerSchedule)."""
        if profile.evse_id and profile.evse_id not in self.connectors:
            return "Rejected"
        if len(profile.periods) > self.config.max_schedule_periods:
            return "Rejected"
        if profile.purpose == "tx":
            tx = self.connectors.get(profile.evse_id)
            running = tx.transaction if tx is not None else None
            if running is None or running.transaction_id != profile.transaction_id:
                return "Rejected"
        self.profiles.install(profile)
        self.limits_changed()
        return "Accepted"

    def profile_clear(self, profile_id: int | None) -> str:
        cleared = self.profiles.clear(profile_id)
        self.limits_changed()
        return "Accepted" if cleared else "Unknown"

    def composite_schedule(
        self, evse_id: int, duration: int, unit: str | None
    ) -> dict[str, Any] | None:
        """The schedule in force on the EVSE from now (snake_cased, for the ``ocpp``
        package), or None for an EVSE the station lacks."""
        if evse_id and evse_id not in self.connectors:
            return None
        connectors = [self.connectors[evse_id]] if evse_id else list(self.connectors.values())
        now = time.time()
        changes = {m for c in connectors for m in self._limit_changes(c, now, now + duration)}
        periods: list[dict[str, Any]] = []
        for moment in [now, *sorted(changes)]:
            start, limit = int(moment - now), self._composite_limit(connectors, moment, unit)
            if periods and periods[-1]["start_period"] == start:  # within the same second
                periods.pop()
            if not periods or periods[-1]["limit"] != limit:
                periods.append({"start_period": start, "limit": limit,
                                "number_phases": connectors[0].meter.phases})  # fmt: skip
        for connector in connectors:  # what holds now is noted, as a reading would
            self.connector_limit(connector.connector_id)
        return {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": datetime.fromtimestamp(int(now), UTC)
            .isoformat()
            .replace("+00:00", "Z"),
            "charging_rate_unit": unit or "A",
            "charging_schedule_period": periods,
        }

    def _limit_changes(self, connector: Connector, since: float, until: float) -> list[float]:
        tx = connector.transaction
        return self.profiles.limit_changes(
            connector.connector_id, tx.transaction_id if tx else None, since=since, until=until,
            started=tx.started_at if tx else None,
        )  # fmt: skip

    def _composite_limit(
        self, connectors: list[Connector], moment: float, unit: str | None
    ) -> float:
        """The least limit of `connectors` at `moment`, in `unit` (unlimited: the rating)."""
        limits = [self.connector_limit(c.connector_id, at=moment) for c in connectors]
        known = [limit for limit in limits if limit is not None]
        meter = connectors[0].meter
        amps = min(known) if known else 32.0 * len(connectors)
        return round(amps * meter.phases * meter.voltage if unit == "W" else amps, 1)

    def profiles_held(self, evse_id: int | None) -> dict[int, list[dict[str, Any]]]:
        """The profiles it holds as they came, by EVSE (all, or one's): what it reports in
        answer to GetChargingProfiles."""
        held: dict[int, list[dict[str, Any]]] = {}
        for profile in self.profiles.profiles.values():
            if evse_id is None or profile.evse_id == evse_id:
                held.setdefault(profile.evse_id, []).append(profile.raw)
        return held
