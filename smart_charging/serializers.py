"""The panel API's request shapes: they parse and validate, nothing more."""

from typing import Any

from rest_framework import serializers

from smart_charging.models import CapacityUnit, PhaseWiring, Purpose, Recurrency


class PanelFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    capacity = serializers.FloatField(min_value=0, required=False)
    capacityUnit = serializers.ChoiceField(choices=CapacityUnit.choices, required=False)
    phases = serializers.ChoiceField(choices=[1, 3], required=False)
    voltage = serializers.IntegerField(min_value=100, max_value=500, required=False)
    parentPanelId = serializers.UUIDField(required=False, allow_null=True)


class PanelCreateSerializer(PanelFieldsSerializer):
    name = serializers.CharField(max_length=120)
    capacity = serializers.FloatField(min_value=0)
    assetGroupId = serializers.UUIDField()


class PanelStationSerializer(serializers.Serializer):
    assetId = serializers.CharField(max_length=64)
    phaseWiring = serializers.ChoiceField(choices=PhaseWiring.choices, default="L1L2L3")
    maxAmps = serializers.FloatField(min_value=0, default=32.0)
    priority = serializers.IntegerField(min_value=-100, max_value=100, default=0)
    fallbackAmps = serializers.FloatField(min_value=0, default=0.0)


class PanelFilterSerializer(serializers.Serializer):
    assetGroupId = serializers.UUIDField(required=False)


class SchedulePeriodSerializer(serializers.Serializer):
    startPeriod = serializers.IntegerField(min_value=0, help_text="Seconds from the start.")
    limitAmps = serializers.FloatField(min_value=0, max_value=1000, help_text="Per phase.")


class ChargingLimitSerializer(serializers.Serializer):
    """One value (`limitAmps`), or a schedule (`periods`, optionally recurring); whether the
    periods make a schedule the station takes is the service's to say
    (smart_charging.station_limits.charging_schedule_check)."""

    purpose = serializers.ChoiceField(choices=Purpose.choices)
    limitAmps = serializers.FloatField(min_value=0, max_value=1000, required=False)
    periods = serializers.ListField(
        child=SchedulePeriodSerializer(), required=False, min_length=1, max_length=1000,
        help_text="A schedule instead of limitAmps: the first at 0, starts ascending.",
    )  # fmt: skip
    recurrency = serializers.ChoiceField(
        choices=Recurrency.choices, required=False, default="", allow_blank=True,
        help_text="The periods repeat every day or week from scheduleStart.",
    )  # fmt: skip
    scheduleStart = serializers.DateTimeField(
        required=False, allow_null=True, default=None,
        help_text="When the periods count from; default: today's midnight UTC for a "
        "recurring schedule, now for a station maximum, each transaction's start for a "
        "TxDefault.",
    )  # fmt: skip
    evseId = serializers.IntegerField(min_value=0, default=0)
    numberPhases = serializers.ChoiceField(choices=[1, 2, 3], default=3)
    stackLevel = serializers.IntegerField(min_value=0, max_value=100, default=0)
    transactionId = serializers.CharField(max_length=36, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["purpose"] == Purpose.TX and not attrs["transactionId"]:
            raise serializers.ValidationError({"transactionId": "A TxProfile needs one."})
        if attrs["purpose"] != Purpose.TX and attrs["transactionId"]:
            raise serializers.ValidationError({"transactionId": "Only a TxProfile has one."})
        if ("limitAmps" in attrs) == ("periods" in attrs):
            raise serializers.ValidationError({"limitAmps": "Give limitAmps or periods."})
        return attrs


class CompositeQuerySerializer(serializers.Serializer):
    evseId = serializers.IntegerField(min_value=0, default=0)
    duration = serializers.IntegerField(min_value=1, max_value=86400, default=3600)


class InstalledQuerySerializer(serializers.Serializer):
    evseId = serializers.IntegerField(
        min_value=0,
        required=False,
        default=None,
        allow_null=True,
        help_text="0: the station-wide profiles; absent: those of every EVSE.",
    )
