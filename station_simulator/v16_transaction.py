"""What an OCPP 1.6 simulated station sends: boot, status, meter values and its transactions,
with the quirks that change them (``station_simulator.quirks``)."""

from __future__ import annotations

from typing import Any

from ocpp.v16 import call

from .meter import ENERGY, POWER, Connector, Transaction
from .station import SimulatedStation


class V16Transactions(SimulatedStation):
    """The outgoing messages of :class:`station_simulator.v16.Station16`."""

    def boot_payload(self) -> call.BootNotification:
        """BootNotification with the configured vendor, model, serial and firmware."""
        cfg = self.config
        return call.BootNotification(
            charge_point_model=cfg.model,
            charge_point_vendor=cfg.vendor,
            charge_point_serial_number=cfg.serial_number,
            firmware_version=cfg.firmware_version,
        )

    async def send_status(self, connector_id: int, status: str) -> None:
        """Send a 1.6 StatusNotification (errorCode NoError)."""
        if connector_id in self.connectors:
            self.connectors[connector_id].status = status
        await self.send_call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=status,
                timestamp=self.clock(),
            )
        )

    def _meter_value(
        self, connector: Connector, context: str, tx: Transaction | None = None
    ) -> dict[str, Any]:
        """One meterValue; its energy reading is entered in ``tx``'s ledger record."""
        energy, power = connector.meter.reading()
        if tx is not None:
            tx.reported(energy)
        return {
            "timestamp": self.clock(),
            "sampled_value": [
                {"value": str(energy), "context": context, "measurand": ENERGY, "unit": "Wh"},
                {"value": f"{power:.1f}", "context": context, "measurand": POWER, "unit": "W"},
            ],
        }

    async def send_meter_values(
        self, connector: Connector, context: str = "Sample.Periodic"
    ) -> None:
        """Send MeterValues for ``connector`` (with its transaction id while charging)."""
        tx = connector.transaction
        running = tx if tx is not None and tx.transaction_id else None
        await self.send_call(
            call.MeterValues(
                connector_id=connector.connector_id,
                meter_value=[self._meter_value(connector, context, running)],
                transaction_id=int(running.transaction_id) if running is not None else None,
            )
        )

    async def _transaction_flow(
        self, connector: Connector, tx: Transaction, authorize: bool
    ) -> None:
        if self.asks_authorize(authorize):
            result = await self.send_call(call.Authorize(id_tag=tx.id_token))
            status = None if result is None else result.id_tag_info.get("status")
            if status != "Accepted":
                self.authorization_refused(tx, status)
                return
        await self.send_status(connector.connector_id, "Preparing")
        tx.meter_start = connector.meter.reading()[0]
        started = await self._send_start(connector, tx)
        if started is None:
            await self.send_status(connector.connector_id, "Available")
            return
        tx.transaction_id = str(started.transaction_id)
        self.open_record(tx)
        tx.reported(tx.meter_start)
        self.report.transactions_started += 1
        status = started.id_tag_info.get("status")
        if status != "Accepted" and await self._refused(connector, tx, status):
            return
        await self.send_status(connector.connector_id, "Charging")
        await self.charge_until_stopped(tx, lambda: self.send_meter_values(connector))
        await self._stop_transaction(connector, tx)

    async def _send_start(self, connector: Connector, tx: Transaction) -> Any | None:
        payload = call.StartTransaction(
            connector_id=connector.connector_id,
            id_tag=tx.id_token,
            meter_start=tx.meter_start,
            timestamp=self.clock(),
        )
        started = await self.send_call(payload)
        if started is not None and self.has("duplicate-start"):
            # As if the first answer was lost: the same message again; its answer is kept.
            started = await self.send_call(payload) or started
        if started is not None and started.id_tag_info.get("status") == "Accepted":
            connector.meter.start_charging()  # energy flows once the CSMS accepted the card
        return started

    async def _refused(self, connector: Connector, tx: Transaction, status: str) -> bool:
        """The CSMS refused the card of a started transaction; True when the station gives up
        at once (abandon-refused: no StopTransaction, the connector Available again)."""
        assert tx.record is not None
        tx.record.refused, tx.record.start_status = True, status
        if not self.has("abandon-refused"):
            self.deauthorized(tx, status)
            return False
        self.record_error(f"transaction {tx.transaction_id}: token {tx.id_token!r} is {status}")
        tx.record.end("Abandoned", stopped=False)
        await self.send_status(connector.connector_id, "Available")
        return True

    async def _stop_transaction(self, connector: Connector, tx: Transaction) -> None:
        connector.meter.stop_charging()
        final = self._meter_value(connector, "Transaction.End", tx)
        if self.has("available-before-stop"):
            await self.send_status(connector.connector_id, "Available")
        payload = call.StopTransaction(
            meter_stop=int(final["sampled_value"][0]["value"]),
            timestamp=self.clock(),
            transaction_id=int(tx.transaction_id),
            reason=tx.stop_reason,
            id_tag=tx.id_token,
            transaction_data=[final],
        )
        for _ in range(2 if self.has("duplicate-stop") else 1):
            await self.send_call(payload)
        if tx.record is not None:
            tx.record.end(tx.stop_reason, stopped=True)
        self.report.transactions_completed += 1
        connector.transaction = None
        await self.send_status(
            connector.connector_id, "Available" if connector.available else "Unavailable"
        )
