"""/asset-management/v1/assets: charging stations, as operators register and see them."""

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import asset_visible_get, assets_visible, client_network_ids
from api.openapi import errors
from api.pagination import PaginatedView, one
from assets.apis.references import resolve_references
from assets.apis.schemas import Asset, AssetEnvelope
from assets.presenters import asset_present
from assets.selectors import assets_filter, assets_with_details
from assets.serializers import AssetCreateSerializer, AssetFilterSerializer, AssetUpdateSerializer
from assets.services import asset_create, asset_update

TAGS = ["Asset management: assets"]
REFERENCES = {
    400: "invalid_request / network_mismatch (asset group or rate of another network)",
    404: "asset_not_found / network_not_found / asset_group_not_found / rate_not_found",
}


class AssetListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:asset"]], "POST": [["write:asset"]]}

    @extend_schema(
        operation_id="asset_list",
        summary="List assets",
        parameters=[AssetFilterSerializer],
        responses={200: Asset(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        # A plain dict: from a QueryDict, DRF would read an absent boolean as false.
        filters = AssetFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        assets = assets_filter(
            assets_with_details(assets_visible(request)), **filters.validated_data
        )
        return self.page(assets, asset_present)

    @extend_schema(
        operation_id="asset_create",
        summary="Register an asset (charging station)",
        request=AssetCreateSerializer,
        responses={
            201: AssetEnvelope,
            **errors({**REFERENCES, 409: "asset_identity_taken"}),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = AssetCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        asset = asset_create(**resolve_references(body.validated_data, client_network_ids(request)))
        return one(asset_present(asset), http_status=status.HTTP_201_CREATED)


class AssetDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:asset"]], "PATCH": [["write:asset"]]}

    @extend_schema(
        operation_id="asset_read",
        summary="Read an asset (by id or OCPP identity)",
        responses={200: AssetEnvelope, **errors({404: "asset_not_found"})},
        tags=TAGS,
    )
    def get(self, request: Request, asset_id: str) -> Response:
        return one(asset_present(asset_visible_get(request, asset_id)))

    @extend_schema(
        operation_id="asset_update",
        summary="Update an asset (by id or OCPP identity)",
        request=AssetUpdateSerializer,
        responses={200: AssetEnvelope, **errors(REFERENCES)},
        tags=TAGS,
    )
    def patch(self, request: Request, asset_id: str) -> Response:
        asset = asset_visible_get(request, asset_id)
        body = AssetUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = resolve_references(body.validated_data, client_network_ids(request))
        return one(asset_present(asset_update(asset=asset, **values)))
