"""The panel API's request shapes: they parse and validate, nothing more."""

from typing import Any

from rest_framework import serializers

from smart_charging.models import CapacityUnit, PhaseWiring, Purpose


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


class ChargingLimitSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    limitAmps = serializers.FloatField(min_value=0, max_value=1000)
    evseId = serializers.IntegerField(min_value=0, default=0)
    numberPhases = serializers.ChoiceField(choices=[1, 2, 3], default=3)
    stackLevel = serializers.IntegerField(min_value=0, max_value=100, default=0)
    transactionId = serializers.CharField(max_length=36, required=False, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["purpose"] == Purpose.TX and not attrs["transactionId"]:
            raise serializers.ValidationError({"transactionId": "A TxProfile needs one."})
        if attrs["purpose"] != Purpose.TX and attrs["transactionId"]:
            raise serializers.ValidationError({"transactionId": "Only a TxProfile has one."})
        return attrs


class CompositeQuerySerializer(serializers.Serializer):
    evseId = serializers.IntegerField(min_value=0, default=0)
    duration = serializers.IntegerField(min_value=1, max_value=86400, default=3600)
