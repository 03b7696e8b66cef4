"""A charging-station simulator speaking OCPP-J 1.6, 2.0.1 and 2.1 over real WebSockets.

Deliberately free of Django: it only needs asyncio, ``ocpp`` and ``websockets``, so it can
load-test any CSMS and be used from plain pytest.
"""

from .answers import (
    BIDIRECTIONAL_ACTIONS,
    CHARGER_INITIATED_ACTIONS,
    PROTOCOLS,
    build_minimal_response,
    csms_actions,
    minimal_response,
)
from .config import PROTOCOL_DIGITS, StationConfig, StationReport, station_identity
from .ledger import TransactionRecord, forward_energy
from .quirks import QUIRKS, parse_quirks
from .runner import RunProgress, create_station, fleet_ledger, run_stations
from .station import SimulatedStation, StationError
from .v2 import Station21, Station201
from .v16 import Station16

__all__ = [
    "BIDIRECTIONAL_ACTIONS",
    "CHARGER_INITIATED_ACTIONS",
    "PROTOCOLS",
    "PROTOCOL_DIGITS",
    "QUIRKS",
    "RunProgress",
    "SimulatedStation",
    "Station16",
    "Station21",
    "Station201",
    "StationConfig",
    "StationError",
    "StationReport",
    "TransactionRecord",
    "build_minimal_response",
    "create_station",
    "csms_actions",
    "fleet_ledger",
    "forward_energy",
    "minimal_response",
    "parse_quirks",
    "run_stations",
    "station_identity",
]
