"""The webhook sender: one asyncio loop per process holding many POSTs in flight on one HTTP
client, each attempt recorded as soon as it ends (with whatever else ended meanwhile), never
more leased per endpoint than WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT (nor per network than
WEBHOOK_MAX_IN_FLIGHT_PER_NETWORK) across every sender, and turns shared out fairly between
networks (webhooks.claims). Woken by kicks (webhooks.dispatch) when
deliveries are written, by its own attempts ending (their slots free up), and every
WEBHOOK_SENDER_POLL_SECONDS for retries come due and deliveries whose kick was lost.

It runs as its own process (`manage.py send_webhooks`, docker-compose's `webhook-sender`), never
on the worker that delivers station commands; in the embedded setup on a thread of the server
(webhooks.embedded). Several may run: leases keep them off each other's deliveries.
"""

import asyncio
import logging

import httpx
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from webhooks.claims import deliveries_claim
from webhooks.models import WebhookDelivery
from webhooks.posting import PostResult, delivery_post, sender_client
from webhooks.sending import deliveries_record

logger = logging.getLogger(__name__)

_claim = database_sync_to_async(deliveries_claim, thread_sensitive=False)


def _record_and_claim(
    *, posted: list[tuple[WebhookDelivery, PostResult]], limit: int
) -> list[WebhookDelivery]:
    """Record attempts that ended, then take the next due deliveries for the room they
    freed: one hop to a thread instead of two (the slot is free only once recorded)."""
    deliveries_record(posted=posted, now=timezone.now())
    return deliveries_claim(delivery_ids=None, now=timezone.now(), limit=limit)


_record = database_sync_to_async(_record_and_claim, thread_sensitive=False)


class Sender:
    def __init__(self, *, max_in_flight: int) -> None:
        self.max_in_flight = max_in_flight
        self._posting: set[asyncio.Task[None]] = set()
        self._ended: list[tuple[WebhookDelivery, PostResult]] = []
        self._wake = asyncio.Event()
        self._attempt_ended = asyncio.Event()

    def wake(self) -> None:
        """Look for due deliveries now. Call it on the sender's loop."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; POSTs still in flight then are dropped (their leases
        run out and another sender tries them again)."""
        async with sender_client(self.max_in_flight) as client:
            recorder = asyncio.create_task(self._record_forever(client))
            stopping = asyncio.create_task(stop.wait())
            try:
                while not stop.is_set():
                    self._wake.clear()
                    await self._claim_and_post(client)
                    woken = asyncio.create_task(self._wake.wait())
                    await asyncio.wait(
                        [woken, stopping],
                        timeout=settings.WEBHOOK_SENDER_POLL_SECONDS,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    woken.cancel()
            finally:
                for task in [recorder, stopping, *self._posting]:
                    task.cancel()

    def _room(self) -> int:
        return self.max_in_flight - len(self._posting) - len(self._ended)

    async def _claim_and_post(self, client: httpx.AsyncClient) -> None:
        if self._room() <= 0:
            return
        now = timezone.now()
        self._start(
            client, await self._guarded(_claim(delivery_ids=None, now=now, limit=self._room()))
        )

    def _start(self, client: httpx.AsyncClient, claimed: list[WebhookDelivery] | None) -> None:
        for delivery in claimed or []:
            task = asyncio.create_task(self._post(client, delivery))
            self._posting.add(task)
            task.add_done_callback(self._posting.discard)

    async def _post(self, client: httpx.AsyncClient, delivery: WebhookDelivery) -> None:
        result = await delivery_post(client, delivery)
        self._ended.append((delivery, result))
        self._attempt_ended.set()

    async def _record_forever(self, client: httpx.AsyncClient) -> None:
        while True:
            await self._attempt_ended.wait()
            self._attempt_ended.clear()
            ended = self._ended[:]  # counted against the room until recorded
            room = self._room() + len(ended)
            claimed = await self._guarded(_record(posted=ended, limit=room))
            del self._ended[: len(ended)]
            self._start(client, claimed)

    async def _guarded(self, work):  # type: ignore[no-untyped-def]
        """A database hiccup costs a round, not the sender: what was leased is tried again
        when its lease runs out."""
        try:
            return await work
        except Exception:
            logger.exception("Webhook sender: a round failed")
            await asyncio.sleep(1)
            return None


KICK_CHANNEL = "csms:webhooks:kick"


async def kicks_listen(sender: Sender) -> None:
    """Wake the sender on every kick published in Redis (webhooks.dispatch); reconnects."""
    import redis.asyncio as aioredis

    while True:
        try:
            client = aioredis.from_url(settings.REDIS_URL, socket_timeout=None)
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(KICK_CHANNEL)
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        sender.wake()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("Webhook sender: kicks unreadable, polling meanwhile", exc_info=True)
            await asyncio.sleep(1)
