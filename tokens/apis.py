"""Id tokens over REST: list, create, read, update.

Network rule: a client restricted to networks sees, creates and edits only tokens of its
networks; a token without a network is valid on every network, so only an unrestricted client
sees or manages it.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from oauth2_provider.contrib.rest_framework import TokenMatchesOASRequirements
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import client_network_ids, network_choice_check
from api.errors import ApiError, not_found
from api.openapi import errors
from api.pagination import PaginatedView, one
from tokens.models import IdToken
from tokens.selectors import token_list, token_visible_get
from tokens.serializers import (
    TokenAnswerSerializer,
    TokenFilterSerializer,
    TokenSerializer,
    TokenWriteSerializer,
    token_data,
)
from tokens.services import TokenTakenError, token_create, token_update

ERRORS = errors()
TAKEN = OpenApiResponse(description="token_taken: another token has this idToken")
NOT_FOUND = OpenApiResponse(description="token_not_found (also outside your networks)")
TAGS = ["Tokens"]


def taken(error: TokenTakenError) -> ApiError:
    return ApiError(status.HTTP_409_CONFLICT, "token_taken", str(error), {"field": "idToken"})


def visible_token(request: Request, token_id: str) -> IdToken:
    token = token_visible_get(network_ids=client_network_ids(request), token_id=token_id)
    if token is None:
        raise not_found("token", token_id)
    return token


class TokenListView(PaginatedView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:token"]], "POST": [["write:token"]]}

    @extend_schema(
        operation_id="tokens_list",
        summary="List id tokens, oldest first",
        parameters=[TokenFilterSerializer],
        responses={200: TokenSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = TokenFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        tokens = token_list(
            network_ids=client_network_ids(request),
            status=values.get("status"),
            network_id=values.get("networkId"),
            group_id=values.get("groupId"),
            id_token=values.get("idToken"),
        )
        return self.page(tokens, token_data)

    @extend_schema(
        operation_id="tokens_create",
        summary="Create an id token",
        request=TokenWriteSerializer,
        responses={201: TokenAnswerSerializer, **ERRORS, 409: TAKEN},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        body = TokenWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        network_choice_check(request, values.get("network_id"))
        try:
            token = token_create(**values)
        except TokenTakenError as error:
            raise taken(error) from None
        return one(token_data(token), http_status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [TokenMatchesOASRequirements]
    required_alternate_scopes = {"GET": [["read:token"]], "PATCH": [["write:token"]]}

    @extend_schema(
        operation_id="tokens_read",
        summary="Read an id token",
        responses={200: TokenAnswerSerializer, **ERRORS, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request: Request, token_id: str) -> Response:
        return one(token_data(visible_token(request, token_id)))

    @extend_schema(
        operation_id="tokens_update",
        summary="Change an id token (status, expiry, group, ...)",
        request=TokenWriteSerializer(partial=True),
        responses={200: TokenAnswerSerializer, **ERRORS, 404: NOT_FOUND, 409: TAKEN},
        tags=TAGS,
    )
    def patch(self, request: Request, token_id: str) -> Response:
        token = visible_token(request, token_id)
        body = TokenWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = body.validated_data
        if "network_id" in changes:
            network_choice_check(request, changes["network_id"])
        try:
            token = token_update(token=token, changes=changes)
        except TokenTakenError as error:
            raise taken(error) from None
        return one(token_data(token))
