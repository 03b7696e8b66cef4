"""Reads for the sessions pages: the list with its filters and totals, the CSV export's rows,
and one session's curve, timeline, cost breakdown and frames."""

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from api.identifiers import is_uuid
from charging.models import ChargingSession, SessionStatus

PAGE_SIZE = 50
# CSV rows are read from the database this many at a time (a server-side cursor on PostgreSQL).
EXPORT_CHUNK = 2000
EXPORT_COLUMNS = (
    ("session", "pk"),
    ("station", "asset__identity"),
    ("site", "asset__asset_group__name"),
    ("network", "asset__network__name"),
    ("evse", "evse_id"),
    ("connector", "connector_id"),
    ("transaction", "transaction_id"),
    ("token", "id_token"),
    ("status", "status"),
    ("started", "started_at"),
    ("stopped", "stopped_at"),
    ("energy_wh", "energy_wh"),
    ("cost", "cost_amount"),
    ("currency", "currency"),
    ("stop_reason", "stop_reason"),
)


@dataclass(frozen=True)
class SessionFilters:
    """The sessions list's filters, as read from the query string (unreadable ones ignored)."""

    network_id: str = ""
    site_id: str = ""
    station: str = ""
    token: str = ""
    status: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    @classmethod
    def from_query(cls, query: Any) -> "SessionFilters":
        def uuid_or_blank(name: str) -> str:
            value = query.get(name, "").strip()
            return value if is_uuid(value) else ""

        status = query.get("status", "")
        return cls(
            network_id=uuid_or_blank("network"),
            site_id=uuid_or_blank("site"),
            station=query.get("station", "").strip()[:48],
            token=query.get("token", "").strip()[:255],
            status=status if status in SessionStatus.values else "",
            start=_date(query.get("from", "")),
            end=_date(query.get("to", "")),
        )

    def sessions(self) -> QuerySet[ChargingSession]:
        """The sessions matching, newest first; `to` is the last day included."""
        sessions = ChargingSession.objects.all()
        if self.network_id:
            sessions = sessions.filter(asset__network_id=self.network_id)
        if self.site_id:
            sessions = sessions.filter(asset__asset_group_id=uuid.UUID(self.site_id))
        if self.station:
            sessions = sessions.filter(asset__identity__icontains=self.station)
        if self.token:
            sessions = sessions.filter(id_token__icontains=self.token)
        if self.status:
            sessions = sessions.filter(status=self.status)
        if self.start:
            sessions = sessions.filter(started_at__gte=_midnight(self.start))
        if self.end:
            sessions = sessions.filter(started_at__lt=_midnight(self.end + dt.timedelta(days=1)))
        return sessions.order_by("-started_at", "-id")

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the export link and the pager)."""
        values = {
            "network": self.network_id,
            "site": self.site_id,
            "station": self.station,
            "token": self.token,
            "status": self.status,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
        }
        return {name: value for name, value in values.items() if value}


def sessions_page(filters: SessionFilters, *, page: int) -> tuple[list[ChargingSession], bool]:
    """One page of the list (with station, site and token) and whether more follow."""
    sessions = filters.sessions().select_related("asset", "asset__asset_group")
    start = (page - 1) * PAGE_SIZE
    rows = list(sessions[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def sessions_totals(filters: SessionFilters) -> dict[str, Any]:
    """How many sessions match, their energy, and their cost per currency (one query)."""
    rows = (
        filters.sessions()
        .order_by()
        .values("currency")
        .annotate(
            sessions=Count("pk"),
            energy=Sum("energy_wh", filter=~Q(status=SessionStatus.REFUSED)),
            cost=Sum("cost_amount"),
        )
    )
    totals: dict[str, Any] = {"sessions": 0, "energy_kwh": Decimal(0), "costs": []}
    for row in rows:
        totals["sessions"] += row["sessions"]
        totals["energy_kwh"] += (row["energy"] or Decimal(0)) / 1000
        if row["currency"] and row["cost"] is not None:
            totals["costs"].append((row["currency"], row["cost"]))
    return totals


def sessions_export_rows(filters: SessionFilters) -> Iterator[tuple[Any, ...]]:
    """The CSV's header and rows, read in chunks: any number of sessions in bounded memory."""
    yield tuple(name for name, _ in EXPORT_COLUMNS)
    values = filters.sessions().values_list(*(column for _, column in EXPORT_COLUMNS))
    for row in values.iterator(chunk_size=EXPORT_CHUNK):
        yield tuple(_csv_value(value) for value in row)


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "" if value is None else value


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
