"""In CI the suite must run on the real services, never fall back to the embedded default."""

import os

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="embedded default outside CI")
@pytest.mark.django_db
def test_ci_runs_on_postgresql_and_redis() -> None:
    assert connection.vendor == "postgresql"
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == (
        "csms.runtime.channel_layers.OutageSurvivingRedisChannelLayer"
    )
    assert settings.CELERY_BROKER_URL.startswith("redis://")
