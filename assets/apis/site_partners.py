"""/asset-management/v1/site-partners: site hosts, utilities and reporting agencies."""

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids
from api.openapi import errors
from api.pagination import PaginatedView, one
from assets.apis.references import network_restricted, resolve_references
from assets.apis.schemas import SitePartner, SitePartnerEnvelope
from assets.presenters import site_partner_present
from assets.selectors import site_partner_visible_get, site_partners_visible
from assets.serializers import (
    SitePartnerCreateSerializer,
    SitePartnerFieldsSerializer,
    SitePartnerFilterSerializer,
)
from assets.services import site_partner_create, site_partner_update

TAGS = ["Asset management: site partners"]
RESTRICTED = "network_restricted: a client restricted to networks cannot write shared partners"


class SitePartnerListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:sitepartner"]], "POST": [["write:sitepartner"]]}

    @extend_schema(
        operation_id="site_partner_list",
        summary="List site partners",
        parameters=[SitePartnerFilterSerializer],
        responses={200: SitePartner(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        filters = SitePartnerFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        network_ids = client_network_ids(request)
        partners = site_partners_visible(network_ids=network_ids, **filters.validated_data)
        return self.page(partners, site_partner_present)

    @extend_schema(
        operation_id="site_partner_create",
        summary="Create a site partner",
        request=SitePartnerCreateSerializer,
        responses={
            201: SitePartnerEnvelope,
            **errors({403: f"insufficient_scope / {RESTRICTED}", 404: "network_not_found"}),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = SitePartnerCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        network_ids = client_network_ids(request)
        values = resolve_references(body.validated_data, network_ids)
        if network_ids is not None and values.get("network") is None:
            raise network_restricted("A client restricted to networks must give networkId.")
        partner = site_partner_create(**{"network": None, **values})
        return one(site_partner_present(partner), http_status=status.HTTP_201_CREATED)


class SitePartnerDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:sitepartner"]], "PATCH": [["write:sitepartner"]]}

    @extend_schema(
        operation_id="site_partner_read",
        summary="Read a site partner",
        responses={200: SitePartnerEnvelope, **errors({404: "site_partner_not_found"})},
        tags=TAGS,
    )
    def get(self, request: Request, partner_id: str) -> Response:
        network_ids = client_network_ids(request)
        partner = site_partner_visible_get(partner_id=partner_id, network_ids=network_ids)
        return one(site_partner_present(partner))

    @extend_schema(
        operation_id="site_partner_update",
        summary="Update a site partner (its network cannot change)",
        request=SitePartnerFieldsSerializer,
        responses={
            200: SitePartnerEnvelope,
            **errors({403: f"insufficient_scope / {RESTRICTED}", 404: "site_partner_not_found"}),
        },
        tags=TAGS,
    )
    def patch(self, request: Request, partner_id: str) -> Response:
        network_ids = client_network_ids(request)
        partner = site_partner_visible_get(partner_id=partner_id, network_ids=network_ids)
        if network_ids is not None and partner.network_id is None:
            raise network_restricted("A shared partner is changed by unrestricted clients only.")
        body = SitePartnerFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return one(
            site_partner_present(site_partner_update(site_partner=partner, **body.validated_data))
        )
