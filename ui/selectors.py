"""Reads for the web UI's pages: the overview's stations, a station's sessions, frames and calls."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from api.identifiers import is_uuid
from assets.models import Asset
from charging.models import ChargingSession, SessionStatus
from networks.models import Network
from ocpp_bridge.models import OcppCall, OcppFrame
from ocpp_bridge.protocol.versions import OcppVersion, csms_initiated

FRAME_LIMIT = 100
# The overview shows at most this many stations; search or filter to find the others.
STATION_LIMIT = 500
SESSION_LIMIT = 20


@dataclass(frozen=True)
class StationFilters:
    """The overview's search box and filters, as read from the query string."""

    search: str = ""
    network_id: str = ""
    online: bool | None = None

    @classmethod
    def from_query(cls, query: Any) -> "StationFilters":
        online = {"online": True, "offline": False}.get(query.get("state", ""))
        return cls(
            search=query.get("q", "").strip(),
            network_id=network if is_uuid(network := query.get("network", "").strip()) else "",
            online=online,
        )

    @property
    def state(self) -> str:
        return {True: "online", False: "offline", None: ""}[self.online]


def stations_list(*, filters: StationFilters) -> QuerySet[Asset]:
    """Stations matching the filters, with their network and connectors, by identity."""
    stations = Asset.objects.select_related("network").prefetch_related("connectors")
    if filters.search:
        words = Q()
        for field in ("identity", "name", "vendor", "model"):
            words |= Q(**{f"{field}__icontains": filters.search})
        stations = stations.filter(words)
    if filters.network_id:
        stations = stations.filter(network_id=filters.network_id)
    if filters.online is not None:
        stations = stations.filter(is_online=filters.online)
    return stations.order_by("identity")


def stations_counts() -> dict[str, int]:
    """How many stations there are, and how many of them are online."""
    return Asset.objects.aggregate(total=Count("pk"), online=Count("pk", filter=Q(is_online=True)))


def networks_list() -> QuerySet[Network]:
    return Network.objects.order_by("name")


def station_get(*, asset_id: Any) -> Asset | None:
    return (
        Asset.objects.select_related("network", "asset_group", "rate")
        .prefetch_related("connectors")
        .filter(pk=asset_id)
        .first()
    )


def station_sessions(*, asset: Asset, limit: int = SESSION_LIMIT) -> list[ChargingSession]:
    """Active sessions first, then the most recent ones."""
    active_first = Case(
        When(status=SessionStatus.ACTIVE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    sessions = ChargingSession.objects.filter(asset=asset).select_related("token")
    return list(sessions.order_by(active_first, "-started_at", "-id")[:limit])


def station_frames(*, asset: Asset, limit: int = FRAME_LIMIT) -> list[OcppFrame]:
    """The station's conversation, newest first."""
    return list(OcppFrame.objects.filter(asset=asset).order_by("-created_at", "-id")[:limit])


def station_console_actions(*, asset: Asset) -> list[str]:
    """What the console may send: the CSMS-to-station actions of the station's protocol (the
    one it last spoke; none before it ever connected)."""
    if not asset.protocol:
        return []
    return sorted(csms_initiated(OcppVersion(asset.protocol)))


def station_call(*, asset: Asset, message_id: str) -> OcppCall | None:
    return OcppCall.objects.filter(asset=asset, message_id=message_id).first()
