"""Who may scrape /metrics: a bearer of METRICS_TOKEN or an address of
METRICS_ALLOWED_NETWORKS; with neither set, debug mode only."""

import pytest
from django.test import override_settings

from observability.exposition import scrape_allowed

TOKEN = "t" * 32


@pytest.mark.parametrize("debug", [True, False])
def test_with_neither_set_production_refuses_and_debug_mode_serves(debug: bool) -> None:
    with override_settings(DEBUG=debug, METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=[]):
        assert scrape_allowed(authorization="", client_address="10.0.0.5") is debug


@override_settings(DEBUG=True, METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=[])
def test_a_token_once_set_is_required_even_in_debug_mode() -> None:
    assert scrape_allowed(authorization=f"Bearer {TOKEN}", client_address="10.0.0.5")
    assert not scrape_allowed(authorization="Bearer wrong", client_address="10.0.0.5")
    assert not scrape_allowed(authorization="", client_address="10.0.0.5")


@override_settings(DEBUG=False, METRICS_TOKEN=TOKEN, METRICS_ALLOWED_NETWORKS=["10.1.0.0/16"])
def test_an_allowed_network_needs_no_token() -> None:
    assert scrape_allowed(authorization="", client_address="10.1.2.3")
    assert not scrape_allowed(authorization="", client_address="10.2.0.1")
    assert not scrape_allowed(authorization="", client_address="not-an-address")
    assert scrape_allowed(authorization=f"Bearer {TOKEN}", client_address="10.2.0.1")
