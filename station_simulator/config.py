"""Configuration and per-run report of one simulated charging station."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from urllib.parse import quote

from .answers import PROTOCOLS
from .ledger import TransactionRecord
from .quirks import parse_quirks

# "ocpp2.0.1" -> "201": used in generated identities such as SIM-201-0001.
PROTOCOL_DIGITS: dict[str, str] = {"ocpp1.6": "16", "ocpp2.0.1": "201", "ocpp2.1": "21"}


@dataclass
class StationConfig:
    """Everything a simulated station needs to know before it connects."""

    identity: str
    password: str | None = None
    protocol: str = "ocpp1.6"
    url: str = "ws://127.0.0.1:8000/ocpp"
    connectors: int = 2
    # None: use the interval the CSMS answered in BootNotification.
    heartbeat_interval: float | None = None
    # None: wait the interval the CSMS answered before retrying a Pending/Rejected boot.
    boot_retry_interval: float | None = None
    vendor: str = "SimVendor"
    model: str = "SimCharger-22"
    serial_number: str = ""
    firmware_version: str = "1.0.0-sim"
    meter_value_interval: float = 5.0
    # Simulated seconds of charging per real second (speeds up energy for short tests).
    time_acceleration: float = 1.0
    # The phases the station draws from and their voltage (limits in W become A with them).
    phases: int = 3
    voltage: float = 230.0
    # What the car wants (A per phase); None: a typical AC power picked at random.
    car_max_amps: float | None = None
    transactions: int = 0
    transaction_duration: float = 20.0
    # Pause between the end of one scenario transaction and the start of the next.
    transaction_pause: float = 1.0
    id_token: str = "SIMTOKEN1"
    # 2.0.1/2.1 only: the IdToken type sent with id_token.
    id_token_type: str = "ISO14443"
    response_timeout: float = 30.0
    open_timeout: float = 10.0
    # Extra seconds stop() grants ongoing transactions to send their final messages.
    stop_grace: float = 5.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    # The most periods it takes in a charging schedule (1.6 ChargingScheduleMaxPeriods, 2.x
    # SmartChargingCtrlr.PeriodsPerSchedule); a profile with more is Rejected. 24: an hour
    # each over a day, what common stations take.
    max_schedule_periods: int = 24
    # Quirks of real stations to play (station_simulator.quirks); those of other versions are
    # ignored.
    quirks: frozenset[str] = frozenset()
    # The timestamp a station with the stuck-clock quirk puts on everything (default: the time
    # the station was created).
    stuck_clock_at: str | None = None

    def __post_init__(self) -> None:
        self.quirks = parse_quirks(self.quirks)
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {self.protocol!r}, expected one of {PROTOCOLS}")
        if self.connectors < 1:
            raise ValueError("a station needs at least one connector")
        if not self.serial_number:
            self.serial_number = f"SN-{self.identity}"

    @property
    def endpoint(self) -> str:
        """The full WebSocket URL: ``<url>/<identity>``."""
        return f"{self.url.rstrip('/')}/{quote(self.identity, safe='')}"

    def handshake_headers(self) -> dict[str, str]:
        """HTTP headers for the opening handshake (Basic auth when a password is set)."""
        headers = dict(self.extra_headers)
        if self.password is not None:
            token = base64.b64encode(f"{self.identity}:{self.password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers


def station_identity(prefix: str, protocol: str, number: int) -> str:
    """The conventional simulator identity, e.g. ``SIM-201-0001``."""
    return f"{prefix}-{PROTOCOL_DIGITS[protocol]}-{number:04d}"


@dataclass
class StationReport:
    """What happened to one station during a run."""

    identity: str
    protocol: str
    connected: bool = False
    boot_status: str | None = None
    messages_sent: int = 0
    messages_answered: int = 0
    messages_received: int = 0
    transactions_started: int = 0
    transactions_completed: int = 0
    errors: list[str] = field(default_factory=list)
    # Every transaction the station ran (its truth), in the order they started.
    ledger: list[TransactionRecord] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the station connected and was not refused at boot."""
        return self.connected and self.boot_status != "Rejected"
