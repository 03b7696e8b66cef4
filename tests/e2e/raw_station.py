"""A station on a real WebSocket whose answers the test controls: when, what, or not at all."""

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from ssl import SSLContext
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import STATION_PASSWORD

# Decides the answer to a CALL: a payload, or None to never answer.
Policy = Callable[[str, dict[str, Any]], dict[str, Any] | None]


def accept_all(action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    return {"status": "Accepted"}


@dataclass
class ReceivedCall:
    message_id: str
    action: str
    payload: dict[str, Any]
    received_at: float
    answered_at: float | None = None


@dataclass
class RawStation:
    address: str
    identity: str
    protocol: str
    policy: Policy = accept_all
    answer_delay: float = 0.0
    calls: list[ReceivedCall] = field(default_factory=list)
    # 2.1 CALLRESULTERRORs received: the CSMS refusing one of this station's answers.
    result_errors: list[list[Any]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _ws: ClientConnection | None = None
    _reader: asyncio.Task[None] | None = None
    _answers: set[asyncio.Task[None]] = field(default_factory=set)
    _awaited: dict[str, asyncio.Future[list[Any]]] = field(default_factory=dict)
    _next_id: int = 0
    ssl: SSLContext | None = None  # given: connect over wss (through a TLS proxy)

    async def __aenter__(self) -> "RawStation":
        token = base64.b64encode(f"{self.identity}:{STATION_PASSWORD}".encode()).decode()
        scheme = "ws" if self.ssl is None else "wss"
        self._ws = await connect(
            f"{scheme}://{self.address}/ocpp/{self.identity}",
            subprotocols=[self.protocol],
            additional_headers={"Authorization": f"Basic {token}"},
            ssl=self.ssl,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self._ws:
            await self._ws.close()

    async def wait_for_calls(self, count: int, timeout: float = 20) -> list[ReceivedCall]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.calls

    async def wait_for_result_errors(self, count: int, timeout: float = 20) -> list[list[Any]]:
        deadline = time.monotonic() + timeout
        while len(self.result_errors) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.result_errors

    async def _read(self) -> None:
        assert self._ws is not None
        with contextlib.suppress(ConnectionClosed):  # e.g. its server was killed by the test
            await self._read_frames()

    async def _read_frames(self) -> None:
        assert self._ws is not None
        async for text in self._ws:
            frame = json.loads(text)
            awaited = self._awaited.pop(frame[1], None) if frame[0] in (3, 4) else None
            if awaited is not None and not awaited.done():  # not given up on by its caller
                awaited.set_result(frame)
            if frame[0] == 5:
                self.result_errors.append(frame)
            if frame[0] == 2:
                call = ReceivedCall(frame[1], frame[2], frame[3], time.monotonic())
                self.calls.append(call)
                self._in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self._in_flight)
                task = asyncio.create_task(self._answer(call))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 20) -> list[Any]:
        """Send a CALL as the station and wait for the CSMS's answer frame."""
        assert self._ws is not None
        self._next_id += 1
        message_id = f"{self.identity}-{self._next_id}"
        answer = asyncio.get_running_loop().create_future()
        self._awaited[message_id] = answer
        try:
            await self._ws.send(json.dumps([2, message_id, action, payload]))
            return await asyncio.wait_for(answer, timeout)
        finally:
            self._awaited.pop(message_id, None)

    async def _answer(self, call: ReceivedCall) -> None:
        answer = self.policy(call.action, call.payload)
        if answer is None:
            return  # never answered: the CSMS must time it out
        await asyncio.sleep(self.answer_delay)
        self._in_flight -= 1
        call.answered_at = time.monotonic()
        assert self._ws is not None
        await self._ws.send(json.dumps([3, call.message_id, answer]))
