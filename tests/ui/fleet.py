"""A small fleet for the fleet pages' tests: a network with two sites (with coordinates),
stations, sessions with energy and meter samples, and a known status history."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from assets.availability_days import day_period
from assets.models import Asset, AssetGroup
from assets.services import station_upsert
from assets.station_reports import connector_record_status
from charging.models import ChargingSession, MeterSample, SessionStatus
from networks.services import network_get_or_create

POWER = "Power.Active.Import"


@dataclass
class Fleet:
    north: Any
    harbour: AssetGroup
    market: AssetGroup
    stations: dict[str, Asset]
    sessions: list[ChargingSession]


def site(network: Any, name: str, latitude: str, longitude: str) -> AssetGroup:
    return AssetGroup.objects.create(
        network=network, name=name, latitude=Decimal(latitude), longitude=Decimal(longitude)
    )


def station(identity: str, group: AssetGroup, *, online: bool) -> Asset:
    asset, _ = station_upsert(identity=identity, password="pw", network_name=group.network.name)
    Asset.objects.filter(pk=asset.pk).update(
        asset_group=group,
        is_online=online,
        protocol="ocpp1.6",
        disconnected_at=None if online else timezone.now() - timedelta(hours=5),
    )
    asset.refresh_from_db()
    return asset


def status(asset: Asset, evse: int, value: str, at: datetime, error_code: str = "") -> None:
    connector_record_status(
        asset_id=asset.pk, evse_id=evse, connector_id=1, status=value, at=at, error_code=error_code
    )


def session(
    asset: Asset,
    *,
    started: datetime,
    minutes: int,
    energy_wh: int,
    token: str = "TAG-1",
    cost: str | None = None,
    samples: int = 0,
) -> ChargingSession:
    stopped = started + timedelta(minutes=minutes)
    made = ChargingSession.objects.create(
        asset=asset,
        transaction_id=str(ChargingSession.objects.count() + 1000),
        evse_id=1,
        connector_id=1,
        id_token=token,
        status=SessionStatus.COMPLETED,
        started_at=started,
        stopped_at=stopped,
        meter_start_wh=Decimal(0),
        meter_stop_wh=Decimal(energy_wh),
        energy_wh=Decimal(energy_wh),
        currency="EUR" if cost else "",
        price_per_kwh=Decimal("0.40") if cost else None,
        cost_amount=Decimal(cost) if cost else None,
    )
    for index in range(samples):
        at = started + timedelta(minutes=minutes * index / max(samples - 1, 1))
        energy = Decimal(energy_wh) * index / max(samples - 1, 1)
        common = {"asset": asset, "session": made, "evse_id": 1, "sampled_at": at}
        MeterSample.objects.create(**common, value=energy, unit="Wh")
        MeterSample.objects.create(**common, measurand=POWER, value=Decimal(7400), unit="W")
    return made


def make_fleet(now: datetime | None = None) -> Fleet:
    """Three stations at two sites; today's and earlier sessions; one faulted connector."""
    now = now or timezone.now()
    north = network_get_or_create(name="north")
    harbour = site(north, "Harbour", "48.856600", "2.352200")
    market = site(north, "Market", "48.870000", "2.330000")
    stations = {
        "H-1": station("H-1", harbour, online=True),
        "H-2": station("H-2", harbour, online=True),
        "M-1": station("M-1", market, online=False),
    }
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    status(stations["H-1"], 1, "Available", now - timedelta(days=40))
    status(stations["H-1"], 1, "Charging", now - timedelta(minutes=30))
    status(stations["H-2"], 1, "Available", now - timedelta(days=40))
    status(stations["H-2"], 1, "Faulted", now - timedelta(days=3), error_code="GroundFailure")
    status(stations["M-1"], 1, "Available", now - timedelta(days=40))
    sessions = [
        session(stations["H-1"], started=day_start + timedelta(minutes=1), minutes=40,
                energy_wh=12_500, token="TAG-ANNA", cost="5.00", samples=5),
        session(stations["H-1"], started=day_start - timedelta(days=2), minutes=60,
                energy_wh=20_000, token="TAG-BEN", cost="8.00"),
        session(stations["M-1"], started=day_start - timedelta(days=9), minutes=30,
                energy_wh=7_000, token="TAG-ANNA"),
    ]  # fmt: skip
    return Fleet(north, harbour, market, stations, sessions)


def harbour_availability() -> float:
    """The Harbour's availability on the dashboard from make_fleet's known history: H-1 up all
    the period (today and the 29 days before it), H-2 faulted for the last 3 days of it."""
    first_midnight = day_period(timezone.localdate() - timedelta(days=29))[0]
    days = (timezone.now() - first_midnight).total_seconds() / 86400
    return (2 * days - 3) / (2 * days)
