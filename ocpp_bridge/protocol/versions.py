"""The OCPP versions we speak, their WebSocket subprotocols, and which actions go which way."""

from enum import StrEnum
from functools import cache
from pathlib import Path

import ocpp


class OcppVersion(StrEnum):
    """An OCPP-J version, valued by its WebSocket subprotocol name."""

    V16 = "ocpp1.6"
    V201 = "ocpp2.0.1"
    V21 = "ocpp2.1"

    @property
    def schema_dir(self) -> Path:
        folder = {"ocpp1.6": "v16", "ocpp2.0.1": "v201", "ocpp2.1": "v21"}[self.value]
        return Path(ocpp.__file__).parent / folder / "schemas"

    def schema_path(self, action: str, *, response: bool = False) -> Path:
        """The official JSON schema of the action's request (or response)."""
        suffix = "Response" if response else ("" if self.is_v16 else "Request")
        path = self.schema_dir / f"{action}{suffix}.json"
        if not response and not path.exists():
            # 2.1's SEND-only NotifyPeriodicEventStream has no "Request" suffix, and no
            # response at all: its request schema must never stand in for one.
            path = self.schema_dir / f"{action}.json"
        return path

    @property
    def is_v16(self) -> bool:
        return self is OcppVersion.V16


SUPPORTED_SUBPROTOCOLS: tuple[str, ...] = tuple(v.value for v in OcppVersion)

_CHARGER_16 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DataTransfer",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "MeterValues",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
        # The 1.6 security extension.
        "LogStatusNotification",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
    }
)
_CHARGER_201 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "DataTransfer",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)
_CHARGER_21 = _CHARGER_201 | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPeriodicEventStream",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}

CHARGER_INITIATED: dict[OcppVersion, frozenset[str]] = {
    OcppVersion.V16: _CHARGER_16,
    OcppVersion.V201: _CHARGER_201,
    OcppVersion.V21: frozenset(_CHARGER_21),
}

# Actions that either side may start.
BIDIRECTIONAL = frozenset({"DataTransfer"})


@cache
def all_actions(version: OcppVersion) -> frozenset[str]:
    """Every action the version defines, read from the official schema file names."""
    names = set()
    for path in version.schema_dir.glob("*.json"):
        stem = path.stem
        if stem.endswith("Response"):
            continue
        names.add(stem.removesuffix("Request"))
    return frozenset(names)


@cache
def csms_initiated(version: OcppVersion) -> frozenset[str]:
    """The actions the CSMS may send to a station of this version."""
    return (all_actions(version) - CHARGER_INITIATED[version]) | BIDIRECTIONAL


def negotiate_subprotocol(offered: list[str], preferred: str | None) -> OcppVersion | None:
    """Pick the version for a handshake: the station's registered protocol when it offers it,
    otherwise the first supported one in the station's order of preference."""
    supported = [OcppVersion(p) for p in offered if p in SUPPORTED_SUBPROTOCOLS]
    if not supported:
        return None
    if preferred and preferred in offered:
        return OcppVersion(preferred)
    return supported[0]
