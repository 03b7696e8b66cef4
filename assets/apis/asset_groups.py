"""/asset-management/v1/asset-groups: locations, with their address, hours and site partners."""

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids
from api.openapi import errors
from api.pagination import PaginatedView, one
from assets.apis.references import resolve_references
from assets.apis.schemas import AssetGroup, AssetGroupEnvelope
from assets.presenters import asset_group_present
from assets.selectors import (
    asset_group_visible_get,
    asset_groups_visible,
    site_partner_visible_get,
)
from assets.serializers import (
    AddSitePartnersSerializer,
    AssetGroupCreateSerializer,
    AssetGroupFieldsSerializer,
    AssetGroupFilterSerializer,
)
from assets.services import asset_group_add_site_partners, asset_group_create, asset_group_update

TAGS = ["Asset management: asset groups"]
GROUP_NOT_FOUND = {404: "asset_group_not_found"}


class AssetGroupListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:assetgroup"]], "POST": [["write:assetgroup"]]}

    @extend_schema(
        operation_id="asset_group_list",
        summary="List asset groups (locations)",
        parameters=[AssetGroupFilterSerializer],
        responses={200: AssetGroup(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = AssetGroupFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        network_ids = client_network_ids(request)
        groups = asset_groups_visible(network_ids=network_ids, **filters.validated_data)
        return self.page(groups, asset_group_present)

    @extend_schema(
        operation_id="asset_group_create",
        summary="Create an asset group (location)",
        request=AssetGroupCreateSerializer,
        responses={201: AssetGroupEnvelope, **errors({404: "network_not_found"})},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = AssetGroupCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = resolve_references(body.validated_data, client_network_ids(request))
        group = asset_group_create(**values)
        return one(asset_group_present(group), http_status=status.HTTP_201_CREATED)


class AssetGroupDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:assetgroup"]], "PATCH": [["write:assetgroup"]]}

    @extend_schema(
        operation_id="asset_group_read",
        summary="Read an asset group",
        responses={200: AssetGroupEnvelope, **errors(GROUP_NOT_FOUND)},
        tags=TAGS,
    )
    def get(self, request: Request, group_id: str) -> Response:
        group = asset_group_visible_get(group_id=group_id, network_ids=client_network_ids(request))
        return one(asset_group_present(group))

    @extend_schema(
        operation_id="asset_group_update",
        summary="Update an asset group (its network cannot change)",
        request=AssetGroupFieldsSerializer,
        responses={200: AssetGroupEnvelope, **errors(GROUP_NOT_FOUND)},
        tags=TAGS,
    )
    def patch(self, request: Request, group_id: str) -> Response:
        group = asset_group_visible_get(group_id=group_id, network_ids=client_network_ids(request))
        body = AssetGroupFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return one(asset_group_present(asset_group_update(group=group, **body.validated_data)))


class AddSitePartnersView(APIView):
    required_scopes = ["write:assetgroup"]

    @extend_schema(
        operation_id="asset_group_add_site_partners",
        summary="Link site partners to an asset group",
        request=AddSitePartnersSerializer,
        responses={
            200: AssetGroupEnvelope,
            **errors(
                {
                    400: "invalid_request / network_mismatch (a partner of another network)",
                    404: "asset_group_not_found / site_partner_not_found",
                }
            ),
        },
        tags=TAGS,
    )
    def post(self, request: Request, group_id: str) -> Response:
        network_ids = client_network_ids(request)
        group = asset_group_visible_get(group_id=group_id, network_ids=network_ids)
        body = AddSitePartnersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        partners = [
            site_partner_visible_get(partner_id=partner_id, network_ids=network_ids)
            for partner_id in body.validated_data["sitePartnerIds"]
        ]
        return one(
            asset_group_present(asset_group_add_site_partners(group=group, site_partners=partners))
        )
