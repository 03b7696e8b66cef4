"""The OCPP 2.0.1 and 2.1 simulated stations (one EVSE with one connector per "connector").

The handlers build responses with ``self._call_result`` and requests with ``self._call``
so that the same code serves both versions; 2.1-only handlers live in :class:`Station21`.
"""

from __future__ import annotations

from typing import Any

from ocpp import v21, v201
from ocpp.routing import on

from .config import StationConfig
from .device_model import DeviceModel
from .meter import Connector
from .v2_handlers import V2Handlers
from .v2_transaction import V2Transactions


class _Station2x(V2Handlers, V2Transactions):
    """Behaviour shared by the 2.0.1 and 2.1 stations."""

    def __init__(self, config: StationConfig) -> None:
        super().__init__(config)
        self.device_model = DeviceModel(config)
        self.display_messages: dict[int, dict[str, Any]] = {}

    def generic_answer(self, action: str, payload: Any) -> dict[str, Any]:
        """Echo monitoring requests item by item; schema-minimal answers for the rest."""
        if action == "ClearVariableMonitoring":
            return {
                "clearMonitoringResult": [{"id": n, "status": "Accepted"} for n in payload["id"]]
            }
        if action == "SetVariableMonitoring":
            keys = ("type", "severity", "component", "variable")
            return {
                "setMonitoringResult": [
                    {"id": n, "status": "Accepted", **{k: item[k] for k in keys}}
                    for n, item in enumerate(payload["setMonitoringData"], start=1)
                ]
            }
        return super().generic_answer(action, payload)

    # ---- outgoing messages --------------------------------------------------------------

    def boot_payload(self) -> Any:
        """BootNotification (reason PowerUp) with vendor, model, serial and firmware."""
        cfg = self.config
        station = {
            "model": cfg.model,
            "vendor_name": cfg.vendor,
            "serial_number": cfg.serial_number,
            "firmware_version": cfg.firmware_version,
        }
        return self._call.BootNotification(charging_station=station, reason="PowerUp")

    async def send_status(self, connector_id: int, status: str) -> None:
        """Send a 2.x StatusNotification for EVSE ``connector_id``, connector 1."""
        if connector_id in self.connectors:
            self.connectors[connector_id].status = status
        payload = self._call.StatusNotification(
            timestamp=self.clock(), connector_status=status, evse_id=connector_id, connector_id=1
        )
        await self.send_call(payload)

    def _heartbeat_from_config(self) -> float | None:
        value = self.device_model.value("OCPPCommCtrlr", "HeartbeatInterval") or ""
        return float(value) if value.isdigit() and int(value) > 0 else None

    async def send_meter_values(self, connector: Connector, context: str = "Trigger") -> None:
        """Send a MeterValues message (outside the transaction events)."""
        await self.send_call(
            self._call.MeterValues(
                evse_id=connector.connector_id, meter_value=[self._meter_value(connector, context)]
            )
        )

    # ---- triggers -----------------------------------------------------------------------

    def schedule_trigger(self, requested: str, evse_id: int | None, call_unique_id: str) -> str:
        """Decide the TriggerMessage status and queue the triggered message(s)."""
        targets = [c for c in self.connectors.values() if evse_id in (None, 0, c.connector_id)]
        simple = {
            "Heartbeat": lambda: self.send_call(self._call.Heartbeat()),
            "FirmwareStatusNotification": lambda: self.send_call(
                self._call.FirmwareStatusNotification(status="Idle")
            ),
            "LogStatusNotification": lambda: self.send_call(
                self._call.LogStatusNotification(status="Idle")
            ),
        }
        if requested == "BootNotification":
            # OCPP 2.x (F06.FR.17): once accepted, a triggered boot is refused.
            if self.report.boot_status == "Accepted":
                return "Rejected"
            self.after_answer(call_unique_id, self.send_boot)
        elif requested in simple:
            self.after_answer(call_unique_id, simple[requested])
        elif requested == "TransactionEvent":
            ongoing = [
                c for c in targets if c.transaction is not None and c.transaction.transaction_id
            ]
            if not ongoing:
                return "Rejected"
            self.after_answer(call_unique_id, lambda: self._trigger_transaction_events(ongoing))
        elif requested in ("StatusNotification", "MeterValues"):
            if not targets:
                return "Rejected"
            self.after_answer(call_unique_id, lambda: self.send_for_connectors(requested, targets))
        else:
            return "NotImplemented"
        return "Accepted"

    async def _trigger_transaction_events(self, connectors: list[Connector]) -> None:
        for connector in connectors:
            tx = connector.transaction
            if tx is not None:
                await self._transaction_event(
                    tx,
                    "Updated",
                    "Trigger",
                    meter_value=[self._meter_value(connector, "Trigger", tx)],
                )


class Station201(_Station2x, v201.ChargePoint):
    """An OCPP 2.0.1 charging station."""

    protocol = "ocpp2.0.1"


class Station21(_Station2x, v21.ChargePoint):
    """An OCPP 2.1 charging station (adds tariff handling)."""

    protocol = "ocpp2.1"

    def __init__(self, config: StationConfig) -> None:
        super().__init__(config)
        # tariff id -> (evse id, tariff as received, snake_case)
        self.tariffs: dict[str, tuple[int, dict[str, Any]]] = {}

    @on("SetDefaultTariff")
    def on_set_default_tariff(self, evse_id: int, tariff: dict[str, Any], **_: Any) -> Any:
        """Accept and remember the tariff."""
        self.tariffs[tariff["tariff_id"]] = (evse_id, tariff)
        return self._call_result.SetDefaultTariff(status="Accepted")

    @on("ClearTariffs")
    def on_clear_tariffs(
        self, tariff_ids: list[str] | None = None, evse_id: int | None = None, **_: Any
    ) -> Any:
        """Forget the named (or all) tariffs; NoTariff when there was nothing to clear."""
        doomed = [
            tid
            for tid, (evse, _tariff) in self.tariffs.items()
            if (tariff_ids is None or tid in tariff_ids) and evse_id in (None, evse)
        ]
        for tid in doomed:
            del self.tariffs[tid]
        results = [{"tariff_id": tid, "status": "Accepted"} for tid in doomed] or [
            {"status": "NoTariff"}
        ]
        return self._call_result.ClearTariffs(clear_tariffs_result=results)

    @on("GetTariffs")
    def on_get_tariffs(self, evse_id: int, **_: Any) -> Any:
        """List the default tariffs that apply to ``evse_id``."""
        assigned = [
            {"tariff_id": tid, "tariff_kind": "DefaultTariff", "evse_ids": [evse]}
            for tid, (evse, _tariff) in self.tariffs.items()
            if evse_id in (0, evse)
        ]
        if not assigned:
            return self._call_result.GetTariffs(status="NoTariff")
        return self._call_result.GetTariffs(status="Accepted", tariff_assignments=assigned)
