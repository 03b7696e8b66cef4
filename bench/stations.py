"""Light OCPP 1.6 stations for the benchmarks: raw frames on a websockets client, so that one
asyncio process can hold thousands of them. Each answers every CSMS CALL with Accepted and sends
its own CALLs one at a time, as OCPP-J requires."""

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PASSWORD = "bench-station-password"


@dataclass
class Station:
    address: str
    identity: str
    ws: ClientConnection | None = None
    calls_answered: int = 0
    _reader: asyncio.Task[None] | None = None
    _awaited: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    async def open(self) -> None:
        token = base64.b64encode(f"{self.identity}:{PASSWORD}".encode()).decode()
        self.ws = await connect(
            f"ws://{self.address}/ocpp/{self.identity}",
            subprotocols=["ocpp1.6"],
            additional_headers={"Authorization": f"Basic {token}"},
            open_timeout=120,
            ping_interval=None,  # the server pings; fewer timers in the client process
            compression=None,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 60) -> Any:
        """Send a CALL and wait for its CALLRESULT payload (a CALLERROR raises)."""
        assert self.ws is not None
        message_id = str(next(self._ids))
        answer = asyncio.get_running_loop().create_future()
        self._awaited[message_id] = answer
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        frame = await asyncio.wait_for(answer, timeout)
        if frame[0] != 3:
            raise RuntimeError(f"{self.identity} {action}: {frame}")
        return frame[2]

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for text in self.ws:
                frame = json.loads(text)
                if frame[0] == 2:
                    self.calls_answered += 1
                    await self.ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
                elif frame[1] in self._awaited:
                    self._awaited.pop(frame[1]).set_result(frame)


async def open_all(
    addresses: list[str], identities: list[str], parallel: int = 50
) -> list[Station]:
    """Connect every station, spread over the servers' `addresses` in turn (as a load balancer
    would), at most `parallel` handshakes at a time. More than ~100 at once made daphne's
    channel layer fail (redis-py's pool of 100 connections raises when empty): see
    docs/PERFORMANCE.md."""
    gate = asyncio.Semaphore(parallel)

    async def one(n: int, identity: str) -> Station:
        async with gate:
            station = Station(addresses[n % len(addresses)], identity)
            await station.open()
            return station

    return list(await asyncio.gather(*(one(n, identity) for n, identity in enumerate(identities))))


async def close_all(stations: list[Station], parallel: int = 10) -> None:
    """Disconnect every station, at most `parallel` at a time (see open_all)."""
    gate = asyncio.Semaphore(parallel)

    async def one(station: Station) -> None:
        async with gate:
            await station.close()

    await asyncio.gather(*(one(station) for station in stations))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def charging_cycle(station: Station, meter_values: int = 5) -> int:
    """One charging session as a 1.6 station reports it; returns the messages sent."""
    sent = 0

    async def status(state: str) -> None:
        payload = {"connectorId": 1, "errorCode": "NoError", "status": state, "timestamp": now()}
        await station.call("StatusNotification", payload)

    await status("Preparing")
    started = await station.call(
        "StartTransaction",
        {"connectorId": 1, "idTag": "BENCHTAG", "meterStart": 0, "timestamp": now()},
    )
    transaction_id = started["transactionId"]
    await status("Charging")
    sent += 3
    for n in range(1, meter_values + 1):
        sample = {"value": str(n * 1000), "measurand": "Energy.Active.Import.Register"}
        await station.call(
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": transaction_id,
                "meterValue": [{"timestamp": now(), "sampledValue": [sample]}],
            },
        )
        sent += 1
    await station.call(
        "StopTransaction",
        {"transactionId": transaction_id, "meterStop": meter_values * 1000, "timestamp": now()},
    )
    await status("Available")
    await station.call("Heartbeat", {})
    return sent + 3


async def charge_for(stations: list[Station], seconds: float) -> tuple[int, float]:
    """Every station runs charging cycles until `seconds` passed; returns (messages, elapsed)."""
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()

    async def run(station: Station) -> int:
        total = 0
        while time.perf_counter() < deadline:
            total += await charging_cycle(station)
        return total

    counts = await asyncio.gather(*(run(station) for station in stations))
    return sum(counts), time.perf_counter() - started
