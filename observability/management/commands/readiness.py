"""`manage.py readiness`: /readyz's checks for processes that serve no HTTP (Celery workers
and beat run it as their docker-compose health check). Prints the verdicts as JSON; exits 1
when one failed."""

import asyncio
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from observability.readiness import readiness


class Command(BaseCommand):
    help = "Check PostgreSQL, Redis, the broker, the channel layer, migrations; 1 if not ready."

    def handle(self, *args: Any, **options: Any) -> None:
        verdicts = asyncio.run(readiness())
        self.stdout.write(json.dumps(verdicts))
        failed = [name for name, verdict in verdicts.items() if verdict != "ok"]
        if failed:
            raise CommandError(f"not ready: {', '.join(failed)}")
