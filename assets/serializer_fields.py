"""Serializer fields the asset-management API's request shapes share (assets.serializers)."""

import uuid
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assets.models import WEEKDAYS, SitePartner, day_of_week


@extend_schema_field(OpenApiTypes.STR)
class CommaSeparatedUuidsField(serializers.Field):
    """`id1,id2,...` as a list of UUIDs."""

    def to_internal_value(self, data: Any) -> list[uuid.UUID]:
        parts = [part.strip() for part in str(data).split(",") if part.strip()]
        try:
            ids = [uuid.UUID(part) for part in parts]
        except ValueError:
            ids = []
        if not ids:
            raise serializers.ValidationError("Must be comma-separated ids.")
        return ids


class CoordinateField(serializers.DecimalField):
    """Degrees within ±`limit`, rounded to 6 decimals (about 0.1 m): GPS readings carry more
    digits than that, and refusing them would only annoy clients."""

    def __init__(self, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(max_digits=9, decimal_places=6, coerce_to_string=False, **kwargs)

    def validate_precision(self, value: Decimal) -> Decimal:
        if abs(value) > self.limit:
            raise serializers.ValidationError(f"Must be between -{self.limit} and {self.limit}.")
        return value


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 0, "maximum": 6},
            {"type": "string", "enum": [day.capitalize() for day in WEEKDAYS]},
        ]
    }
)
class DayOfWeekField(serializers.Field):
    """0-6 with 0 = Sunday, or an English day name; always stored as the number."""

    def to_internal_value(self, data: Any) -> int:
        try:
            return day_of_week(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: int) -> int:
        return value


# Its own component: the name "type" is taken by other choice sets of the API (id tokens), and
# spectacular would otherwise name this enum by a hash, with a warning.
@extend_schema_field(
    {"type": "string", "enum": SitePartner.Type.values}, component_name="SitePartnerType"
)
class SitePartnerTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(SitePartner.Type.choices, **kwargs)
