"""/asset-management/v1/asset-statuses: each connector's status history and availability over
a period (scope read:assetstatus), one item per connector, in the platform's list envelope."""

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.access import assets_visible
from api.identifiers import is_uuid
from api.openapi import errors
from api.pagination import EnvelopePagination, PaginatedView
from assets.apis.schemas import shape
from assets.availability import Interval, StatusAt
from assets.models import Connector
from assets.serializers import AssetStatusFilterSerializer
from assets.status_selectors import (
    ConnectorHistory,
    connector_histories,
    connectors_with_status_before,
)
from ocpp_bridge.api.presenters import iso

TAGS = ["Asset management: asset statuses"]


StatusChange = shape(
    "StatusChange",
    {
        "status": serializers.CharField(),
        "errorCode": serializers.CharField(allow_null=True),
        "at": serializers.DateTimeField(),
    },
)
AssetStatus = shape(
    "AssetStatus",
    {
        "id": serializers.CharField(help_text="The connector's id (the list's cursor)"),
        "assetId": serializers.UUIDField(),
        "ocppIdentity": serializers.CharField(),
        "evseId": serializers.IntegerField(),
        "connectorId": serializers.IntegerField(),
        "status": serializers.CharField(allow_null=True, help_text="Its status now"),
        "errorCode": serializers.CharField(allow_null=True),
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(),
        "statusAtStart": StatusChange(
            allow_null=True, help_text="The status it held when the period began, if known"
        ),
        "history": StatusChange(many=True, help_text="Each change in the period, oldest first"),
        "availability": shape(
            "Availability",
            {
                "ratio": serializers.FloatField(
                    allow_null=True,
                    help_text="Up time / known time, 0-1 (null: nothing known of the period)",
                ),
                "upSeconds": serializers.FloatField(),
                "knownSeconds": serializers.FloatField(
                    help_text="The period less unknown time and planned outages"
                ),
                "plannedOutageSeconds": serializers.FloatField(),
            },
        )(),
    },
    doc="A connector's status history and availability over a period. Up: Available, "
    "Occupied, Reserved, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, while its "
    "station is connected; time offline is down. Unknown time (before its first status) and "
    "planned outages count neither way.",
)


class ConnectorPagination(EnvelopePagination):
    order_field = "id"


class AssetStatusListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:assetstatus"]]}
    pagination_class = ConnectorPagination

    @extend_schema(
        operation_id="asset_status_list",
        summary="Connector status history and availability over a period",
        parameters=[AssetStatusFilterSerializer],
        responses={200: AssetStatus(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = AssetStatusFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        period: Interval = filters.validated_data.pop("period")
        connectors = _connectors(assets_visible(request, related=()), **filters.validated_data)
        rows = self.paginate_queryset(connectors_with_status_before(connectors, start=period[0]))
        histories = connector_histories(rows or [], period=period)
        return self.get_paginated_response([_present(h, period) for h in histories])


def _connectors(assets: QuerySet[Any], **filters: Any) -> QuerySet[Connector]:
    if filters.get("asset_id"):
        # By its id or, as stations know themselves, by its OCPP identity.
        wanted = filters["asset_id"]
        assets = assets.filter(
            Q(pk=wanted) | Q(identity=wanted) if is_uuid(wanted) else Q(identity=wanted)
        )
    if filters.get("network_id"):
        assets = assets.filter(network_id=filters["network_id"])
    if filters.get("asset_group_id"):
        assets = assets.filter(asset_group_id=filters["asset_group_id"])
    return Connector.objects.filter(asset__in=assets).select_related("asset")


def _change(change: StatusAt) -> dict[str, Any]:
    return {"status": change.status, "errorCode": change.error_code or None, "at": iso(change.at)}


def _present(history: ConnectorHistory, period: Interval) -> dict[str, Any]:
    connector, measured = history.connector, history.availability
    return {
        "id": str(connector.pk),
        "assetId": str(connector.asset_id),
        "ocppIdentity": connector.asset.identity,
        "evseId": connector.evse_id,
        "connectorId": connector.connector_id,
        "status": connector.status or None,
        "errorCode": connector.error_code or None,
        "from": iso(period[0]),
        "to": iso(period[1]),
        "statusAtStart": _change(history.before) if history.before else None,
        "history": [_change(change) for change in history.changes],
        "availability": {
            "ratio": round(measured.ratio, 6) if measured.ratio is not None else None,
            "upSeconds": measured.up_seconds,
            "knownSeconds": measured.known_seconds,
            "plannedOutageSeconds": measured.planned_seconds,
        },
    }
