"""The ASGI "WebSocket Denial Response" extension (`websocket.http.response.start` / `.body`),
which daphne 4 lacks: without it a handshake can only be refused with 403, yet a failed Basic
auth must be a 401 with `WWW-Authenticate: Basic` (RFC 9110, the OCPP certification tests),
and an unknown path a 404.

`install()` (run by csms.routing, in the server process) teaches daphne's WebSocket protocol the
two messages and advertises the extension in every WebSocket scope, as the spec asks; an
application that finds it missing (e.g. Channels' test communicator) falls back to a close.
The denial's body is not sent: a refused station needs only the status and headers.

It may go when daphne implements the extension itself.
"""

from http import HTTPStatus
from typing import Any

EXTENSION = "websocket.http.response"


def install() -> None:
    """Patch daphne's classes once; harmless when daphne is not installed or not serving."""
    try:
        from autobahn.websocket.types import ConnectionDeny
        from daphne.server import Server
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # pragma: no cover - daphne is a dependency of the project
        return
    if getattr(WebSocketProtocol, "_denial_installed", False):
        return
    reply, fail, create = (
        WebSocketProtocol.handle_reply,
        WebSocketProtocol.failHandshake,
        Server.create_application,
    )

    def handle_reply(self: Any, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "websocket.http.response.start" and self.state == self.STATE_CONNECTING:
            self.denial = (int(message["status"]), list(message.get("headers", [])))
        elif kind == "websocket.http.response.body":
            denial = getattr(self, "denial", None)
            if denial is not None and not message.get("more_body", False):
                phrase = HTTPStatus(denial[0]).phrase
                self.handshake_deferred.errback(ConnectionDeny(code=denial[0], reason=phrase))
        else:
            reply(self, message)

    def fail_handshake(
        self: Any,
        reason: str,
        code: int = 400,
        responseHeaders: Any = None,  # noqa: N803
    ) -> None:
        headers = [*(responseHeaders or []), *_text_headers(getattr(self, "denial", None))]
        fail(self, reason, code, headers or None)

    def create_application(self: Any, protocol: Any, scope: dict[str, Any]) -> Any:
        if scope.get("type") == "websocket":
            scope = {**scope, "extensions": {**scope.get("extensions", {}), EXTENSION: {}}}
        return create(self, protocol, scope)

    WebSocketProtocol.handle_reply = handle_reply
    WebSocketProtocol.failHandshake = fail_handshake
    Server.create_application = create_application
    WebSocketProtocol._denial_installed = True


def _text_headers(denial: tuple[int, list[Any]] | None) -> list[tuple[str, str]]:
    if denial is None:
        return []
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in denial[1]]


async def deny(
    consumer: Any, status: int, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Refuse `consumer`'s handshake (before accept) with `status` and `headers`, or with the
    server's plain refusal (403) where the extension is missing."""
    if EXTENSION not in consumer.scope.get("extensions", {}):
        await consumer.close()
        return
    start = {"type": "websocket.http.response.start", "status": status, "headers": headers or []}
    await consumer.base_send(start)
    await consumer.base_send({"type": "websocket.http.response.body", "body": b""})
