"""/healthz, /readyz and /metrics, answered before Django: no middleware, no URL resolver, no
ALLOWED_HOSTS (an orchestrator or Prometheus reaches a daphne container by its own address,
not by the names the public proxy serves), no session and no thread for /healthz. Nothing of
them is in the OpenAPI document; deploy/nginx does not pass /metrics on to the public.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from channels.db import database_sync_to_async

from observability.exposition import CONTENT_TYPE, metrics_text, scrape_allowed
from observability.readiness import readiness

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
AsgiApp = Callable[[Scope, Any, Send], Awaitable[None]]


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-store"), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def healthz(scope: Scope, send: Send) -> None:
    """The process answers: nothing else is looked at."""
    await _respond(send, 200, b'{"status":"ok"}', "application/json")


async def readyz(scope: Scope, send: Send) -> None:
    verdicts = await readiness()
    ready = all(verdict == "ok" for verdict in verdicts.values())
    body = {"status": "ok" if ready else "unavailable", "checks": verdicts}
    await _respond(send, 200 if ready else 503, json.dumps(body).encode(), "application/json")


async def metrics(scope: Scope, send: Send) -> None:
    headers = dict(scope.get("headers") or [])
    client = scope.get("client") or ("", 0)
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    if not scrape_allowed(authorization=authorization, client_address=str(client[0])):
        challenge = [(b"www-authenticate", b'Bearer realm="metrics"')]
        await _respond(send, 401, b"Unauthorized\n", "text/plain", challenge)
        return
    text = await database_sync_to_async(metrics_text, thread_sensitive=False)()
    await _respond(send, 200, text, CONTENT_TYPE)


ROUTES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


def with_observability_routes(app: AsgiApp) -> AsgiApp:
    """`app` for every HTTP request but a GET or HEAD of ROUTES."""

    async def route(scope: Scope, receive: Any, send: Send) -> None:
        handler = ROUTES.get(scope.get("path", "")) if scope["type"] == "http" else None
        if handler is None or scope.get("method") not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        await handler(scope, send)

    return route
