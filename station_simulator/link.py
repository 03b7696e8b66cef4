"""The wire half of a simulated station: WebSocket, OCPP-J routing, recording, raw frames.

:class:`OcppLink` sits between a station's behaviour (``station.py``) and the ``ocpp``
package's ``ChargePoint`` (the version's class completes it).  It records every CALL each way,
answers CSMS actions that have no dedicated handler with a schema-valid generic response, and
lets a test push raw frames.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from ocpp.charge_point import ChargePoint
from ocpp.exceptions import NotImplementedError as OcppNotImplemented
from ocpp.exceptions import NotSupportedError, OCPPError, UnknownCallErrorCodeError, ValidationError
from ocpp.messages import Call, validate_payload
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from .answers import all_actions, csms_actions, minimal_response
from .config import StationConfig, StationReport

LOGGER = logging.getLogger("station_simulator")

Followup = Callable[[], Coroutine[Any, Any, Any]]

_CALL, _RESULT, _ERROR = 2, 3, 4


class StationError(Exception):
    """The station could not connect or lost its connection."""


def _peek(raw: str | bytes) -> tuple[int, str, str | None, Any] | None:
    """Split an OCPP-J frame into (type, unique id, action, payload); None if it is not one."""
    try:
        frame = json.loads(raw)
        kind, unique_id = int(frame[0]), str(frame[1])
    except (ValueError, TypeError, IndexError, KeyError):
        return None
    if kind == _CALL and len(frame) == 4:
        return kind, unique_id, str(frame[2]), frame[3]
    if kind == _RESULT and len(frame) == 3:
        return kind, unique_id, None, frame[2]
    if kind == _ERROR and len(frame) >= 4:
        return kind, unique_id, None, {"errorCode": frame[2], "errorDescription": frame[3]}
    return None


class OcppLink(ChargePoint):
    """One station's OCPP-J connection; a station class puts the version's ``ChargePoint``
    (``ocpp.v16``, ``ocpp.v201``, ``ocpp.v21``) after it, which fills in the version's messages.

    Attributes tests assert on:
      ``received``: CALLs from the CSMS as (action, payload);
      ``sent``: CALLs this station sent as (action, payload);
      ``results``: CALLRESULTs the CSMS returned as (action, payload);
      ``answers``: CALLRESULTs this station returned as (action, payload);
      ``answer_errors``: CALLERRORs this station returned as (action, error code);
      ``report``: counters and errors (see :class:`StationReport`).
    Frames pushed with :meth:`send_raw` are not recorded.
    """

    protocol: ClassVar[str]
    _ocpp_version: str
    _call: Any

    def __init__(self, config: StationConfig) -> None:
        # The connection is opened later, in connect(); ChargePoint only stores it.
        super().__init__(
            config.identity, None, response_timeout=config.response_timeout, logger=LOGGER
        )
        self.config = config
        self.report = StationReport(identity=config.identity, protocol=config.protocol)
        self.received: list[tuple[str, Any]] = []
        self.sent: list[tuple[str, Any]] = []
        self.results: list[tuple[str, Any]] = []
        self.answers: list[tuple[str, Any]] = []
        self.answer_errors: list[tuple[str, str]] = []
        self._connection: ClientConnection | None = None
        self._receiver: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._outbound: dict[str, str] = {}
        self._inbound: dict[str, str] = {}
        self._followups: dict[str, Followup] = {}
        self._raw_waiter: asyncio.Future[str] | None = None
        self._stopping = False
        self._finished = asyncio.Event()

    async def connect(self) -> None:
        """Open the WebSocket (offering exactly our subprotocol) and start reading frames."""
        try:
            connection = await connect(
                self.config.endpoint,
                subprotocols=[Subprotocol(self.config.protocol)],
                additional_headers=self.config.handshake_headers(),
                open_timeout=self.config.open_timeout,
                # A CSMS under test is local: never route it through an environment proxy.
                proxy=None,
            )
        except InvalidStatus as exc:
            raise StationError(f"handshake refused: HTTP {exc.response.status_code}") from exc
        except (OSError, TimeoutError, ConnectionClosed) as exc:
            raise StationError(f"cannot connect to {self.config.endpoint}: {exc!r}") from exc
        if connection.subprotocol != self.config.protocol:
            await connection.close()
            raise StationError(
                f"server chose subprotocol {connection.subprotocol!r}, not {self.config.protocol}"
            )
        self._connection = connection
        self.report.connected = True
        self._receiver = asyncio.create_task(self._receive_loop(), name=f"{self.id}-recv")

    async def _close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        if self._receiver is not None:
            await cancel_tasks({self._receiver})

    async def send_call(self, payload: Any) -> Any | None:
        """Send a CALL and return the parsed answer, or None (error recorded) on failure."""
        action = type(payload).__name__
        try:
            return await self.call(payload, suppress=False)
        except (OCPPError, ValidationError, UnknownCallErrorCodeError) as exc:
            self.record_error(f"{action}: {type(exc).__name__}: {exc}")
        except TimeoutError:
            self.record_error(f"{action}: no answer within {self.config.response_timeout}s")
        return None

    async def send_raw(self, text: str, timeout: float = 5.0) -> str:
        """Send ``text`` as one frame, verbatim, and return the next non-CALL frame received.

        Holding the call lock guarantees no ordinary CALL of ours is waiting for an answer,
        so the next CALLRESULT/CALLERROR (or garbage) is the reply to this frame.
        """
        if self._connection is None:
            raise StationError("not connected")
        async with self._call_lock:
            waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._raw_waiter = waiter
            try:
                await self._connection.send(text)
                return await asyncio.wait_for(waiter, timeout)
            finally:
                self._raw_waiter = None

    def after_answer(self, call_unique_id: str, followup: Followup) -> None:
        """Run ``followup`` in a task once our CALLRESULT for that CALL has been sent."""
        self._followups[call_unique_id] = followup

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in a task that :meth:`stop` will cancel."""
        task = asyncio.create_task(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except ConnectionClosed:
            pass
        except Exception as exc:  # a bug in the simulator must not go unnoticed
            LOGGER.exception("%s: task failed", self.id)
            self.record_error(f"internal error: {exc!r}")

    def record_error(self, message: str) -> None:
        """Remember an error in the report."""
        LOGGER.warning("%s: %s", self.id, message)
        self.report.errors.append(message)

    async def _receive_loop(self) -> None:
        assert self._connection is not None
        try:
            async for raw in self._connection:
                try:
                    await self.route_message(raw)
                except ConnectionClosed:
                    raise
                except Exception as exc:  # keep reading whatever one frame did
                    LOGGER.exception("%s: failed to handle %r", self.id, raw)
                    self.record_error(f"internal error handling a frame: {exc!r}")
        except ConnectionClosed:
            pass
        if not self._stopping:
            code, reason = self._connection.close_code, self._connection.close_reason
            self.record_error(f"connection closed by the CSMS (code {code}, reason {reason!r})")
        self._finished.set()

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Record an incoming frame, hand it to a raw-reply waiter or to the ocpp router."""
        frame = _peek(raw_msg)
        waiter = self._raw_waiter
        if waiter is not None and not waiter.done() and (frame is None or frame[0] != _CALL):
            waiter.set_result(
                raw_msg if isinstance(raw_msg, str) else raw_msg.decode(errors="replace")
            )
            return
        if frame is not None:
            kind, unique_id, action, payload = frame
            if kind == _CALL and action is not None:
                self.received.append((action, payload))
                self.report.messages_received += 1
                self._inbound[unique_id] = action
            elif kind == _RESULT:
                self.results.append((self._outbound.pop(unique_id, "?"), payload))
                self.report.messages_answered += 1
            else:
                self._outbound.pop(unique_id, None)
        await super().route_message(raw_msg)

    async def _send(self, message: str) -> None:
        frame = _peek(message)
        if frame is not None:
            kind, unique_id, action, payload = frame
            if kind == _CALL and action is not None:
                self.sent.append((action, payload))
                self.report.messages_sent += 1
                self._outbound[unique_id] = action
            elif kind == _RESULT:
                self.answers.append((self._inbound.pop(unique_id, "?"), payload))
            else:
                self.answer_errors.append((self._inbound.pop(unique_id, "?"), payload["errorCode"]))
        await super()._send(message)
        followup = self._followups.pop(frame[1], None) if frame else None
        if followup is not None and frame is not None and frame[0] == _RESULT:
            self.spawn(followup())

    async def _handle_call(self, msg: Call) -> Any:
        """Dispatch to a handler; CSMS actions without one get a generic schema-valid answer."""
        if msg.action in self.route_map:
            return await super()._handle_call(msg)
        if msg.action in csms_actions(self.protocol):
            await validate_payload(msg, self._ocpp_version)
            result = msg.create_call_result(self.generic_answer(msg.action, msg.payload))
            await validate_payload(result, self._ocpp_version)
            await self._send(result.to_json())
            return None
        if msg.action in all_actions(self.protocol):
            raise NotSupportedError(details={"cause": f"{msg.action} is not sent by a CSMS"})
        raise OcppNotImplemented(details={"cause": f"unknown action {msg.action!r}"})

    def generic_answer(self, action: str, payload: Any) -> dict[str, Any]:
        """The answer for a CSMS action without a dedicated handler (schema-minimal)."""
        return minimal_response(self.protocol, action)


async def cancel_tasks(tasks: set[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until they are all gone."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
