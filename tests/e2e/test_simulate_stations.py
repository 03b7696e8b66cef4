"""`manage.py simulate_stations` against a real daphne process, for each OCPP version."""

import subprocess
import sys

import pytest

from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from tests.servers import ROOT, child_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1", "ocpp2.1"])
def test_simulated_stations_boot_report_and_charge(daphne_server: str, protocol: str) -> None:
    command = [
        sys.executable, "manage.py", "simulate_stations", "--create",
        "--count", "2", "--protocol", protocol, "--duration", "6",
        "--url", f"ws://{daphne_server}/ocpp", "--heartbeat-interval", "1",
        "--transactions", "1", "--transaction-duration", "2", "--meter-interval", "0.5",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2/2 station(s) connected" in result.stdout

    assets = list(Asset.objects.filter(protocol=protocol))
    assert len(assets) == 2
    for asset in assets:
        assert asset.vendor and asset.model and asset.last_boot_at is not None
        assert asset.connectors.count() >= 1
        session = ChargingSession.objects.get(asset=asset)
        assert session.status == SessionStatus.COMPLETED
        assert session.energy_wh is not None and session.energy_wh > 0
        assert session.id_token == asset.identity
        assert not asset.is_online  # the command ended: every station disconnected
