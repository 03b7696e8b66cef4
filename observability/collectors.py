"""Metrics read when scraped, from where their truth lives: stations online and webhook
deliveries waiting (PostgreSQL rows), each panel's capacity and what its last re-balance gave
(its latest snapshot), Celery queue lengths (the broker's Redis lists), connections to the
database (pg_stat_activity, every process's pool at once). No process
keeps them, so none is lost with a process; each scrape costs a few small queries.

Runs in a pool thread of the scraped process, on a pooled database connection given back
after (observability/exposition.py).
"""

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ocpp_bridge.protocol.versions import OcppVersion

logger = logging.getLogger(__name__)

# The call worker's and the load manager's (webhooks have their own sender processes).
CELERY_QUEUES = ("celery", settings.SMART_CHARGING_QUEUE)


class ScrapeTimeCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for read in (
            _stations_connected,
            _webhook_deliveries_waiting,
            _panels,
            _celery_queues,
            _database,
        ):
            try:
                yield from read()
            except Exception:  # one source down must not cost the scrape the others
                logger.warning("Could not read %s for the metrics", read.__name__, exc_info=True)


def _stations_connected() -> Iterator[GaugeMetricFamily]:
    from assets.models import Asset

    family = GaugeMetricFamily(
        "csms_stations_connected",
        "Stations with a live connection, by protocol.",
        labels=["protocol"],
    )
    online = Asset.objects.filter(is_online=True).values("protocol").annotate(n=Count("pk"))
    counts = dict.fromkeys((version.value for version in OcppVersion), 0)  # 0, not absent
    counts.update((row["protocol"] or "", row["n"]) for row in online.order_by())
    for protocol, count in counts.items():
        family.add_metric([protocol], count)
    yield family


def _webhook_deliveries_waiting() -> Iterator[GaugeMetricFamily]:
    from webhooks.models import DeliveryState, WebhookDelivery

    family = GaugeMetricFamily(
        "csms_webhook_deliveries_pending",
        "Webhook deliveries waiting for an attempt: due now, or scheduled for a retry.",
        labels=["when"],
    )
    counts = WebhookDelivery.objects.filter(state=DeliveryState.PENDING).aggregate(
        due=Count(
            "pk", filter=Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
        ),
        total=Count("pk"),
    )
    family.add_metric(["due"], counts["due"])
    family.add_metric(["retry"], counts["total"] - counts["due"])
    yield family


def _panels() -> Iterator[GaugeMetricFamily]:
    """Each panel's capacity, and the amperes per phase and sessions its last re-balance gave
    (on its busiest phase: what the panel page charts). One query, on the snapshots' index."""
    from django.db.models import OuterRef, Subquery

    from smart_charging.models import Panel, PanelSnapshot

    latest = PanelSnapshot.objects.filter(panel=OuterRef("pk")).order_by("-taken_at")[:1]
    panels = Panel.objects.annotate(
        allocated=Subquery(latest.values("allocated_amps")),
        sessions=Subquery(latest.values("sessions")),
    ).order_by("pk")
    labels = ["panel", "name"]
    capacity = GaugeMetricFamily(
        "csms_panel_capacity_amps", "A panel's capacity, A per phase.", labels=labels
    )
    allocated = GaugeMetricFamily(
        "csms_panel_allocated_amps",
        "What a panel's last re-balance gave its sessions, A per phase on its busiest phase "
        "(what offline stations and idle EVSEs may draw included).",
        labels=labels,
    )
    sessions = GaugeMetricFamily(
        "csms_panel_sessions", "Sessions sharing a panel at its last re-balance.", labels=labels
    )
    for panel in panels:
        names = [str(panel.pk), panel.name]
        capacity.add_metric(names, panel.amps_per_phase)
        if panel.allocated is not None:
            allocated.add_metric(names, panel.allocated)
            sessions.add_metric(names, panel.sessions)
    yield from (capacity, allocated, sessions)


def _celery_queues() -> Iterator[GaugeMetricFamily]:
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return  # in process (embedded): no queue to measure
    import redis

    family = GaugeMetricFamily(
        "csms_celery_queue_length", "Tasks waiting in each Celery queue.", labels=["queue"]
    )
    client: Any = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
    try:
        for queue in CELERY_QUEUES:
            family.add_metric([queue], client.llen(queue))
    finally:
        client.close()
    yield family


def _database() -> Iterator[GaugeMetricFamily]:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return
    family = GaugeMetricFamily(
        "csms_database_connections",
        "Connections to the CSMS database, by state (active: in use; idle: pooled), all "
        "processes together.",
        labels=["state"],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend' "
            "GROUP BY 1 ORDER BY 1"
        )
        for state, count in cursor.fetchall():
            family.add_metric([state], count)
    yield family
