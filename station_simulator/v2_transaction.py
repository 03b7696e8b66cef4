"""What an OCPP 2.0.1 / 2.1 simulated station sends about its transactions: TransactionEvents
and meter values, with the quirks that change them (``station_simulator.quirks``)."""

from __future__ import annotations

import uuid
from typing import Any

from .meter import ENERGY, POWER, Connector, Transaction
from .station import SimulatedStation

# Why a transaction ended -> the TransactionEvent triggerReason that goes with it.
_END_TRIGGER = {
    "Local": "StopAuthorized",
    "Remote": "RemoteStop",
    "DeAuthorized": "Deauthorized",
    "ImmediateReset": "ResetCommand",
}


class V2Transactions(SimulatedStation):
    """The transaction messages of the 2.x stations (``station_simulator.v2``)."""

    _call: Any

    def _meter_value(
        self, connector: Connector, context: str, tx: Transaction | None = None
    ) -> dict[str, Any]:
        """One meterValue; its energy reading is entered in ``tx``'s ledger record."""
        energy, power = connector.meter.reading()
        if tx is not None:
            tx.reported(energy)
        unit = {"Wh": {"unit": "Wh"}, "W": {"unit": "W"}}
        return {
            "timestamp": self.clock(),
            "sampled_value": [
                {
                    "value": energy,
                    "context": context,
                    "measurand": ENERGY,
                    "unit_of_measure": unit["Wh"],
                },
                {
                    "value": power,
                    "context": context,
                    "measurand": POWER,
                    "unit_of_measure": unit["W"],
                },
            ],
        }

    def _event(self, tx: Transaction, event_type: str, trigger: str, **fields: Any) -> Any:
        info: dict[str, Any] = {
            "transaction_id": tx.transaction_id,
            "charging_state": fields.pop("state", "Charging"),
        }
        if tx.remote_start_id is not None and event_type == "Started":
            info["remote_start_id"] = tx.remote_start_id
        if "stopped_reason" in fields:
            info["stopped_reason"] = fields.pop("stopped_reason")
        return self._call.TransactionEvent(
            event_type=event_type,
            timestamp=self.clock(),
            trigger_reason=trigger,
            seq_no=tx.next_seq(),
            transaction_info=info,
            **fields,
        )

    async def _transaction_event(
        self, tx: Transaction, event_type: str, trigger: str, **fields: Any
    ) -> Any:
        return await self.send_call(self._event(tx, event_type, trigger, **fields))

    def _id_token(self, token: str) -> dict[str, str]:
        return {"id_token": token, "type": self.config.id_token_type}

    def _token_sent(self, tx: Transaction) -> dict[str, str] | None:
        """The idToken the events of ``tx`` carry: none after a remote start with the
        remote-start-without-token quirk (the CSMS must take the token of its own call)."""
        if tx.remote_start_id is not None and self.has("remote-start-without-token"):
            return None
        return self._id_token(tx.id_token)

    async def _transaction_flow(
        self, connector: Connector, tx: Transaction, authorize: bool
    ) -> None:
        if self.asks_authorize(authorize):
            result = await self.send_call(
                self._call.Authorize(id_token=self._id_token(tx.id_token))
            )
            status = None if result is None else result.id_token_info.get("status")
            if status != "Accepted":
                self.authorization_refused(tx, status)
                return
        tx.transaction_id = str(uuid.uuid4())
        record = self.open_record(tx)
        started = await self._transaction_event(
            tx,
            "Started",
            "RemoteStart" if tx.remote_start_id is not None else "Authorized",
            id_token=self._token_sent(tx),
            evse={"id": connector.connector_id, "connector_id": 1},
            meter_value=[self._meter_value(connector, "Transaction.Begin", tx)],
        )
        self.report.transactions_started += 1
        status = (getattr(started, "id_token_info", None) or {}).get("status", "Accepted")
        if status != "Accepted":
            record.refused, record.start_status = True, status
            self.deauthorized(tx, status)
        else:
            connector.meter.start_charging()  # energy flows once the CSMS accepted the card
        await self.send_status(connector.connector_id, "Occupied")
        await self.charge_until_stopped(tx, lambda: self._send_update(connector, tx))
        await self._end_transaction(connector, tx)

    async def _send_update(self, connector: Connector, tx: Transaction) -> None:
        await self._transaction_event(
            tx,
            "Updated",
            "MeterValuePeriodic",
            meter_value=[self._meter_value(connector, "Sample.Periodic", tx)],
        )

    async def _end_transaction(self, connector: Connector, tx: Transaction) -> None:
        connector.meter.stop_charging()
        extra: dict[str, Any] = {}
        token = self._token_sent(tx)
        if tx.stop_reason == "Local" and token is not None:
            # A local stop is someone presenting their card again.
            extra["id_token"] = token
        if self.has("available-before-stop"):
            await self.send_status(connector.connector_id, "Available")
        ended = self._event(
            tx,
            "Ended",
            _END_TRIGGER.get(tx.stop_reason, "AbnormalCondition"),
            state="Idle",
            stopped_reason=tx.stop_reason,
            meter_value=[self._meter_value(connector, "Transaction.End", tx)],
            **extra,
        )
        # duplicate-stop: the very same event again (same seqNo), as a station retrying it.
        for _ in range(2 if self.has("duplicate-stop") else 1):
            await self.send_call(ended)
        if tx.record is not None:
            tx.record.end(tx.stop_reason, stopped=True)
        self.report.transactions_completed += 1
        connector.transaction = None
        await self.send_status(
            connector.connector_id, "Available" if connector.available else "Unavailable"
        )
