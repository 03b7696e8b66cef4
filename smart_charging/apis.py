"""/asset-management/v1/panels: panels, their capacity and the stations under them, with the
limits each holds (read:panel / write:panel)."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids
from api.errors import ApiError
from api.openapi import errors
from api.pagination import PaginatedView, one
from assets.selectors import asset_group_visible_get, asset_visible_get
from smart_charging.models import Panel
from smart_charging.panel_tree import panel_tree
from smart_charging.presenters import panel_present
from smart_charging.selectors import panel_visible_get, panels_visible
from smart_charging.serializers import (
    PanelCreateSerializer,
    PanelFieldsSerializer,
    PanelFilterSerializer,
    PanelStationSerializer,
)
from smart_charging.services import (
    panel_create,
    panel_station_attach,
    panel_station_detach,
    panel_update,
)

TAGS = ["Asset management: panels"]
PANEL = OpenApiResponse(description="`{data: panel}`, with its stations and their limits")
NOT_FOUND = {404: "panel_not_found / asset_group_not_found / asset_not_found"}
FIELDS = {"capacityUnit": "capacity_unit", "parentPanelId": "parent"}


def _values(request: Request, body: dict[str, Any], panel: Panel | None) -> dict[str, Any]:
    """Body fields as the model's, the parent read behind the client's wall."""
    values = {FIELDS.get(k, k): v for k, v in body.items() if k != "assetGroupId"}
    if values.get("parent") is not None:
        parent = panel_visible_get(
            panel_id=str(values["parent"]), network_ids=client_network_ids(request)
        )
        if panel is not None and parent.pk in panel_tree(panel):  # itself, or one it feeds
            raise ApiError(
                400, "invalid_request", "A panel cannot feed one that feeds it.",
                {"field": "parentPanelId"},
            )  # fmt: skip
        values["parent"] = parent
    return values


class PanelListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:panel"]], "POST": [["write:panel"]]}

    @extend_schema(operation_id="panel_list", summary="List panels",
                   parameters=[PanelFilterSerializer], responses={200: PANEL, **errors()},
                   tags=TAGS)  # fmt: skip
    def get(self, request: Request) -> Response:
        filters = PanelFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        panels = panels_visible(
            network_ids=client_network_ids(request),
            asset_group_id=filters.validated_data.get("assetGroupId"),
        )
        return self.page(panels, panel_present)

    @extend_schema(operation_id="panel_create", summary="Create a panel at a site",
                   request=PanelCreateSerializer, responses={201: PANEL, **errors(NOT_FOUND)},
                   tags=TAGS)  # fmt: skip
    def post(self, request: Request) -> Response:
        body = PanelCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        network_ids = client_network_ids(request)
        group = asset_group_visible_get(
            group_id=str(body.validated_data["assetGroupId"]), network_ids=network_ids
        )
        panel = panel_create(asset_group=group, **_values(request, body.validated_data, None))
        return one(panel_present(panel), http_status=status.HTTP_201_CREATED)


class PanelDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:panel"]], "PATCH": [["write:panel"]]}

    @extend_schema(operation_id="panel_read", summary="Read a panel",
                   responses={200: PANEL, **errors(NOT_FOUND)}, tags=TAGS)  # fmt: skip
    def get(self, request: Request, panel_id: str) -> Response:
        return one(
            panel_present(
                panel_visible_get(panel_id=panel_id, network_ids=client_network_ids(request))
            )
        )

    @extend_schema(operation_id="panel_update",
                   summary="Update a panel (a new capacity is shared out at once)",
                   request=PanelFieldsSerializer, responses={200: PANEL, **errors(NOT_FOUND)},
                   tags=TAGS)  # fmt: skip
    def patch(self, request: Request, panel_id: str) -> Response:
        panel = panel_visible_get(panel_id=panel_id, network_ids=client_network_ids(request))
        body = PanelFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        panel_update(panel=panel, **_values(request, body.validated_data, panel))
        return one(panel_present(panel_visible_get(panel_id=panel_id, network_ids=None)))


class PanelStationsView(APIView):
    required_scopes = ["write:panel"]

    @extend_schema(operation_id="panel_station_attach",
                   summary="Attach a station to a panel (or change how it is attached)",
                   request=PanelStationSerializer, responses={200: PANEL, **errors(NOT_FOUND)},
                   tags=TAGS)  # fmt: skip
    def post(self, request: Request, panel_id: str) -> Response:
        network_ids = client_network_ids(request)
        panel = panel_visible_get(panel_id=panel_id, network_ids=network_ids)
        body = PanelStationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        asset = asset_visible_get(asset_id=data["assetId"], network_ids=network_ids)
        if asset.network_id != panel.asset_group.network_id:
            raise ApiError(400, "network_mismatch", "The station is of another network.",
                           {"field": "assetId"})  # fmt: skip
        panel_station_attach(
            panel=panel, asset=asset, phase_wiring=data["phaseWiring"], max_amps=data["maxAmps"],
            priority=data["priority"], fallback_amps=data["fallbackAmps"],
        )  # fmt: skip
        return one(panel_present(panel_visible_get(panel_id=panel_id, network_ids=None)))


class PanelStationDetailView(APIView):
    required_scopes = ["write:panel"]

    @extend_schema(operation_id="panel_station_detach", summary="Detach a station from a panel",
                   responses={200: PANEL, **errors(NOT_FOUND)}, tags=TAGS)  # fmt: skip
    def delete(self, request: Request, panel_id: str, asset_id: str) -> Response:
        panel = panel_visible_get(panel_id=panel_id, network_ids=client_network_ids(request))
        station = next(
            (s for s in panel.stations.all() if asset_id in (str(s.asset_id), s.asset.identity)),
            None,
        )
        if station is None:
            raise ApiError(404, "asset_not_found", f"No station {asset_id!r} on this panel.")
        panel_station_detach(station=station)
        return one(panel_present(panel_visible_get(panel_id=panel_id, network_ids=None)))
