"""A CSMS small enough to read: a local websockets server that records every frame a simulated
station sends, in order, and answers it with a schema-minimal answer the test can shape."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Request, Response, ServerConnection, serve

from station_simulator import PROTOCOLS, SimulatedStation, StationConfig, create_station
from station_simulator.answers import minimal_response

PASSWORD = "correct-horse-battery"
FAST: dict[str, Any] = {
    "heartbeat_interval": 0.2,
    "meter_value_interval": 0.05,
    "transaction_duration": 0.5,
    "transaction_pause": 0.05,
    "response_timeout": 2.0,
    "time_acceleration": 600.0,
}

# The token status the CSMS answers to a start (1.6 StartTransaction, 2.x TransactionEvent).
TokenVerdict = Callable[[str], str]


@dataclass
class Received:
    """A CALL a station sent, and whether another of its CALLs was unanswered when it came."""

    identity: str
    action: str
    payload: dict[str, Any]
    overlapped: bool


@dataclass
class FakeCsms:
    """Answers every CALL (after ``answer_delay``); ``verdict`` decides start token statuses."""

    verdict: TokenVerdict = lambda token: "Accepted"
    answer_delay: float = 0.0
    calls: list[Received] = field(default_factory=list)
    url: str = ""
    connections: dict[str, ServerConnection] = field(default_factory=dict)
    _unanswered: dict[str, int] = field(default_factory=dict)
    _pending: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _tx_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def __aenter__(self) -> FakeCsms:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=list(PROTOCOLS),  # type: ignore[arg-type]
            process_request=_check_auth,
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ocpp"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None and ws.subprotocol is not None
        identity = ws.request.path.rsplit("/", 1)[-1]
        self.connections[identity] = ws
        async for raw in ws:
            frame = json.loads(raw)
            if frame[0] == 2:
                overlapped = self._unanswered.get(identity, 0) > 0
                self.calls.append(Received(identity, frame[2], frame[3], overlapped))
                self._unanswered[identity] = self._unanswered.get(identity, 0) + 1
                task = asyncio.create_task(self._answer(ws, identity, frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            elif frame[1] in self._pending:
                self._pending.pop(frame[1]).set_result(frame)

    async def _answer(self, ws: ServerConnection, identity: str, frame: list[Any]) -> None:
        await asyncio.sleep(self.answer_delay)
        answer = self.answer(str(ws.subprotocol), frame[2], frame[3])
        self._unanswered[identity] -= 1
        await ws.send(json.dumps([3, frame[1], answer]))

    def answer(self, protocol: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The schema-minimal answer, with the verdict on a started transaction's token."""
        answer = minimal_response(protocol, action)
        if action == "BootNotification":
            answer.update(status="Accepted", interval=60)
        elif action == "StartTransaction":
            answer["transactionId"] = next(self._tx_ids)
            answer["idTagInfo"] = {"status": self.verdict(payload["idTag"])}
        elif action == "TransactionEvent" and "idToken" in payload:
            answer["idTokenInfo"] = {"status": self.verdict(payload["idToken"]["idToken"])}
        return answer

    async def call(self, identity: str, action: str, payload: Any) -> list[Any]:
        """Send a CALL to a station and return its reply frame."""
        unique_id = str(uuid.uuid4())
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = future
        await self.connections[identity].send(json.dumps([2, unique_id, action, payload]))
        return await asyncio.wait_for(future, 2.0)

    def sent(self, action: str | None = None) -> list[dict[str, Any]]:
        """The payloads of the CALLs received (of ``action``), in order."""
        return [c.payload for c in self.calls if action in (None, c.action)]


def _check_auth(connection: ServerConnection, request: Request) -> Response | None:
    identity = request.path.rsplit("/", 1)[-1]
    expected = base64.b64encode(f"{identity}:{PASSWORD}".encode()).decode()
    if request.headers.get("Authorization") != f"Basic {expected}":
        return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
    return None


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` until it holds (a failed assertion after ``timeout``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def run_one(
    csms: FakeCsms,
    protocol: str,
    quirks: str,
    *,
    until: Callable[[SimulatedStation], bool],
    **overrides: Any,
) -> SimulatedStation:
    """Run one station with ``quirks`` until ``until(station)`` holds, then stop it."""
    config = StationConfig(
        identity=f"Q-{protocol}", password=PASSWORD, protocol=protocol, url=csms.url,
        connectors=1, quirks=quirks, **{**FAST, **overrides},
    )  # fmt: skip
    station = create_station(config)
    runner = asyncio.create_task(station.run())
    try:
        await wait_for(lambda: until(station))
    finally:
        await station.stop()
        await runner
    return station
