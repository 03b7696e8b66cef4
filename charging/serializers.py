"""Request shapes of the session endpoints, and the documented shape of their answers."""

from rest_framework import serializers

from assets.apis.schemas import shape
from charging.models import SessionStatus

# Beyond these the database cannot compare (SQLite raised OverflowError: a 500): a row key is a
# 64-bit integer, an EVSE id a 32-bit one.
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1


class SessionFilterSerializer(serializers.Serializer):
    assetId = serializers.CharField(required=False, help_text="The asset's id or OCPP identity")
    status = serializers.ChoiceField(choices=SessionStatus.values, required=False)
    tokenId = serializers.IntegerField(
        required=False, min_value=1, max_value=BIGINT_MAX, help_text="The id of a token of /tokens"
    )
    idToken = serializers.CharField(required=False, help_text="The id token the session used")
    startedAfter = serializers.DateTimeField(
        required=False, help_text="Sessions started at or after this time"
    )
    startedBefore = serializers.DateTimeField(
        required=False, help_text="Sessions started before this time"
    )


class SessionAbortSerializer(serializers.Serializer):
    chargingStationId = serializers.CharField(help_text="The asset's id or OCPP identity")
    connectorId = serializers.IntegerField(
        min_value=1, max_value=INT_MAX, help_text="The 1.6 connectorId or the 2.x EVSE id"
    )


# Documentation only: charging.presenters builds these shapes.


class SessionAssetSerializer(serializers.Serializer):
    id = serializers.CharField()
    ocppIdentity = serializers.CharField()


class SessionRateSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True, help_text="Null once the rate was deleted")
    name = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    pricePerKwh = serializers.FloatField(allow_null=True)
    pricePerHour = serializers.FloatField(allow_null=True)
    flatFee = serializers.FloatField(allow_null=True)
    idleFeePerMinute = serializers.FloatField(allow_null=True)


class CostSerializer(serializers.Serializer):
    amount = serializers.FloatField(help_text="Rounded to the currency's minor unit")
    currency = serializers.CharField()


class SessionSerializer(serializers.Serializer):
    id = serializers.CharField()
    ocppTransactionId = serializers.CharField()
    asset = SessionAssetSerializer()
    evseId = serializers.IntegerField(allow_null=True)
    connectorId = serializers.IntegerField(allow_null=True)
    idToken = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(
        choices=SessionStatus.values,
        help_text="refused: the station started it but its token was refused; never charging",
    )
    startedAt = serializers.DateTimeField(allow_null=True)
    stoppedAt = serializers.DateTimeField(allow_null=True)
    durationSeconds = serializers.IntegerField(
        allow_null=True, help_text="Up to now while the session is active"
    )
    meterStartWh = serializers.FloatField(allow_null=True)
    meterStopWh = serializers.FloatField(allow_null=True)
    energyWh = serializers.FloatField(
        allow_null=True, help_text="Only forward movement of the energy register counts"
    )
    meterAnomaly = serializers.BooleanField(
        help_text="The register went backwards between two readings (reset, replaced meter)"
    )
    stopReason = serializers.CharField(allow_null=True)
    rate = SessionRateSerializer(
        allow_null=True, help_text="The asset's rate when the session started"
    )
    cost = CostSerializer(
        allow_null=True, help_text="Null without a rate; up to the latest reading while active"
    )
    updatedAt = serializers.DateTimeField()


# The answers' top-level key is `data`, which a class body cannot declare without shadowing
# Serializer.data for the type checker: these are built with shape() instead.
SessionAnswerSerializer = shape("SessionAnswerSerializer", {"data": SessionSerializer()})


class StopRequestSerializer(serializers.Serializer):
    ocppMessageId = serializers.CharField()
    action = serializers.CharField(help_text="RemoteStopTransaction or RequestStopTransaction")
    state = serializers.CharField()


SessionAbortAnswerSerializer = shape(
    "SessionAbortAnswerSerializer",
    {
        "data": SessionSerializer(),
        "stopRequest": StopRequestSerializer(
            allow_null=True, help_text="The stop sent to the station; null when it is offline"
        ),
    },
)
