"""A real HTTP server that receives webhooks: it records every request and answers as the
test tells it (a status, or holding the request until released)."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """The receiver's check, written from the contract, not from the product's code:
        `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`."""
        parts = dict(part.split("=", 1) for part in self.headers["X-Webhook-Signature"].split(","))
        if parts["t"] != self.headers["X-Webhook-Timestamp"]:
            return False
        signed = parts["t"].encode() + b"." + self.body
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.statuses: list[int] = []  # answered first, one each, before `status`
        self.release = threading.Event()
        self.release.set()  # cleared: every request waits until set again
        self.answered = 0
        self.delay = 0.0  # seconds each answer takes (a slow receiver)
        self.body = b"ok"  # the answer's body
        self.headers: dict[str, str] = {}  # more headers of the answer, e.g. a Location
        self._lock = threading.Lock()
        self.url = ""

    def answer(self) -> int:
        with self._lock:
            return self.statuses.pop(0) if self.statuses else self.status

    def record(self, request: Received) -> None:
        with self._lock:
            self.received.append(request)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        events = [r.event for r in list(self.received)]
        return [e for e in events if event_type is None or e["type"] == event_type]

    def wait_for(self, predicate: Any, timeout: float = 20) -> list[Received]:
        """Wait until `predicate(received)` holds; returns what was received."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = list(self.received)
            if predicate(received):
                return received
            time.sleep(0.02)
        raise AssertionError(f"receiver: condition not met in {timeout}s; got {self.received}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do
        disable_nagle_algorithm = True  # else each answer waits 40 ms for a delayed ACK

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.record(Received(dict(self.headers.items()), body, time.monotonic()))
            receiver.release.wait(timeout=120)
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.answer()
            self.send_response(status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(receiver.body)))
            self.end_headers()
            self.wfile.write(receiver.body)
            with receiver._lock:
                receiver.answered += 1

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class ReceiverServer(ThreadingHTTPServer):
    # A backlog like a real receiver's (nginx: 511): the sender opens up to
    # WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT connections at once; socketserver's default is 5.
    request_queue_size = 512


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ReceiverServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
