"""`manage.py send_webhooks`: the webhook sender process (docker-compose's `webhook-sender`;
run as many as you like). Stops on SIGTERM / SIGINT."""

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from observability.processes import process_serving
from webhooks.sender import Sender, kicks_listen


class Command(BaseCommand):
    help = "Send webhook deliveries: many POSTs in flight on one asyncio loop."

    def handle(self, *args: Any, **options: Any) -> None:
        process_serving("webhook-sender")  # its metrics join the other processes'
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        sender = Sender(max_in_flight=settings.WEBHOOK_SENDER_MAX_IN_FLIGHT)
        listener = asyncio.create_task(kicks_listen(sender)) if settings.REDIS_URL else None
        self.stdout.write("webhook sender ready", ending="\n")
        self.stdout.flush()
        try:
            await sender.run(stop)
        finally:
            if listener is not None:
                listener.cancel()
