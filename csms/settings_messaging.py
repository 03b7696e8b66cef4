"""The channel layer and Celery (imported by csms/settings.py): `REDIS_URL` switches both to
Redis, so that separate daphne and worker processes cooperate; unset, the channel layer lives in
memory and Celery tasks run in process (the embedded default)."""

import os
from typing import Any

from csms.settings_env import env_bool

__all__ = [
    "CELERY_BEAT_SCHEDULE",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ACKS_LATE",
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_TASK_EAGER_PROPAGATES",
    "CELERY_TASK_IGNORE_RESULT",
    "CELERY_TASK_ROUTES",
    "CELERY_WORKER_PREFETCH_MULTIPLIER",
    "CHANNEL_LAYERS",
    "REDIS_URL",
    "SERVER_SWEEP_SECONDS",
]

REDIS_URL = os.environ.get("REDIS_URL", "")


def _redis_channel_layer() -> dict[str, Any]:
    return {
        # channels-redis's list-based layer, made to wait out a Redis restart instead of
        # dropping every station socket of the process (see csms/runtime/channel_layers.py).
        "BACKEND": "csms.runtime.channel_layers.OutageSurvivingRedisChannelLayer",
        "CONFIG": {
            # redis-py 8 with channels-redis 4.3 drops consumers idle for 5 s unless the
            # socket timeout is disabled: a station may be silent for a whole heartbeat.
            # redis-py 8's asyncio pool raises at 100 connections in use instead of waiting:
            # a connect or disconnect storm of stations needs more.
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": None,
                    # Find a pooled connection that a Redis restart broke before using it.
                    "health_check_interval": 5,
                    "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "2000")),
                }
            ],
            # Messages waiting for one daphne process (all its stations share one inbox): a
            # call to every station of a process at once must fit, 10,000 stations and their
            # UI pushes; a smaller cap failed calls with ChannelFull (docs/PERFORMANCE.md,
            # fix 29).
            "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "20000")),
            "expiry": 30,
        },
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": _redis_channel_layer()}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_IGNORE_RESULT = True
# How often Celery beat sweeps dead daphne processes; it beats at that pace itself.
SERVER_SWEEP_SECONDS = 30.0
CELERY_BEAT_SCHEDULE = {
    # Calls whose consumer died with its process never time out on their own.
    "sweep-overdue-calls": {"task": "ocpp_bridge.tasks.sweep_overdue_calls", "schedule": 10.0},
    # Also done by every live daphne process; beat covers the case of none being left.
    "sweep-dead-servers": {
        "task": "ocpp_bridge.tasks.sweep_dead_servers",
        "schedule": SERVER_SWEEP_SECONDS,
    },
    # Retries that came due, and deliveries whose sender died mid-POST.
    # Panels shared out again: cars drawing less (or again more) than their share.
    "rebalance-panels": {"task": "smart_charging.tasks.rebalance_all_panels", "schedule": 60.0},
    "webhook-deliveries-due": {"task": "webhooks.tasks.send_due_deliveries", "schedule": 30.0},
    "webhook-deliveries-prune": {"task": "webhooks.tasks.prune_deliveries", "schedule": 3600.0},
    # Sessions their station abandoned without a sign (SESSION_SILENCE_HOURS).
    "close-silent-sessions": {"task": "charging.tasks.close_silent_sessions", "schedule": 900.0},
}
# Webhook POSTs run on their own queue, so a slow receiver never holds up station calls
# (docker-compose runs a worker for each; one worker may also take both: -Q celery,webhooks).
CELERY_TASK_ROUTES = {"webhooks.tasks.*": {"queue": "webhooks"}}
