"""Reads of the connector status history: each connector's changes in a period, the status it
held when the period began, and its availability (assets.availability). A fixed number of
queries for any number of connectors: the connectors (with the status before the period), the
changes in the period, the planned outages, the stations' connections (two)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery

from assets.availability import Availability, Interval, StatusAt, availability, merged, subtract
from assets.models import Asset, Connector, ConnectorStatusChange, PlannedOutage
from ocpp_bridge.models import ChargerConnection

ConnectorKey = tuple[Any, int, int]


@dataclass(frozen=True)
class ConnectorHistory:
    connector: Connector
    before: StatusAt | None
    changes: list[StatusAt]
    availability: Availability


def connectors_with_status_before(
    connectors: QuerySet[Connector], *, start: datetime
) -> QuerySet[Connector]:
    """`connectors` annotated with the last change before `start` (`before_status`,
    `before_error_code`, `before_at`; None when the history knows none)."""
    last = ConnectorStatusChange.objects.filter(
        asset_id=OuterRef("asset_id"),
        evse_id=OuterRef("evse_id"),
        connector_id=OuterRef("connector_id"),
        at__lt=start,
    ).order_by("-at", "-id")[:1]
    return connectors.annotate(
        before_status=Subquery(last.values("status")),
        before_error_code=Subquery(last.values("error_code")),
        before_at=Subquery(last.values("at")),
    )


def connector_histories(
    connectors: Sequence[Connector], *, period: Interval
) -> list[ConnectorHistory]:
    """History and availability over `period` of `connectors`, read from
    `connectors_with_status_before(..., start=period[0])`."""
    start, end = period
    asset_ids = {connector.asset_id for connector in connectors}
    changes: dict[ConnectorKey, list[StatusAt]] = defaultdict(list)
    rows = ConnectorStatusChange.objects.filter(asset_id__in=asset_ids, at__gte=start, at__lt=end)
    for row in rows.order_by("at", "id").values_list(
        "asset_id", "evse_id", "connector_id", "status", "error_code", "at"
    ):
        changes[row[:3]].append(StatusAt(*row[3:]))
    outages = planned_outages(asset_ids=asset_ids, period=period)
    offline = offline_intervals(asset_ids=asset_ids, period=period)
    histories = []
    for connector in connectors:
        key = (connector.asset_id, connector.evse_id, connector.connector_id)
        before = _before(connector)
        planned = outages.get((connector.asset_id, connector.evse_id), []) + outages.get(
            (connector.asset_id, None), []
        )
        histories.append(
            ConnectorHistory(
                connector=connector,
                before=before,
                changes=changes[key],
                availability=availability(
                    before=before,
                    changes=changes[key],
                    planned=planned,
                    period=period,
                    offline=offline.get(connector.asset_id, []),
                ),
            )
        )
    return histories


def planned_outages(
    *, asset_ids: set[Any], period: Interval
) -> dict[tuple[Any, int | None], list[Interval]]:
    """The planned outages overlapping `period`, by (asset, EVSE or None for the station)."""
    found: dict[tuple[Any, int | None], list[Interval]] = defaultdict(list)
    rows = PlannedOutage.objects.filter(
        asset_id__in=asset_ids, starts_at__lt=period[1], ends_at__gt=period[0]
    )
    for asset_id, evse_id, starts_at, ends_at in rows.values_list(
        "asset_id", "evse_id", "starts_at", "ends_at"
    ):
        found[(asset_id, evse_id)].append((starts_at, ends_at))
    return found


def offline_intervals(*, asset_ids: set[Any], period: Interval) -> dict[Any, list[Interval]]:
    """When each station was not connected during `period`, from its connections. Before a
    station's first connection its connectivity is unknown: that time is not offline."""
    start, end = period
    connections = ChargerConnection.objects.filter(asset_id__in=asset_ids)
    first = connections.values("asset_id").annotate(first=Min("opened_at")).order_by()
    overlapping = connections.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=start), opened_at__lt=end
    ).order_by()
    connected: dict[Any, list[Interval]] = defaultdict(list)
    for asset_id, opened_at, closed_at in overlapping.values_list(
        "asset_id", "opened_at", "closed_at"
    ):
        connected[asset_id].append((opened_at, closed_at or end))
    offline = {}
    for row in first:
        known_from = max(start, row["first"])
        if known_from < end:
            offline[row["asset_id"]] = subtract(
                [(known_from, end)], merged(connected[row["asset_id"]])
            )
    return offline


def availability_by_group(assets: QuerySet[Asset], *, period: Interval) -> dict[Any, Availability]:
    """The availability of every connector of `assets` over `period`, summed per asset group
    (key None: stations of no group)."""
    connectors = connectors_with_status_before(
        Connector.objects.filter(asset__in=assets).select_related("asset"), start=period[0]
    )
    totals: dict[Any, Availability] = defaultdict(lambda: Availability(0.0, 0.0, 0.0))
    for history in connector_histories(list(connectors), period=period):
        group = history.connector.asset.asset_group_id
        totals[group] = totals[group] + history.availability
    return dict(totals)


def _before(connector: Connector) -> StatusAt | None:
    status = getattr(connector, "before_status", None)
    if status is None:
        return None
    error_code = getattr(connector, "before_error_code", "") or ""
    return StatusAt(status, error_code, connector.before_at)  # type: ignore[attr-defined]
