"""The Celery app: the broker comes from settings (Redis in production, in-memory otherwise)."""

import os
from typing import Any

from celery import Celery, signals

from csms.runtime.gc_tuning import startup_objects_frozen
from observability.processes import process_serving

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csms.settings")

app = Celery("csms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_ready.connect
def _startup_objects_frozen(**kwargs: Any) -> None:
    # As daphne's (csms/asgi.py): what the worker's startup loaded stays out of the collector's
    # walks.
    startup_objects_frozen()
    process_serving("worker")


@signals.beat_init.connect
def _beat_serving(**kwargs: Any) -> None:
    process_serving("beat")
