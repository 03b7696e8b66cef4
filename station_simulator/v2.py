"""The OCPP 2.0.1 and 2.1 simulated stations (one EVSE with one connector per "connector").

The handlers build responses with ``self._call_result`` and requests with ``self._call``
so that the same code serves both versions; 2.1-only handlers live in :class:`Station21`.
"""

from __future__ import annotations

import uuid
from typing import Any

from ocpp import v21, v201
from ocpp.routing import on

from .answers import utc_now
from .config import StationConfig
from .device_model import DeviceModel
from .meter import ENERGY, POWER, Connector, Transaction
from .station import SimulatedStation
from .v2_handlers import V2Handlers

# Why a transaction ended -> the TransactionEvent triggerReason that goes with it.
_END_TRIGGER = {
    "Local": "StopAuthorized",
    "Remote": "RemoteStop",
    "DeAuthorized": "Deauthorized",
    "ImmediateReset": "ResetCommand",
}


class _Station2x(V2Handlers, SimulatedStation):
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
            timestamp=utc_now(), connector_status=status, evse_id=connector_id, connector_id=1
        )
        await self.send_call(payload)

    def _heartbeat_from_config(self) -> float | None:
        value = self.device_model.value("OCPPCommCtrlr", "HeartbeatInterval") or ""
        return float(value) if value.isdigit() and int(value) > 0 else None

    def _meter_value(self, connector: Connector, context: str) -> dict[str, Any]:
        energy, power = connector.meter.reading()
        return {
            "timestamp": utc_now(),
            "sampled_value": [
                {
                    "value": energy,
                    "context": context,
                    "measurand": ENERGY,
                    "unit_of_measure": {"unit": "Wh"},
                },
                {
                    "value": power,
                    "context": context,
                    "measurand": POWER,
                    "unit_of_measure": {"unit": "W"},
                },
            ],
        }

    async def send_meter_values(self, connector: Connector, context: str = "Trigger") -> None:
        """Send a MeterValues message (outside the transaction events)."""
        await self.send_call(
            self._call.MeterValues(
                evse_id=connector.connector_id, meter_value=[self._meter_value(connector, context)]
            )
        )

    async def _transaction_event(
        self, tx: Transaction, event_type: str, trigger: str, **fields: Any
    ) -> Any:
        info: dict[str, Any] = {
            "transaction_id": tx.transaction_id,
            "charging_state": fields.pop("state", "Charging"),
        }
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id
        if "stopped_reason" in fields:
            info["stopped_reason"] = fields.pop("stopped_reason")
        return await self.send_call(
            self._call.TransactionEvent(
                event_type=event_type,
                timestamp=utc_now(),
                trigger_reason=trigger,
                seq_no=tx.next_seq(),
                transaction_info=info,
                **fields,
            )
        )

    def _id_token(self, token: str) -> dict[str, str]:
        return {"id_token": token, "type": self.config.id_token_type}

    # ---- transaction --------------------------------------------------------------------

    async def _transaction_flow(
        self, connector: Connector, tx: Transaction, authorize: bool
    ) -> None:
        if authorize:
            result = await self.send_call(
                self._call.Authorize(id_token=self._id_token(tx.id_token))
            )
            status = None if result is None else result.id_token_info.get("status")
            if status != "Accepted":
                self.authorization_refused(tx, status)
                return
        tx.transaction_id = str(uuid.uuid4())
        connector.meter.start_charging()
        started = await self._transaction_event(
            tx,
            "Started",
            "RemoteStart" if tx.remote_start_id is not None else "Authorized",
            id_token=self._id_token(tx.id_token),
            evse={"id": connector.connector_id, "connector_id": 1},
            meter_value=[self._meter_value(connector, "Transaction.Begin")],
        )
        self.report.transactions_started += 1
        status = (getattr(started, "id_token_info", None) or {}).get("status", "Accepted")
        if status != "Accepted":
            self.deauthorized(tx, status)
        await self.send_status(connector.connector_id, "Occupied")
        await self.charge_until_stopped(tx, lambda: self._send_update(connector, tx))
        await self._end_transaction(connector, tx)

    async def _send_update(self, connector: Connector, tx: Transaction) -> None:
        await self._transaction_event(
            tx,
            "Updated",
            "MeterValuePeriodic",
            meter_value=[self._meter_value(connector, "Sample.Periodic")],
        )

    async def _end_transaction(self, connector: Connector, tx: Transaction) -> None:
        connector.meter.stop_charging()
        extra: dict[str, Any] = {}
        if tx.stop_reason == "Local":
            # A local stop is someone presenting their card again.
            extra["id_token"] = self._id_token(tx.id_token)
        await self._transaction_event(
            tx,
            "Ended",
            _END_TRIGGER.get(tx.stop_reason, "AbnormalCondition"),
            state="Idle",
            stopped_reason=tx.stop_reason,
            meter_value=[self._meter_value(connector, "Transaction.End")],
            **extra,
        )
        self.report.transactions_completed += 1
        connector.transaction = None
        await self.send_status(
            connector.connector_id, "Available" if connector.available else "Unavailable"
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
                    tx, "Updated", "Trigger", meter_value=[self._meter_value(connector, "Trigger")]
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
