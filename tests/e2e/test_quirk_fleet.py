"""A mixed fleet of 1.6, 2.0.1 and 2.1 stations with every quirk of real stations on, against
real daphne and Celery processes on PostgreSQL + Redis, reconciled with the simulator's ledger:
each transaction it ran is exactly one session with exactly its energy and token, refused ones
are stored refused, nothing is left active, no card is left locked."""

import asyncio

import pytest

from station_simulator import fleet_ledger
from tests.api_clients import api_for
from tests.conftest import STATION_PASSWORD
from tests.e2e.conftest import Cluster
from tests.e2e.reconciliation import (
    fleet_register,
    fleet_run,
    fleet_settled,
    locked_cards,
    quirk_fleet,
    reconcile,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Two transactions per station of 3 s each (meter values every 0.5 s, the meter reset half way),
# plus a remote start on the "own" stations: done well within the run, nothing cut short.
TUNING = {
    "transactions": 2,
    "transaction_duration": 3.0,
    "transaction_pause": 0.5,
    "meter_value_interval": 0.5,
    "heartbeat_interval": 30.0,
    "time_acceleration": 60.0,
}
RUN_SECONDS = 14.0


def test_a_quirk_fleet_reconciles_with_the_ledger(cluster: Cluster, make_station) -> None:
    fleet = quirk_fleet(9, f"ws://{cluster.daphne_a}/ocpp", STATION_PASSWORD, **TUNING)
    fleet_register(fleet)
    make_station("QF-FRESH", protocol="ocpp1.6")
    api = api_for(cluster.daphne_b, "write:ocpp")

    reports, remote_problems = asyncio.run(fleet_run(fleet, api, RUN_SECONDS))
    fleet_settled(fleet)
    ledger = fleet_ledger(reports)
    result = reconcile(ledger, [c.identity for c in fleet.configs])
    locked = asyncio.run(locked_cards(cluster.daphne_b, fleet.usable_cards, "QF-FRESH"))

    # The fleet did what it is for: every station ran, refused cards were met, remote starts
    # went out and the quirks were played.
    assert all(r.connected and r.boot_status == "Accepted" for r in reports), reports
    assert remote_problems == []
    assert result.refused > 0 and result.simulated - result.refused >= len(fleet.configs)
    assert any(r.remote_start_id is not None for r in ledger)
    assert any(r.meter_reset for r in ledger)
    problems = {kind: items for kind, items in result.mismatches.items() if items}
    if locked:
        problems["locked"] = locked
    summary = "\n".join(f"{kind} ({len(v)}):\n  " + "\n  ".join(v) for kind, v in problems.items())
    assert not problems, f"{result.matched}/{result.simulated} matched\n{summary}"
