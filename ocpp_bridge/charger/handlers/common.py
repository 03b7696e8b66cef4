"""Handlers whose logic is the same in every version."""

import json
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from assets.models import Asset, RegistrationStatus
from assets.station_reports import asset_record_boot, station_event_record
from charging.meter_values import parse_meter_values
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.charger.handlers import V2, Payload, StationContext, handles
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.car_draw import POWER
from smart_charging.selectors import station_on_panel
from smart_charging.triggers import session_power_read, station_booted

ALL = (OcppVersion.V16, *V2)
PENDING_RETRY_INTERVAL = 60


def ocpp_now() -> str:
    """Current UTC time in the form stations parse most reliably: `2023-06-07T17:32:28Z`."""
    return iso(timezone.now())


def parse_time(raw: str | None) -> datetime:
    """A station's timestamp, or now when it sent none or an unreadable one."""
    parsed = parse_datetime(raw) if raw else None
    return parsed if parsed is not None else timezone.now()


def boot_answer(station: StationContext, asset: Asset) -> Payload:
    """The BootNotification status and interval from the asset's registration state."""
    station.registration_status = asset.registration_status
    accepted = asset.registration_status == RegistrationStatus.ACCEPTED
    interval = asset.heartbeat_interval or settings.OCPP_HEARTBEAT_INTERVAL
    return {
        "status": asset.registration_status,
        "currentTime": ocpp_now(),
        "interval": interval if accepted else PENDING_RETRY_INTERVAL,
    }


def pending_may_send(station: StationContext, action: str) -> bool:
    """What a Pending station may send: BootNotification, and what the CSMS asked for with
    TriggerMessage (2.0.1 B02.FR.02 / B02.FR.09, 1.6 §4.2); anything else is answered with
    SecurityError."""
    return action == "BootNotification" or action in station.triggered


def trigger_note(station: StationContext, frame: str) -> None:
    """Remember the message a TriggerMessage going out in `frame` asks the station for."""
    if '"TriggerMessage"' not in frame:
        return
    message = json.loads(frame)
    requested = message[3].get("requestedMessage") if message[2] == "TriggerMessage" else None
    if isinstance(requested, str):
        # 2.x asks for certificates by kind (SignChargingStationCertificate, ...); the station
        # answers each with SignCertificate.
        signs = requested.startswith("Sign") and requested.endswith("Certificate")
        station.triggered.add("SignCertificate" if signs else requested)


def boot_record(station: StationContext, info: dict[str, str | None], reason: str) -> Payload:
    present = {name: value for name, value in info.items() if value is not None}
    asset = asset_record_boot(asset_id=station.asset_id, info=present, reason=reason)
    # Its charging limits go again; whether it is on a panel comes with it.
    station.on_panel = station_booted(asset_id=station.asset_id)
    return boot_answer(station, asset)


# Transactions whose last judging a connection remembers (a station has a few EVSEs; the ones
# of ended transactions are dropped with the rest when it is exceeded).
DRAW_JUDGED_KEPT = 32


def power_reading_stored(
    station: StationContext, *, transaction_id: str | None, meter_values: list[Any], v16: bool
) -> None:
    """A transaction's meter values were stored: if they hold a power reading, let the load
    manager judge the car's draw (smart_charging.triggers.session_power_read), which asks for
    a re-balance when the car draws well under its limit or wants more again.

    Cheap on the charger path: a station on no panel costs one query per connection (or none:
    its boot answers it), then an attribute test; one on a panel costs one query per
    transaction at most once per settle (the readings before a settle tell nothing new)."""
    if not transaction_id:
        return
    if station.on_panel is None:
        station.on_panel = station_on_panel(asset_id=station.asset_id)
    if not station.on_panel or not _has_power(meter_values):
        return
    now = time.monotonic()
    judged = station.draw_judged_at
    if now - judged.get(transaction_id, -float("inf")) < settings.SMART_CHARGING_SETTLE_SECONDS:
        return
    if len(judged) >= DRAW_JUDGED_KEPT:
        judged.clear()
    judged[transaction_id] = now
    session_power_read(
        asset_id=station.asset_id,
        transaction_id=transaction_id,
        samples=parse_meter_values(meter_values, v16=v16),
    )


def _has_power(meter_values: list[Any]) -> bool:
    return any(
        sampled.get("measurand") == POWER
        for meter_value in meter_values
        for sampled in meter_value.get("sampledValue", [])
    )


@handles("Heartbeat", *ALL)
def heartbeat(station: StationContext, payload: Payload) -> Payload:
    return {"currentTime": ocpp_now()}


@handles("DataTransfer", *ALL)
def data_transfer(station: StationContext, payload: Payload) -> Payload:
    # No vendor extensions are installed; the frame log keeps the data for operators.
    return {"status": "UnknownVendorId"}


@handles("SecurityEventNotification", *ALL)
def security_event_notification(station: StationContext, payload: Payload) -> Payload:
    station_event_record(
        asset_id=station.asset_id,
        kind="security",
        event_type=payload["type"],
        occurred_at=parse_time(payload.get("timestamp")),
        tech_info=payload.get("techInfo", ""),
    )
    return {}


@handles("SignCertificate", *ALL)
def sign_certificate(station: StationContext, payload: Payload) -> Payload:
    # No certificate authority is configured: say so instead of promising a CertificateSigned.
    return {"status": "Rejected"}
