"""The models that take their `created_at` / `updated_at` from the abstract base
(csms/models.py) keep the columns their migrations made, and the stamps move as before."""

from io import StringIO

import pytest
from django.core.management import call_command

from networks.models import Network

pytestmark = pytest.mark.django_db


def test_no_model_change_waits_for_a_migration() -> None:
    # --check exits (SystemExit) when the models and the migrations disagree on a column.
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_a_save_moves_updated_at_and_keeps_created_at() -> None:
    network = Network.objects.create(name="North")
    created_at, updated_at = network.created_at, network.updated_at

    network.description = "Stations north of the river"
    network.save()
    network.refresh_from_db()

    assert network.created_at == created_at
    assert network.updated_at > updated_at
