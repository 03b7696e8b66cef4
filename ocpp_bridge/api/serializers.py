from typing import Any

from rest_framework import serializers, status

from api.errors import ApiError
from api.identifiers import is_request_id, request_id_rule
from api.parsers import unstorable_text
from api.serializers import FieldsBuiltOnce
from assets.apis.schemas import shape


def checked_request_id(value: str) -> str:
    """A requestId the client can read back at /ocpp/v2/requests/{requestId}; raised as its
    own 400 code rather than the serializers' invalid_request (api.identifiers has the set)."""
    if not is_request_id(value):
        raise ApiError(
            status.HTTP_400_BAD_REQUEST,
            "invalid_request_id",
            f"{request_id_rule()} Got {value!r}.",
            {"field": "requestId"},
        )
    return value


class RequestIdMixin(serializers.Serializer):
    def validate_requestId(self, value: str) -> str:  # noqa: N802 (DRF's validate_<field>)
        return checked_request_id(value)


class NetworkReferenceSerializer(FieldsBuiltOnce):
    id = serializers.CharField(help_text="The id of the network the asset must belong to")


class RawRequestSerializer(RequestIdMixin, FieldsBuiltOnce):
    action = serializers.CharField(help_text="The name of the action to be executed")
    assetId = serializers.CharField(help_text="The id of the asset to send the request to")
    payload = serializers.DictField(help_text="The payload to be sent to the asset")
    network = NetworkReferenceSerializer(required=False, help_text="The network to send to")
    requestId = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="Used as the OCPP message id (1 to 36 of A-Z a-z 0-9 - _ . : ~, not dots "
        "only; never reused for the station). Generated when absent.",
    )

    def validate_payload(self, value: dict[str, Any]) -> dict[str, Any]:
        if unstorable_text(value):
            raise ApiError(
                status.HTTP_400_BAD_REQUEST,
                "invalid_payload",
                "payload holds a NUL character or an unpaired surrogate.",
                {"field": "payload"},
            )
        return value

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # `async` is a Python keyword, so it cannot be declared as a class attribute.
        fields["async"] = serializers.BooleanField(
            default=True,
            help_text="Whether the request should be sent asynchronously. If false, the "
            "station's answer is in the response.",
        )
        return fields


class ConnectionSerializer(serializers.Serializer):
    connectionId = serializers.CharField(allow_null=True)
    protocol = serializers.CharField()


class OcppRequestFrameSerializer(serializers.Serializer):
    messageType = serializers.CharField()
    messageId = serializers.CharField()
    action = serializers.CharField()
    payload = serializers.DictField()


class OcppResponseFrameSerializer(serializers.Serializer):
    messageType = serializers.ChoiceField(choices=["CALL_RESULT", "CALL_ERROR"])
    messageId = serializers.CharField()
    payload = serializers.DictField(required=False)
    errorCode = serializers.CharField(required=False)
    ErrorDescription = serializers.CharField(required=False)
    errorDetails = serializers.DictField(required=False)


class InvalidResponseSerializer(serializers.Serializer):
    errorCode = serializers.CharField(
        help_text="The OCPP error code of the violation (what a 2.1 CALLRESULTERROR carries)"
    )
    message = serializers.CharField(help_text="The schema's message: which field, what is wrong")
    field = serializers.CharField(allow_null=True, help_text="The offending field's JSON path")


class CallDataSerializer(serializers.Serializer):
    ocppMessageId = serializers.CharField()
    connection = ConnectionSerializer()
    request = OcppRequestFrameSerializer()
    response = OcppResponseFrameSerializer(required=False)
    invalidResponse = InvalidResponseSerializer(
        required=False,
        help_text="Only for a call in state invalid_response: the station's CALL_RESULT (in "
        "`response`) broke the action's official response schema",
    )


# Its keys `data` (Serializer.data) and `async` (a keyword) cannot be class attributes, so
# shape() names them.
RawRequestAnswerSerializer = shape(
    "RawRequestAnswerSerializer",
    {
        "status": serializers.CharField(),
        "ocppMessageId": serializers.CharField(),
        "data": CallDataSerializer(),
        "async": serializers.BooleanField(),
    },
    doc="Documentation only: the views build this shape in ocpp_bridge.api.presenters.",
)


# The platform's legacy endpoints.


class RemoteStartSerializer(RequestIdMixin, serializers.Serializer):
    idTag = serializers.CharField(max_length=36)
    requestId = serializers.CharField(required=False, max_length=36)
    chargingStationId = serializers.CharField()
    connectorId = serializers.IntegerField(required=False, min_value=1)


class RemoteStopSerializer(RequestIdMixin, serializers.Serializer):
    requestId = serializers.CharField(required=False, max_length=36)
    ocppTransactionId = serializers.CharField(
        required=False,
        help_text="The station's transaction id. 2.x stations choose their own and repeat each "
        "other's: when it names sessions of several stations the answer is 409 "
        "ambiguous_transaction and nothing is sent; give chargingStationId or sessionId too.",
    )
    sessionId = serializers.CharField(
        required=False, help_text="The CSMS's session id (GET /sessions): names one session."
    )
    chargingStationId = serializers.CharField(
        required=False,
        help_text="The station (asset id or OCPP identity, within the client's networks) "
        "holding the transaction: picks it when ocppTransactionId repeats across stations.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("ocppTransactionId") and not attrs.get("sessionId"):
            raise serializers.ValidationError(
                {"ocppTransactionId": "Give ocppTransactionId or sessionId."}
            )
        return attrs


class ResetSerializer(RequestIdMixin, serializers.Serializer):
    requestId = serializers.CharField(required=False, max_length=36)
    chargingStationId = serializers.CharField()
    resetType = serializers.ChoiceField(choices=["Hard", "Soft", "Immediate", "OnIdle"])


# The answer to a password rotation (ocpp_bridge.api.password_views): the call, never the password.
class RotationSerializer(serializers.Serializer):
    ocppMessageId = serializers.CharField(help_text="Read its outcome at /ocpp/v2/requests/{id}")
    action = serializers.CharField(help_text="SetVariables (2.x) or ChangeConfiguration (1.6)")
    state = serializers.CharField()


RotationAnswerSerializer = shape("RotationAnswerSerializer", {"data": RotationSerializer()})
