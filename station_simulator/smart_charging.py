"""What a simulated station does with the charging profiles it is sent, in every version:
install or refuse them, draw under the limit they make, and report it (GetCompositeSchedule).
The version-specific ``@on`` handlers (``v16.py``, ``v2_handlers.py``) call these."""

from __future__ import annotations

from typing import Any

from .answers import utc_now
from .charging_profiles import Profile, ProfileStore
from .meter import Connector


class StationLimits:
    connectors: dict[int, Connector]
    profiles: ProfileStore

    def connector_limit(self, connector_id: int) -> float | None:
        """The limit the connector holds now (A per phase), noted when it changed."""
        tx = self.connectors[connector_id].transaction
        limit = self.profiles.limit(connector_id, tx.transaction_id if tx else None)
        self.profiles.note(connector_id, limit)
        return limit

    def limits_changed(self) -> None:
        """Profiles changed: account the energy drawn so far, then draw under the new ones."""
        for connector in self.connectors.values():
            connector.meter.advance()
            self.connector_limit(connector.connector_id)

    def profile_install(self, profile: Profile) -> str:
        """Accepted, or Rejected for an EVSE the station lacks or a transaction not running
        (a TxProfile needs its transaction: 1.6 §5.16.2, 2.0.1 K01.FR.09)."""
        if profile.evse_id and profile.evse_id not in self.connectors:
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
        limits = [self.connector_limit(c.connector_id) for c in connectors]
        known = [limit for limit in limits if limit is not None]
        meter = connectors[0].meter
        amps = min(known) if known else 32.0 * len(connectors)  # unlimited: the rating
        limit = amps * meter.phases * meter.voltage if unit == "W" else amps
        return {
            "evse_id": evse_id,
            "duration": duration,
            "schedule_start": utc_now(),
            "charging_rate_unit": unit or "A",
            "charging_schedule_period": [
                {"start_period": 0, "limit": round(limit, 1), "number_phases": meter.phases}
            ],
        }
