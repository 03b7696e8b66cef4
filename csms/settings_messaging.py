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
    "EMBEDDED_BEAT",
    "REDIS_URL",
    "SERVER_SWEEP_SECONDS",
    "SMART_CHARGING_QUEUE",
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
# Where tasks run in process there is no beat: the daphne process runs the schedule below
# itself (csms.embedded_beat). Off only for test processes that must not run it.
EMBEDDED_BEAT = env_bool("EMBEDDED_BEAT", True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_TASK_IGNORE_RESULT = True
# Re-balances wait for stations' answers to lowered limits: on the call worker they held the
# threads that deliver those very calls (1,000 panels at once: calls waited 9.9 s p50 to be
# sent, docs/PERFORMANCE.md). They run on a worker of their own (docker-compose's
# load-manager).
SMART_CHARGING_QUEUE = "smart_charging"
CELERY_TASK_ROUTES = {"smart_charging.tasks.*": {"queue": SMART_CHARGING_QUEUE}}
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
    # Panels shared out again: cars drawing less (or again more) than their share.
    "rebalance-panels": {"task": "smart_charging.tasks.rebalance_all_panels", "schedule": 60.0},
    # Connector availability per day, once the day is over (assets.availability_days).
    "roll-up-availability": {"task": "assets.tasks.roll_up_availability", "schedule": 3600.0},
    # Sessions their station abandoned without a sign (SESSION_SILENCE_HOURS).
    "close-silent-sessions": {"task": "charging.tasks.close_silent_sessions", "schedule": 900.0},
    # Cards started in two places at once, past the start's check (charging.concurrent_use).
    "resolve-cards-charging-twice": {
        "task": "charging.tasks.resolve_cards_charging_twice",
        "schedule": 15.0,
    },
    # The frame log's partitions created ahead and expired ones dropped (PostgreSQL), then the
    # other kinds pruned in bounded batches (retention/, README "Retention").
    "retention": {"task": "retention.tasks.prune_expired_data", "schedule": 3600.0},
}
# Webhooks are not Celery's: their own process sends them (`manage.py send_webhooks`,
# webhooks/sender.py), so a receiver never holds up the delivery of station commands.
