"""The version-independent behaviour of a simulated station: boot, heartbeats, transactions.

A concrete station class mixes :class:`SimulatedStation` with the ``ocpp`` package's
``ChargePoint`` of its version (see ``v16.py`` and ``v2.py``) and fills in the few
version-specific steps (boot payload, status notification, transaction flow, triggers).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any

from websockets.exceptions import ConnectionClosed

from .answers import utc_now
from .charging_profiles import ProfileStore
from .config import StationConfig, StationReport
from .ledger import TransactionRecord
from .link import StationError, cancel_tasks
from .meter import Connector, Meter, Transaction
from .pipelining import PipelinedLink
from .smart_charging import StationLimits

__all__ = ["SimulatedStation", "StationError"]


class SimulatedStation(StationLimits, PipelinedLink):
    """A charging station that speaks OCPP-J over a real WebSocket (see :class:`OcppLink`),
    with the quirks its config names (``station_simulator.quirks``)."""

    def __init__(self, config: StationConfig) -> None:
        super().__init__(config)
        self.rng = random.Random(config.identity)
        self.connectors = {n: Connector(n, self._meter()) for n in range(1, config.connectors + 1)}
        self.profiles = ProfileStore()
        for n, connector in self.connectors.items():
            connector.meter.limit_source = partial(self.connector_limit, n)
        self.booted = asyncio.Event()
        self.boot_interval: float = 0.0
        self._tx_tasks: set[asyncio.Task[Any]] = set()
        self._stopped = asyncio.Event()
        self._stuck_at = config.stuck_clock_at or utc_now()

    def _meter(self) -> Meter:
        config = self.config
        return Meter(self.rng, config.time_acceleration, phases=config.phases,
                     voltage=config.voltage, car_max_amps=config.car_max_amps)  # fmt: skip

    # ---- version-specific steps, implemented by the subclasses -------------------------

    def boot_payload(self) -> Any:
        """The BootNotification call dataclass."""
        raise NotImplementedError

    async def send_status(self, connector_id: int, status: str) -> None:
        """Send a StatusNotification for one connector and remember the status."""
        raise NotImplementedError

    async def _transaction_flow(
        self, connector: Connector, tx: Transaction, authorize: bool
    ) -> None:
        raise NotImplementedError

    async def send_meter_values(self, connector: Connector, context: str) -> None:
        """Send MeterValues for ``connector``, read in ``context`` (OCPP ReadingContext)."""
        raise NotImplementedError

    def _heartbeat_from_config(self) -> float | None:
        """A heartbeat interval the CSMS configured after boot, if any."""
        return None

    # ---- lifecycle ----------------------------------------------------------------------

    async def run(self) -> StationReport:
        """Connect and play the scenario until :meth:`stop` is called or the link drops."""
        if self._stopping:
            return self.report
        try:
            await self.connect()
        except StationError as exc:
            self.record_error(str(exc))
            self._finished.set()
            return self.report
        if self._stopping:
            # stop() ran while the handshake was in flight and found nothing to close.
            await self._close()
            return self.report
        self.spawn(self._scenario())
        await self._finished.wait()
        await self.stop()
        return self.report

    async def stop(self, graceful: bool = True) -> None:
        """Stop cleanly: end ongoing transactions (when ``graceful``), cancel tasks, close."""
        if self._stopping:
            await self._stopped.wait()
            return
        self._stopping = True
        await cancel_tasks(self._tasks)
        if graceful and self._connection is not None and self._tx_tasks:
            for connector in self.connectors.values():
                if connector.transaction is not None:
                    connector.transaction.request_stop("Local")
            await asyncio.wait(set(self._tx_tasks), timeout=self.config.stop_grace)
        await cancel_tasks(self._tx_tasks | self._tasks)
        await self._close()
        self._finished.set()
        self._stopped.set()

    async def _scenario(self) -> None:
        await self.boot()
        for connector_id in self.connectors:
            await self.send_status(connector_id, "Available")
        self.spawn(self._heartbeat_loop())
        for number in range(self.config.transactions):
            connector = self._free_connector(preferred=number % len(self.connectors) + 1)
            if connector is not None:
                # Shielded: cancelling the scenario must not cut a transaction short.
                await asyncio.shield(
                    self.start_transaction(connector.connector_id, self.config.id_token)
                )
            await asyncio.sleep(self.config.transaction_pause)

    async def boot(self) -> str:
        """Send BootNotification until the CSMS accepts it; return the last status."""
        while not self.booted.is_set():
            status = await self.send_boot()
            if status == "Accepted":
                break
            retry = self.config.boot_retry_interval or self.boot_interval or 10.0
            # A triggered BootNotification (during Pending) may be accepted meanwhile.
            try:
                await asyncio.wait_for(self.booted.wait(), retry)
            except TimeoutError:
                continue
        return self.report.boot_status or "Accepted"

    async def send_boot(self) -> str | None:
        """Send one BootNotification and apply its answer; return the status."""
        result = await self.send_call(self.boot_payload())
        if result is None:
            return None
        self.report.boot_status = result.status
        self.boot_interval = float(result.interval)
        if result.status == "Accepted":
            self.booted.set()
        return result.status

    def heartbeat_interval(self) -> float:
        """Seconds between heartbeats: the override, else the CSMS's configured interval."""
        for value in (
            self.config.heartbeat_interval,
            self._heartbeat_from_config(),
            self.boot_interval,
        ):
            if value is not None and value > 0:
                return float(value)
        return 60.0

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval())
            await self.send_call(self._call.Heartbeat())

    def clock(self) -> str:
        """The timestamp the station puts on a message (always the same with stuck-clock)."""
        return self._stuck_at if self.has("stuck-clock") else utc_now()

    # ---- transactions -------------------------------------------------------------------

    def open_record(self, tx: Transaction) -> TransactionRecord:
        """Enter ``tx`` in the ledger (when its start is sent)."""
        tx.record = TransactionRecord(
            identity=self.config.identity,
            protocol=self.config.protocol,
            connector_id=tx.connector_id,
            id_token=tx.id_token,
            transaction_id=tx.transaction_id,
            remote_start_id=tx.remote_start_id,
        )
        self.report.ledger.append(tx.record)
        return tx.record

    def asks_authorize(self, authorize: bool) -> bool:
        """Whether a start is preceded by Authorize (start-without-authorize skips it)."""
        return authorize and not self.has("start-without-authorize")

    def _free_connector(self, preferred: int | None = None) -> Connector | None:
        order = sorted(self.connectors.values(), key=lambda c: c.connector_id != preferred)
        return next((c for c in order if not c.busy and c.available), None)

    def start_transaction(
        self,
        connector_id: int,
        id_token: str,
        remote_start_id: int | None = None,
        authorize: bool = True,
    ) -> asyncio.Task[None]:
        """Reserve the connector at once and run a whole transaction on it in a task."""
        connector = self.connectors[connector_id]
        tx = Transaction(
            connector_id=connector_id, id_token=id_token, remote_start_id=remote_start_id
        )
        connector.transaction = tx
        task = asyncio.create_task(self._guarded_transaction(connector, tx, authorize))
        self._tx_tasks.add(task)
        task.add_done_callback(self._tx_tasks.discard)
        return task

    async def _guarded_transaction(
        self, connector: Connector, tx: Transaction, authorize: bool
    ) -> None:
        try:
            await self._transaction_flow(connector, tx, authorize)
        except ConnectionClosed:
            pass
        finally:
            connector.transaction = None
            connector.meter.stop_charging()
            if tx.transaction_id:
                self.profiles.end_transaction(tx.transaction_id)
            self.connector_limit(connector.connector_id)

    async def charge_until_stopped(
        self, tx: Transaction, send_sample: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        """Wait out the transaction duration (or a stop request), sampling the meter."""
        loop = asyncio.get_running_loop()
        duration = self.config.transaction_duration
        deadline = loop.time() + (duration if duration > 0 else math.inf)
        while not tx.stop_requested.is_set():
            timeout = min(self.config.meter_value_interval, deadline - loop.time())
            if timeout <= 0:
                return
            try:
                await asyncio.wait_for(tx.stop_requested.wait(), timeout)
            except TimeoutError:
                if loop.time() < deadline:
                    await send_sample()
                    if self.has("meter-reset") and deadline - loop.time() <= duration / 2:
                        await self._reset_meter(tx, send_sample)

    async def _reset_meter(
        self, tx: Transaction, send_sample: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        """The meter-reset quirk, once per transaction: the register goes back to 0 right after
        a reading (just sent), and a reading of 0 follows at once."""
        if tx.meter_was_reset:
            return
        tx.meter_was_reset = True
        self.connectors[tx.connector_id].meter.reset()
        await send_sample()

    def authorization_refused(self, tx: Transaction, status: str | None) -> None:
        """Note that a transaction was skipped because its token was not accepted."""
        if status is not None:  # None: the failed call already recorded an error
            self.record_error(
                f"token {tx.id_token!r} not authorized ({status}); transaction skipped"
            )

    def deauthorized(self, tx: Transaction, status: str) -> None:
        """The CSMS refused the token of a started transaction: end it (DeAuthorized)."""
        self.record_error(
            f"transaction {tx.transaction_id}: token {tx.id_token!r} is {status}; stopping"
        )
        tx.request_stop("DeAuthorized")

    def change_availability(
        self, targets: list[Connector], available: bool, call_unique_id: str
    ) -> str:
        """Apply ChangeAvailability to `targets` and, after the answer, report the idle ones'
        new status. Returns the status to answer (Scheduled while some are charging)."""
        if not targets:
            return "Rejected"
        for connector in targets:
            connector.available = available
        idle = [c.connector_id for c in targets if not c.busy]

        async def report() -> None:
            for cid in idle:
                await self.send_status(cid, "Available" if available else "Unavailable")

        self.after_answer(call_unique_id, report)
        return "Scheduled" if len(idle) < len(targets) else "Accepted"

    async def send_for_connectors(self, requested: str, targets: list[Connector]) -> None:
        """A triggered StatusNotification or MeterValues for each of `targets`."""
        for connector in targets:
            if requested == "StatusNotification":
                await self.send_status(connector.connector_id, connector.status)
            else:
                await self.send_meter_values(connector, "Trigger")

    def find_transaction(self, transaction_id: str) -> Transaction | None:
        """The ongoing transaction with this id (compared as text), if any."""
        for connector in self.connectors.values():
            tx = connector.transaction
            if tx is not None and tx.transaction_id and tx.transaction_id == str(transaction_id):
                return tx
        return None
