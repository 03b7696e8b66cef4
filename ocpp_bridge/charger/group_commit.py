"""Group commit for the stations of one process: text messages that arrive while others are
being handled wait and are then handled together (`incoming.process_texts`: one transaction,
one INSERT of frames), instead of a thread hop, a transaction and an INSERT each.

Nothing is held back when the process is idle: a message arriving with a batch slot free is
handled at once, alone. Under load, batches form by themselves from what arrives while the
running ones work. A station sends its next message only after the previous one is answered
(its consumer handles one event at a time), so a batch holds at most one message per station
and each station's messages keep their order.
"""

import asyncio
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from ocpp_bridge.charger.handlers import StationContext

Process = Callable[[Sequence[tuple[StationContext, str]]], list[str | None]]

_Waiting = tuple[StationContext, str, "asyncio.Future[str | None]"]


class GroupCommitter:
    """Runs `process` (in a thread) on batches of at most `max_batch` messages, with at most
    `concurrency` batches at once (one waits on the database while another runs)."""

    def __init__(
        self,
        process: Process,
        *,
        run_in_thread: Callable[[Process], Any],
        max_batch: int,
        concurrency: int,
    ) -> None:
        self.process_in_thread = run_in_thread(process)
        self.max_batch = max(1, max_batch)
        self.concurrency = max(1, concurrency)
        self.waiting: list[_Waiting] = []
        self.running: set[asyncio.Task[None]] = set()  # strong references: the loop has weak

    async def submit(self, station: StationContext, text: str) -> str | None:
        """The reply to `text`, once the batch it joined has been handled. A message once
        received is handled even if its caller is cancelled meanwhile (its station went away):
        it is logged, and its effects are stored, as they would have been without the wait."""
        reply: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.waiting.append((station, text, reply))
        self._start_batches()
        return await reply

    def _start_batches(self) -> None:
        while self.waiting and len(self.running) < self.concurrency:
            batch = self.waiting[: self.max_batch]
            del self.waiting[: self.max_batch]
            task = asyncio.ensure_future(self._run(batch))
            self.running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self.running.discard(task)
        self._start_batches()

    async def _run(self, batch: list[_Waiting]) -> None:
        try:
            replies = await self.process_in_thread([(station, text) for station, text, _ in batch])
        except asyncio.CancelledError:  # the loop is shutting down
            for _, _, reply in batch:
                reply.cancel()
            raise
        except Exception as error:  # every waiter hears of it
            for _, _, reply in batch:
                if not reply.done():
                    reply.set_exception(error)
        else:
            for (_, _, reply), text in zip(batch, replies, strict=True):
                if not reply.done():
                    reply.set_result(text)


_committers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommitter]" = (
    weakref.WeakKeyDictionary()
)


def group_committer(factory: Callable[[], GroupCommitter]) -> GroupCommitter:
    """The running event loop's committer (one per process under daphne; tests run several
    loops one after another)."""
    loop = asyncio.get_running_loop()
    committer = _committers.get(loop)
    if committer is None:
        committer = _committers[loop] = factory()
    return committer
