"""Health, metrics and logs (imported by csms/settings.py); observability/ serves them."""

import ipaddress
import os

from csms.settings_env import env_list
from observability.logs import logging_config

__all__ = [
    "CELERY_WORKER_HIJACK_ROOT_LOGGER",
    "LOGGING",
    "LOG_FORMAT",
    "METRICS_ALLOWED_NETWORKS",
    "METRICS_TOKEN",
    "READINESS_TIMEOUT_SECONDS",
]

# GET /metrics answers a scraper bearing this token (Authorization: Bearer ...) or one from
# these networks (CIDRs; a bad one stops the start). Neither set: open in debug mode, refused
# in production. The shared directory of every process's metrics is PROMETHEUS_MULTIPROC_DIR
# (prometheus-client's variable); unset, /metrics shows the scraped process's own.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = [
    str(ipaddress.ip_network(cidr, strict=False))
    for cidr in env_list("METRICS_ALLOWED_NETWORKS", "")
]
# Each check of GET /readyz gives up after this long (they run at once).
READINESS_TIMEOUT_SECONDS = float(os.environ.get("READINESS_TIMEOUT_SECONDS", "3"))

# "plain" (human-readable, the default) or "json" (one JSON object a line).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))
# Celery replaces the root logger's handlers with its own format unless told not to: JSON
# lines must stay JSON in workers and beat too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
