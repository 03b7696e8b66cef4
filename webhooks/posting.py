"""One POST of a delivery, on the asyncio sender's shared client: signed, bounded by a hard
deadline (connect, request, answer and the excerpt read together), and told apart into a
status or a fixed error class. Touches no database."""

import asyncio
import json
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from webhooks.addresses import UrlRefusedError, url_check
from webhooks.events import event_body
from webhooks.models import WebhookDelivery
from webhooks.signing import signature
from webhooks.transport import (
    AddressNotAllowedError,
    NameNotResolvedError,
    async_public_only_client,
    failure_class,
)

USER_AGENT = "csms-webhooks/1.0"
# What of a receiver's answer is kept: enough to debug it, too little to read a service with.
RESPONSE_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str
    response_body: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def sender_client(max_connections: int) -> httpx.AsyncClient:
    """The client of one sender loop: one pool for every receiver it POSTs to."""
    return async_public_only_client(
        httpx.Limits(max_connections=max_connections, max_keepalive_connections=100)
    )


async def delivery_post(client: httpx.AsyncClient, delivery: WebhookDelivery) -> PostResult:
    """POST the event to the endpoint (loaded with the delivery), signed. Never longer than
    WEBHOOK_TIMEOUT_SECONDS: httpx's timeouts bound each step, the deadline the whole."""
    body = json.dumps(event_body(delivery), separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-Delivery-Id": str(delivery.pk),
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(
            secret=delivery.endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    started = time.monotonic()
    deadline = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        url_check(delivery.endpoint.url)  # the settings may have changed since it was saved
        async with asyncio.timeout(deadline):
            async with client.stream(
                "POST", delivery.endpoint.url, content=body, headers=headers, timeout=deadline
            ) as response:
                excerpt = await _excerpt(response)
    except TimeoutError:
        return PostResult(None, "timeout", "", _ms_since(started))
    except (UrlRefusedError, AddressNotAllowedError, NameNotResolvedError) as error:
        return PostResult(None, failure_class(error), "", _ms_since(started))
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return PostResult(None, failure_class(error), "", _ms_since(started))
    return PostResult(response.status_code, "", excerpt, _ms_since(started))


async def _excerpt(response: httpx.Response) -> str:
    """The start of the answer, enough to debug a receiver; never read a whole large body."""
    read = b""
    async for chunk in response.aiter_bytes():
        read += chunk
        if len(read) >= RESPONSE_EXCERPT_CHARS * 4:  # a character is at most 4 bytes
            break
    return read.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
