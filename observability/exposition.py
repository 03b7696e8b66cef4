"""The scrape: every process's metrics summed (the shared directory) or this process's
(embedded), then the ones read now (observability/collectors.py); and who may scrape."""

import hmac
import ipaddress

from django.conf import settings
from django.db import close_old_connections
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from observability import metrics  # noqa: F401  (the metrics exist before the first scrape)
from observability.collectors import ScrapeTimeCollector
from observability.processes import shared_directory

CONTENT_TYPE = CONTENT_TYPE_LATEST

_scrape_time = CollectorRegistry(auto_describe=False)
_scrape_time.register(ScrapeTimeCollector())


def metrics_text() -> bytes:
    """The exposition text. Reads the database: run it in a thread of its own."""
    try:
        return _updated_metrics() + generate_latest(_scrape_time)
    finally:
        close_old_connections()  # the pooled connection goes back


def _updated_metrics() -> bytes:
    directory = shared_directory()
    if directory is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def scrape_allowed(*, authorization: str, client_address: str) -> bool:
    """A scraper bearing METRICS_TOKEN, or one from METRICS_ALLOWED_NETWORKS. With neither
    set, only in debug mode: production refuses everyone until one is chosen."""
    token: str = settings.METRICS_TOKEN
    networks: list[str] = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return bool(settings.DEBUG)
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    return _address_in(client_address, networks)


def _address_in(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in networks)
