"""HTTP into WSGI on a thread pool (csms/runtime/wsgi_bridge.py): what the application answers
reaches
the client whole, in one piece when small and streamed when large, and every request is
finished (closed) in the thread that ran it."""

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from csms.runtime.wsgi_bridge import SPOOL_BODY_ABOVE, WsgiOnThreads

SCOPE = {
    "type": "http", "method": "POST", "path": "/echo", "query_string": b"", "root_path": "",
    "http_version": "1.1", "headers": [(b"content-type", b"text/plain")],
    "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
}  # fmt: skip


class Body:
    """A response body that records where it was iterated and closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.threads: dict[str, int] = {}

    def __iter__(self) -> Iterator[bytes]:
        self.threads["iterated"] = threading.get_ident()
        yield from self.chunks

    def close(self) -> None:
        self.threads["closed"] = threading.get_ident()


def serve(app: Any, request_chunks: list[bytes], **options: Any) -> list[dict[str, Any]]:
    """Run one request through the bridge; returns the ASGI messages it sent."""
    sent: list[dict[str, Any]] = []
    messages = [
        {"type": "http.request", "body": chunk, "more_body": n < len(request_chunks) - 1}
        for n, chunk in enumerate(request_chunks)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(WsgiOnThreads(app, threads=2, **options)(SCOPE, receive, send))
    return sent


def test_a_response_is_sent_whole_and_the_request_finished_in_its_thread() -> None:
    seen: dict[str, Any] = {}
    body = Body([b"echo: ", b"x"])

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        seen["thread"] = threading.get_ident()
        seen["body"] = environ["wsgi.input"].read()
        seen["path"] = environ["PATH_INFO"]
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-Thing", " 1 ")])
        return body

    sent = serve(app, [b"hello ", b"world"])
    assert seen["body"] == b"hello world" and seen["path"] == "/echo"
    assert sent == [
        {"type": "http.response.start", "status": 201,
         "headers": [(b"content-type", b"text/plain"), (b"x-thing", b"1")]},
        {"type": "http.response.body", "body": b"echo: x"},
    ]  # fmt: skip
    assert seen["thread"] != threading.get_ident()  # not on the event loop
    assert body.threads == {"iterated": seen["thread"], "closed": seen["thread"]}


def test_a_response_larger_than_the_buffer_is_streamed_from_its_thread() -> None:
    body = Body([b"a" * 8, b"b" * 8, b"c" * 8, b"d" * 8])
    ran_in: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        ran_in.append(threading.get_ident())
        start_response("200 OK", [])
        return body

    sent = serve(app, [b""], buffer_bytes=10)
    assert sent[0] == {"type": "http.response.start", "status": 200, "headers": []}
    chunks = sent[1:]
    assert (
        b"".join(message["body"] for message in chunks) == b"a" * 8 + b"b" * 8 + b"c" * 8 + b"d" * 8
    )
    assert [message.get("more_body", False) for message in chunks] == [True, True, True, False]
    assert body.threads == {"iterated": ran_in[0], "closed": ran_in[0]}


def test_what_write_adds_comes_first_and_a_later_start_response_replaces_the_status() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("X-First", "1")])
        write(b"written ")
        # An error after the headers were "sent": WSGI lets the application replace them.
        start_response("500 Internal Server Error", [("X-Second", "2")], exc_info=True)
        return [b"then returned"]

    sent = serve(app, [b""])
    assert sent[0]["status"] == 500 and sent[0]["headers"] == [(b"x-second", b"2")]
    assert sent[1]["body"] == b"written then returned"


def test_a_client_gone_before_its_body_arrived_runs_nothing() -> None:
    ran: list[bool] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        ran.append(True)
        start_response("200 OK", [])
        return []

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(WsgiOnThreads(app, threads=1)(SCOPE, receive, send))
    assert ran == [] and sent == []


def test_a_large_request_body_reaches_the_application_whole() -> None:
    received: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        received.append(len(environ["wsgi.input"].read()))
        start_response("200 OK", [])
        return [b""]

    chunk = b"z" * (SPOOL_BODY_ABOVE // 2)
    serve(app, [chunk, chunk, chunk])  # spooled to a file past SPOOL_BODY_ABOVE
    assert received == [3 * len(chunk)]
