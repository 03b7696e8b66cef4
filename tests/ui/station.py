"""A station on a real WebSocket, run on its own event loop so that a synchronous browser test
can connect it, make it talk, and close it while the page watches."""

import asyncio
import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.e2e.raw_station import RawStation


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class LiveStation:
    """A RawStation (answers every CSMS call with Accepted) in a background thread."""

    def __init__(self, address: str, identity: str, protocol: str = "ocpp1.6") -> None:
        self.station = RawStation(address, identity, protocol)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> "LiveStation":
        self._thread.start()
        self._run(self.station.__aenter__())
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self._run(self.station.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def send(self, action: str, payload: dict[str, Any]) -> None:
        """Send a CALL as the station (the CSMS's answer is not awaited: the page shows it)."""
        frame = json.dumps([2, str(uuid.uuid4()), action, payload])
        assert self.station._ws is not None
        self._run(self.station._ws.send(frame))

    def boot(self, vendor: str = "Acme", model: str = "UI-Test") -> None:
        self.send("BootNotification", {"chargePointVendor": vendor, "chargePointModel": model})

    def status(self, connector_id: int, status: str) -> None:
        payload = {"connectorId": connector_id, "errorCode": "NoError", "status": status}
        self.send("StatusNotification", {**payload, "timestamp": now()})

    def received(self) -> list[Any]:
        return list(self.station.calls)

    def _run(self, coroutine: Any, timeout: float = 20) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)
