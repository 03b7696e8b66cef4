"""The provisioned Grafana dashboard plots only metrics that /metrics serves."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from observability.exposition import metrics_text

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy/grafana/dashboards/csms.json"
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


@pytest.mark.django_db
def test_every_metric_of_the_dashboard_is_served() -> None:
    served = {
        family.name + suffix
        for family in text_string_to_metric_families(metrics_text().decode())
        for suffix in SUFFIXES.get(family.type, [""])
    }
    panels = json.loads(DASHBOARD.read_text())["panels"]
    plotted = {
        name
        for panel in panels
        for target in panel["targets"]
        for name in re.findall(r"\bcsms_[a-z_]+", target["expr"])
    }
    assert len(panels) >= 12 and plotted
    assert plotted - _production_only() <= served, plotted - served


def _production_only() -> set[str]:
    """What the embedded setup has nothing to read from: no broker queues, no PostgreSQL."""
    absent = set()
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        absent.add("csms_celery_queue_length")
    if connection.vendor != "postgresql":
        absent.add("csms_database_connections")
    return absent
