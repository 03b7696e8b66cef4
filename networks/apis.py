"""/asset-management/v1/networks: the networks assets belong to and clients are restricted to."""

from drf_spectacular.utils import extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids
from api.openapi import errors
from api.pagination import PaginatedView, one
from assets.apis.references import network_restricted
from assets.apis.schemas import Network, NetworkEnvelope
from assets.presenters import network_present
from assets.selectors import network_visible_get, networks_visible
from assets.serializers import NetworkCreateSerializer, NetworkUpdateSerializer
from networks.services import network_create, network_delete, network_update

TAGS = ["Asset management: networks"]
TAKEN = {409: "network_name_taken"}


class NetworkListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:asset"]], "POST": [["write:network"]]}

    @extend_schema(
        operation_id="network_list",
        summary="List networks",
        responses={200: Network(many=True), **errors()},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        networks = networks_visible(network_ids=client_network_ids(request))
        return self.page(networks, network_present)

    @extend_schema(
        operation_id="network_create",
        summary="Create a network",
        request=NetworkCreateSerializer,
        responses={
            201: NetworkEnvelope,
            **errors({403: "insufficient_scope / network_restricted", **TAKEN}),
        },
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        # A new network lies outside any restriction: only unrestricted clients make one.
        if client_network_ids(request) is not None:
            raise network_restricted("A client restricted to networks cannot create networks.")
        body = NetworkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        network = network_create(**body.validated_data)
        return one(network_present(network), http_status=status.HTTP_201_CREATED)


class NetworkDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {
        "GET": [["read:asset"]],
        "PATCH": [["write:network"]],
        "DELETE": [["write:network"]],
    }

    @extend_schema(
        operation_id="network_read",
        summary="Read a network",
        responses={200: NetworkEnvelope, **errors({404: "network_not_found"})},
        tags=TAGS,
    )
    def get(self, request: Request, network_id: str) -> Response:
        network_ids = client_network_ids(request)
        return one(
            network_present(network_visible_get(network_id=network_id, network_ids=network_ids))
        )

    @extend_schema(
        operation_id="network_update",
        summary="Rename or describe a network",
        request=NetworkUpdateSerializer,
        responses={200: NetworkEnvelope, **errors({404: "network_not_found", **TAKEN})},
        tags=TAGS,
    )
    def patch(self, request: Request, network_id: str) -> Response:
        network_ids = client_network_ids(request)
        network = network_visible_get(network_id=network_id, network_ids=network_ids)
        body = NetworkUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return one(network_present(network_update(network=network, **body.validated_data)))

    @extend_schema(
        operation_id="network_delete",
        summary="Delete a network no client or asset depends on",
        description=(
            "Deletes the network with its tokens, rates and webhook endpoints. Refused with 409 "
            "network_in_use (details.dependents: how many apiClients, assets, assetGroups, "
            "sitePartners) while any depend on it: move or delete them first."
        ),
        responses={
            204: None,
            **errors(
                {
                    403: "insufficient_scope / network_restricted",
                    404: "network_not_found",
                    409: "network_in_use",
                }
            ),
        },
        tags=TAGS,
    )
    def delete(self, request: Request, network_id: str) -> Response:
        network_ids = client_network_ids(request)
        network = network_visible_get(network_id=network_id, network_ids=network_ids)
        # Like creating one: a network's existence is the unrestricted operator's to decide.
        if network_ids is not None:
            raise network_restricted("A client restricted to networks cannot delete networks.")
        network_delete(network=network)
        return Response(status=status.HTTP_204_NO_CONTENT)
