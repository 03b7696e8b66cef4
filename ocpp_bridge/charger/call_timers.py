"""The timeouts of the calls a consumer has sent on its connection.

Each call handed to a consumer is timed out by it, at its own deadline, unless the station's
answer arrives first. The timer of an answered call used to run to its end anyway: a whole
timeout after every call, a thread hop and an UPDATE that found the call answered and changed
nothing (in the benchmarks, the calls of one phase expiring in the middle of the next). The
timer now stops when the answer arrives. If that answer then cannot be stored, the call stays sent
and the calls sweep times it out after its deadline, as it does for a consumer that died.
"""

import asyncio
from collections.abc import Awaitable, Callable

from ocpp_bridge.protocol.framing import answered_message_id

Expire = Callable[[str], Awaitable[None]]


class CallTimers:
    """One timer per outstanding call of a connection, by the call's OCPP message id."""

    def __init__(self, expire: Expire) -> None:
        self.expire = expire  # called with the call's id once its time is up
        self.timers: dict[str, asyncio.Task[None]] = {}

    def start(self, *, message_id: str, call_id: str, timeout: float) -> None:
        self.timers[message_id] = asyncio.create_task(
            self._expire_later(message_id, call_id, timeout)
        )

    def answer_arrived(self, text: str) -> None:
        """A frame came from the station: if it answers a call, that call's timer stops."""
        if not self.timers:  # the usual case: nothing outstanding, nothing to parse
            return
        message_id = answered_message_id(text)
        timer = self.timers.pop(message_id, None) if message_id is not None else None
        if timer is not None:
            timer.cancel()

    def cancel_all(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()

    async def _expire_later(self, message_id: str, call_id: str, timeout: float) -> None:
        await asyncio.sleep(timeout)
        self.timers.pop(message_id, None)
        await self.expire(call_id)
