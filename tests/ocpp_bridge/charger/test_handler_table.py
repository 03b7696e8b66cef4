"""Every charger-initiated action of every version has a handler in the table."""

import pytest

from ocpp_bridge.charger.handlers import HANDLERS, handler_for
from ocpp_bridge.protocol.versions import CHARGER_INITIATED, OcppVersion


@pytest.mark.parametrize("version", list(OcppVersion))
def test_every_charger_initiated_action_is_handled(version: OcppVersion) -> None:
    missing = sorted(a for a in CHARGER_INITIATED[version] if handler_for(version, a) is None)
    assert missing == []


def test_no_handler_is_registered_for_a_csms_initiated_action() -> None:
    stray = sorted(f"{v.value}:{a}" for v, a in HANDLERS if a not in CHARGER_INITIATED[v])
    assert stray == []
