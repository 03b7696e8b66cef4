"""Request shapes of the token endpoints, the documented answers, and the representation."""

from datetime import datetime
from typing import Any

from rest_framework import serializers

from assets.apis.schemas import shape
from ocpp_bridge.api.presenters import iso
from tokens.models import IdToken, TokenStatus, TokenType


def token_data(token: IdToken) -> dict[str, Any]:
    return {
        "id": str(token.pk),
        "idToken": token.id_token,
        "type": token.token_type,
        "status": token.status,
        "expiresAt": iso(token.expires_at),
        "groupId": token.group_id or None,
        "networkId": str(token.network_id) if token.network_id else None,
        "description": token.description,
        "createdAt": iso(token.created_at),
        "updatedAt": iso(token.updated_at),
    }


class TokenFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TokenStatus.values, required=False)
    networkId = serializers.UUIDField(required=False)
    groupId = serializers.CharField(required=False)
    idToken = serializers.CharField(required=False)


class TokenWriteSerializer(serializers.Serializer):
    """POST creates with these (idToken required); PATCH changes the fields it names."""

    idToken = serializers.CharField(
        source="id_token", max_length=255, help_text="The token's value (RFID uid, eMAID, ...)"
    )
    type = serializers.ChoiceField(
        source="token_type",
        choices=TokenType.values,
        default=TokenType.ISO14443,
        help_text="OCPP 2.x IdTokenEnumType",
    )
    status = serializers.ChoiceField(choices=TokenStatus.values, default=TokenStatus.ACCEPTED)
    expiresAt = serializers.DateTimeField(
        source="expires_at",
        required=False,
        allow_null=True,
        help_text="After this time Authorize answers Expired",
    )
    groupId = serializers.CharField(
        source="group_id",
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=255,
        help_text="Group (1.6 parent) id token",
    )
    networkId = serializers.UUIDField(
        source="network_id",
        required=False,
        allow_null=True,
        help_text="The network the token belongs to; null: valid on every network (only "
        "clients not restricted to networks may create or see such tokens)",
    )
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )

    def validate_expiresAt(self, value: datetime | None) -> datetime | None:  # noqa: N802
        # Stations read a four-digit year (RFC 3339), and the shared presenters write years
        # before 1000 without their leading zeros.
        if value is not None and value.year < 1000:
            raise serializers.ValidationError("Give a date from the year 1000 on.")
        return value

    def validate_groupId(self, value: str | None) -> str:  # noqa: N802 (the field's name)
        return value or ""

    def validate_description(self, value: str | None) -> str:
        return value or ""


class TokenSerializer(serializers.Serializer):
    """Documentation only: token_data builds this shape."""

    id = serializers.CharField()
    idToken = serializers.CharField()
    # Plain strings here: the enums are documented once, on the request body (one enum
    # component per choice set keeps the schema's enum names stable).
    type = serializers.CharField(help_text="OCPP 2.x IdTokenEnumType")
    status = serializers.CharField(help_text="Accepted, Blocked, Expired or Invalid")
    expiresAt = serializers.DateTimeField(allow_null=True)
    groupId = serializers.CharField(allow_null=True)
    networkId = serializers.CharField(allow_null=True)
    description = serializers.CharField()
    createdAt = serializers.DateTimeField()
    updatedAt = serializers.DateTimeField()


# The answer's top-level key is `data`, which a class body cannot declare without shadowing
# Serializer.data for the type checker: it is built with shape() instead.
TokenAnswerSerializer = shape("TokenAnswerSerializer", {"data": TokenSerializer()})
