"""Meter values of both OCPP generations, normalised into MeterSample rows."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from charging.models import MeterSample
from csms.runtime.batched_inserts import insert

ENERGY_REGISTER = "Energy.Active.Import.Register"
MAX_VALUE = Decimal("1e13")


@dataclass(frozen=True)
class Sample:
    sampled_at: datetime
    measurand: str
    value: Decimal
    unit: str
    phase: str
    context: str
    location: str

    @property
    def energy_wh(self) -> Decimal | None:
        """The value in Wh when this sample is the imported-energy register."""
        if self.measurand != ENERGY_REGISTER or self.phase:
            return None
        return self.value * 1000 if self.unit.lower() == "kwh" else self.value


def parse_meter_values(meter_values: list[dict[str, Any]], *, v16: bool) -> list[Sample]:
    """Flatten `meterValue` entries; values that are not numbers (1.6 SignedData) are skipped."""
    samples = []
    for meter_value in meter_values:
        sampled_at = parse_datetime(meter_value.get("timestamp", ""))
        if sampled_at is None:
            continue
        for sampled in meter_value.get("sampledValue", []):
            value, unit = _value_and_unit(sampled, v16=v16)
            if value is None:
                continue
            samples.append(
                Sample(
                    sampled_at=sampled_at,
                    measurand=sampled.get("measurand", ENERGY_REGISTER),
                    value=value,
                    unit=unit,
                    phase=sampled.get("phase", ""),
                    context=sampled.get("context", ""),
                    location=sampled.get("location", ""),
                )
            )
    return samples


def _value_and_unit(sampled: dict[str, Any], *, v16: bool) -> tuple[Decimal | None, str]:
    if v16:
        if sampled.get("format") == "SignedData":
            return None, ""
        default_unit = "Wh" if sampled.get("measurand", ENERGY_REGISTER) == ENERGY_REGISTER else ""
        return _decimal(sampled.get("value")), sampled.get("unit", default_unit)
    unit_of_measure = sampled.get("unitOfMeasure") or {}
    value = _decimal(sampled.get("value"))
    if value is not None and unit_of_measure.get("multiplier"):
        value = value.scaleb(int(unit_of_measure["multiplier"]))
    measurand = sampled.get("measurand", ENERGY_REGISTER)
    return value, unit_of_measure.get("unit", "Wh" if measurand == ENERGY_REGISTER else "")


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    # Beyond what the columns hold is a broken meter, not a reading: skip it, keep the rest.
    return value if value.is_finite() and abs(value) < MAX_VALUE else None


def meter_samples_store(
    *, asset_id: Any, session_id: int | None, evse_id: int | None, samples: list[Sample]
) -> None:
    insert(
        MeterSample,
        [
            MeterSample(
                asset_id=asset_id,
                session_id=session_id,
                evse_id=evse_id,
                sampled_at=s.sampled_at,
                measurand=s.measurand[:60],
                value=s.value,
                unit=s.unit[:20],
                phase=s.phase[:10],
                context=s.context[:30],
                location=s.location[:10],
            )
            for s in samples
        ],
    )
