"""HTTP into a WSGI application (Django's handler) on a fixed pool of threads, with one hop
from the event loop to a thread and one back per request.

a2wsgi's WSGIMiddleware, used before, hands every piece of the response to the event loop
separately (the status line, each body chunk, the end) and blocks its thread until the loop
has taken each one, and reads the request body through the loop the same way. Under load the
loop is the busiest thread in the process, so each request's thread spent most of its time
waiting for it (docs/PERFORMANCE.md, fix 16). Here the request body is read on the loop before
the thread starts (daphne already holds all of it), and the thread runs the application to
the end and returns the whole response, which the loop then writes at once. Only a response
larger than `buffer_bytes` (a big download) is streamed from its thread chunk by chunk, as
before: the thread that ran the request must also finish it, because Django returns the
request's database connection to the pool when the response is closed, in that thread.
"""

import asyncio
import contextvars
import functools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any, cast

from a2wsgi.wsgi import build_environ

Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[bytes, bytes]]
Send = Callable[[dict[str, Any]], Any]
Receive = Callable[[], Any]

# Request bodies above this size are spooled to a temporary file instead of held in memory.
SPOOL_BODY_ABOVE = 1024 * 1024


@dataclass
class _Response:
    status: int
    headers: Headers
    body: bytes


class _StartResponse:
    """WSGI's start_response: records the status and headers; `write` adds to the body."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: Headers = []
        self.written: list[bytes] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        # Nothing is sent before the application returns, so a later call (with exc_info,
        # after an error) may always replace what an earlier one said.
        self.status = int(status.split(" ", 1)[0])
        self.headers = [
            (name.strip().lower().encode("latin1"), value.strip().encode("latin1"))
            for name, value in headers
        ]
        return self.written.append


class WsgiOnThreads:
    """An ASGI application (HTTP only) running `app` on `threads` reused threads."""

    def __init__(self, app: WSGIApp, *, threads: int, buffer_bytes: int = 1024 * 1024) -> None:
        self.app = app
        self.buffer_bytes = buffer_bytes
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="HTTP")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WsgiOnThreads serves HTTP only, not {scope['type']}")
        body = await request_body(receive)
        if body is None:
            return  # the client went away before it finished sending
        # a2wsgi types its scope and environ as TypedDicts of its own; Django takes a plain dict.
        environ = cast(Environ, build_environ(scope, body))  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        run = contextvars.copy_context().run
        try:
            response = await loop.run_in_executor(
                self.executor, functools.partial(run, self._respond, environ, loop, send)
            )
        finally:
            body.close()
        if response is None:
            return  # streamed from its thread
        await send({"type": "http.response.start", "status": response.status,
                    "headers": response.headers})  # fmt: skip
        await send({"type": "http.response.body", "body": response.body})

    def _respond(
        self, environ: Environ, loop: asyncio.AbstractEventLoop, send: Send
    ) -> _Response | None:
        """In a pool thread: run the application and return its whole response, or stream it
        from here when it outgrows the buffer (then None)."""
        start_response = _StartResponse()
        iterable = self.app(environ, start_response)
        try:
            body = start_response.written  # write() and the iterable both add here, in order
            size = sum(map(len, body))
            remaining = iter(iterable)
            for chunk in remaining:
                body.append(chunk)
                size += len(chunk)
                if size > self.buffer_bytes:
                    _stream(start_response, remaining, loop, send)
                    return None
            return _Response(start_response.status, start_response.headers, b"".join(body))
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()


def _stream(
    start_response: _StartResponse,
    remaining: Iterator[bytes],
    loop: asyncio.AbstractEventLoop,
    send: Send,
) -> None:
    """Send the response so far and then each further chunk, waiting for the loop each time
    (the thread must stay with the request until it is closed)."""

    def send_now(message: dict[str, Any]) -> None:
        asyncio.run_coroutine_threadsafe(send(message), loop).result()

    send_now({"type": "http.response.start", "status": start_response.status,
              "headers": start_response.headers})  # fmt: skip
    send_now({"type": "http.response.body", "body": b"".join(start_response.written),
              "more_body": True})  # fmt: skip
    start_response.written.clear()
    for chunk in remaining:
        chunks = [*start_response.written, chunk]  # whatever write() added meanwhile
        start_response.written.clear()
        send_now({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
    send_now({"type": "http.response.body", "body": b"".join(start_response.written)})


async def request_body(receive: Receive) -> IO[bytes] | None:
    """The whole request body as a file (in memory up to SPOOL_BODY_ABOVE bytes), or None if
    the client disconnected first. The caller closes it."""
    body = tempfile.SpooledTemporaryFile(max_size=SPOOL_BODY_ABOVE)  # noqa: SIM115
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        body.write(message.get("body", b""))
        if not message.get("more_body", False):
            body.seek(0)
            return body
