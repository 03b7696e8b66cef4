"""The embedded setup's sender (no Redis, tasks in process): the same asyncio sender on a
thread of the server process, started by the server's heartbeat and woken by kicks. Only a
server starts it: a shell or a test process that writes deliveries leaves them to the server."""

import asyncio
import os
import threading

from django.conf import settings

from webhooks.sender import Sender


class EmbeddedSender:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sender: Sender | None = None
        self._pid = 0

    def wake(self, *, start: bool = False) -> None:
        """Wake this process's sender; with `start`, start it first if there is none."""
        with self._lock:
            running = self._loop is not None and self._pid == os.getpid()  # not a fork's
            if not running and not start:
                return
            if not running:
                self._pid = os.getpid()
                self._loop = asyncio.new_event_loop()
                self._sender = Sender(max_in_flight=settings.WEBHOOK_SENDER_MAX_IN_FLIGHT)
                threading.Thread(
                    target=self._run, args=(self._loop, self._sender), name="webhook-sender",
                    daemon=True,
                ).start()  # fmt: skip
            loop, sender = self._loop, self._sender
        assert loop is not None and sender is not None
        loop.call_soon_threadsafe(sender.wake)

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, sender: Sender) -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(sender.run(asyncio.Event()))  # runs as long as the process


embedded_sender = EmbeddedSender()
