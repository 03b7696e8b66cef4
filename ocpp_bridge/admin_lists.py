"""What keeps the Django admin's frame and call lists fast at any size: no full counts (an
estimate from PostgreSQL's planner instead), browsing bounded by time, and searches only on
indexed columns (a station's identity, a message id, an action), saying what is not
searchable."""

import json
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property

from assets.models import Asset
from ocpp_bridge.protocol.versions import OcppVersion, all_actions

# Below this many rows (as estimated) the exact count is cheap enough to show.
EXACT_COUNT_BELOW = 10_000

SEARCH_HELP = (
    "Search by a station's identity, an action (e.g. Heartbeat) or a message id, each exactly. "
    "Payload text and parts of words are not searchable: they are not indexed."
)


class EstimatedCountPaginator(Paginator):
    """Counts a large list from the query planner's estimate (PostgreSQL), never by reading
    every row; exactly when the estimate is small, or on other databases."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if connections[queryset.db].vendor == "postgresql":
            estimate = _planner_rows(queryset)
            if estimate >= EXACT_COUNT_BELOW:
                return estimate
        return queryset.count()


def _planner_rows(queryset: QuerySet) -> int:
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class RecentFilter(admin.SimpleListFilter):
    """Browse by time: the last hour, day or week, or one of the last days (UTC)."""

    title = "time"
    parameter_name = "time"
    DAYS_OFFERED = 7

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.now().date()
        days = [today - timedelta(days=n) for n in range(self.DAYS_OFFERED)]
        fixed = [("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days")]
        return fixed + [(day.isoformat(), day.isoformat()) for day in days]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value, now = self.value(), timezone.now()
        spans = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
        if value in spans:
            return queryset.filter(created_at__gte=now - spans[value])
        if value:
            start = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            return queryset.filter(created_at__gte=start, created_at__lt=start + timedelta(1))
        return queryset


@cache
def _known_actions() -> frozenset[str]:
    return frozenset().union(*(all_actions(version) for version in OcppVersion))


class IndexedSearchAdmin(admin.ModelAdmin):
    """Search on indexed columns only: a term naming a station filters by it, one naming an
    OCPP action by that, anything else is taken as a message id; each lookup exact."""

    search_fields = ("message_id",)  # shows the box; get_search_results decides
    search_help_text = SEARCH_HELP
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        station = Asset.objects.filter(identity=term).values_list("pk", flat=True).first()
        if station is not None:
            return queryset.filter(asset_id=station), False
        if term in _known_actions():
            return queryset.filter(action=term), False
        self.message_user(
            request,
            f"No station or action is called “{term}”: showing what has it as its message id. "
            "Payload text and parts of words are not searchable.",
            messages.INFO,
        )
        return queryset.filter(message_id=term), False
