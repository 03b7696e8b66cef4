"""Reads for the dashboard (the home page): the fleet now, energy and sessions per day, what is
down longest, availability per site. A fixed number of queries whatever the fleet's size; the
availability sums the days rolled up per connector and reads today's status changes
(assets.availability_days)."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from api.identifiers import is_uuid
from assets.availability import Availability
from assets.availability_days import availability_by_group_since
from assets.models import Asset, AssetGroup, Connector
from charging.models import ChargingSession, SessionStatus

DAYS = 30
DOWN_LIMIT = 8
DOWN_STATUSES = ("Faulted", "Unavailable")
IN_USE_STATUSES = ("Charging", "Occupied", "SuspendedEV", "SuspendedEVSE")
AVAILABILITY_TARGET = 0.97


@dataclass(frozen=True)
class FleetFilters:
    """The dashboard's network and site filters, from the query string."""

    network_id: str = ""
    site_id: str = ""

    @classmethod
    def from_query(cls, query: Any) -> "FleetFilters":
        network, site = query.get("network", "").strip(), query.get("site", "").strip()
        return cls(network if is_uuid(network) else "", site if is_uuid(site) else "")

    def assets(self) -> QuerySet[Asset]:
        assets = Asset.objects.all()
        if self.network_id:
            assets = assets.filter(network_id=self.network_id)
        if self.site_id:
            assets = assets.filter(asset_group_id=uuid.UUID(self.site_id))
        return assets


@dataclass(frozen=True)
class Day:
    day: date
    energy_kwh: float
    sessions: int


@dataclass(frozen=True)
class SiteAvailability:
    site: AssetGroup | None
    availability: Availability

    @property
    def below_target(self) -> bool:
        ratio = self.availability.ratio
        return ratio is not None and ratio < AVAILABILITY_TARGET


@dataclass
class EnergyTotals:
    today_kwh: float = 0.0
    week_kwh: float = 0.0
    month_kwh: float = 0.0
    days: list[Day] = field(default_factory=list)


def fleet_counts(assets: QuerySet[Asset]) -> dict[str, int]:
    """Stations in total, online, offline, with a faulted connector, charging now."""
    # One query: the join gives a row per connector, hence the distinct counts.
    counts = assets.aggregate(
        total=Count("pk", distinct=True),
        online=Count("pk", filter=Q(is_online=True), distinct=True),
        faulted=Count("pk", filter=Q(connectors__status="Faulted"), distinct=True),
        charging=Count("pk", filter=Q(connectors__status__in=IN_USE_STATUSES), distinct=True),
    )
    counts["offline"] = counts["total"] - counts["online"]
    return counts


def energy_by_day(assets: QuerySet[Asset], *, today: date | None = None) -> EnergyTotals:
    """Energy (kWh) and sessions per day of the sessions started in the last DAYS days, this
    week (from Monday) and this month, by the day they started; refused sessions left out."""
    today = today or timezone.localdate()
    first = min(today - timedelta(days=DAYS - 1), today.replace(day=1))
    week_start = today - timedelta(days=today.weekday())
    rows = (
        ChargingSession.objects.filter(asset__in=assets, started_at__gte=_midnight(first))
        .exclude(status=SessionStatus.REFUSED)
        .annotate(day=TruncDate("started_at"))
        .values("day")
        .annotate(energy=Sum("energy_wh"), sessions=Count("pk"))
    )
    by_day: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in rows}
    totals = EnergyTotals()
    for offset in range((today - first).days + 1):
        day = first + timedelta(days=offset)
        row: dict[str, Any] = by_day.get(day, {})
        kwh = float(row.get("energy") or Decimal(0)) / 1000
        totals.today_kwh += kwh if day == today else 0.0
        totals.week_kwh += kwh if day >= week_start else 0.0
        totals.month_kwh += kwh if day >= today.replace(day=1) else 0.0
        if day > today - timedelta(days=DAYS):
            totals.days.append(Day(day, round(kwh, 3), int(row.get("sessions") or 0)))
    return totals


def stations_down_longest(assets: QuerySet[Asset]) -> list[Asset]:
    """Offline stations, longest offline first (never connected ones last)."""
    offline = assets.filter(is_online=False).select_related("asset_group")
    return list(offline.order_by("disconnected_at", "identity")[:DOWN_LIMIT])


def connectors_down_longest(assets: QuerySet[Asset]) -> list[Connector]:
    """Faulted or unavailable connectors, down longest first."""
    down = Connector.objects.filter(asset__in=assets, status__in=DOWN_STATUSES)
    return list(down.select_related("asset").order_by("status_at", "id")[:DOWN_LIMIT])


def availability_by_site(filters: FleetFilters) -> list[SiteAvailability]:
    """Each site's availability over the last DAYS days (today and the DAYS - 1 before it),
    worst first (no site: last): the days rolled up (assets.availability_days) and today's
    part from the history.

    Kept UI_AVAILABILITY_CACHE_SECONDS in this process's cache: a 30-day figure a minute old
    says the same (docs/UI.md). 0 turns the cache off."""
    key = f"ui:availability:{filters.network_id}:{filters.site_id}"
    seconds = settings.UI_AVAILABILITY_CACHE_SECONDS
    totals: dict[Any, Availability] | None = cache.get(key) if seconds else None
    if totals is None:
        now = timezone.now()
        first_day = timezone.localdate(now) - timedelta(days=DAYS - 1)
        totals = availability_by_group_since(filters.assets(), first_day=first_day, now=now)
        if seconds:
            cache.set(key, totals, seconds)
    sites = AssetGroup.objects.in_bulk([key for key in totals if key is not None])
    found = [SiteAvailability(sites.get(key), value) for key, value in totals.items()]

    def worst_first(item: SiteAvailability) -> tuple[bool, float, str]:
        ratio = item.availability.ratio
        return (item.site is None, 2.0 if ratio is None else ratio, str(item.site or ""))

    return sorted(found, key=worst_first)


def sites_list(*, network_id: str = "") -> QuerySet[AssetGroup]:
    sites = AssetGroup.objects.select_related("network").order_by("name")
    return sites.filter(network_id=network_id) if network_id else sites


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
