"""The re-balance lease: one run per panel tree at a time, no request left behind, and no
save of a panel by an operator that brings a released lease back."""

from typing import Any

import pytest

from assets.models import AssetGroup
from networks.services import network_get_or_create
from smart_charging.models import Panel
from smart_charging.rebalance_lease import with_panel_lease
from smart_charging.services import panel_create, panel_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel() -> Panel:
    site = AssetGroup.objects.create(name="Depot", network=network_get_or_create(name="n"))
    return panel_create(asset_group=site, name="Main", capacity=40)


def test_a_panel_read_during_a_run_and_saved_after_it_leaves_the_lease_free(
    panel: Panel,
) -> None:
    seen_by_operator: list[Panel] = []

    def run(panel_id: Any) -> None:  # the operator's form is loaded while the run holds it
        seen_by_operator.append(Panel.objects.get(pk=panel_id))

    assert with_panel_lease(panel.pk, run) is True
    stale = seen_by_operator[0]
    assert stale.rebalance_lease_until is not None
    panel_update(panel=stale, capacity=34)

    stored = Panel.objects.get(pk=panel.pk)
    assert (stored.capacity, stored.rebalance_lease_until) == (34, None)
    ran: list[Any] = []
    assert with_panel_lease(panel.pk, ran.append) is True, "the released lease came back"
    assert ran == [panel.pk]


def test_a_request_during_a_run_makes_the_holder_run_again(panel: Panel) -> None:
    runs: list[Any] = []

    def run(panel_id: Any) -> None:
        runs.append(panel_id)
        if len(runs) == 1:  # another process asks meanwhile: it finds the lease taken
            assert with_panel_lease(panel_id, runs.append) is False

    assert with_panel_lease(panel.pk, run) is True
    assert runs == [panel.pk, panel.pk]
    assert Panel.objects.get(pk=panel.pk).rebalance_lease_until is None


def test_a_failed_run_releases_the_lease(panel: Panel) -> None:
    def run(panel_id: Any) -> None:
        raise RuntimeError("station gone")

    with pytest.raises(RuntimeError):
        with_panel_lease(panel.pk, run)
    assert Panel.objects.get(pk=panel.pk).rebalance_lease_until is None


def test_a_rebalance_asked_for_a_panel_deleted_since_does_nothing(panel: Panel) -> None:
    from smart_charging.services import panel_rebalance

    panel_id = panel.pk
    panel.delete()
    assert panel_rebalance(panel_id=panel_id) is False
