"""The OCPP messages that show a rate on a station, per protocol.

Following the OCA note "OCPP & California Pricing Requirements": 1.6 uses the `DefaultPrice`
configuration key, 2.0.1 a display message with a reserved id (plus the TariffCostCtrlr
fallback text), 2.1 its default tariff.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion
from rates.models import Rate

# The display-message id this CSMS reserves on every 2.0.1 station for its rate.
RATE_DISPLAY_MESSAGE_ID = 7_000_001
DEFAULT_PRICE_KEY = "DefaultPrice"


@dataclass(frozen=True)
class RateMessages:
    """The call whose answer tells whether the station took the rate, and follow-ups."""

    action: str
    payload: dict[str, Any]
    follow_ups: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def price_text(rate: Rate) -> str:
    if rate.display_text:
        return rate.display_text
    parts = []
    if rate.price_per_kwh is not None:
        parts.append(f"{rate.price_per_kwh.normalize():f} {rate.currency}/kWh")
    if rate.price_per_hour is not None:
        parts.append(f"{rate.price_per_hour.normalize():f} {rate.currency}/h")
    if rate.flat_fee is not None:
        parts.append(f"{rate.flat_fee.normalize():f} {rate.currency} per session")
    if rate.idle_fee_per_minute is not None:
        parts.append(f"idle {rate.idle_fee_per_minute.normalize():f} {rate.currency}/min")
    return ", ".join(parts) or rate.name


def tariff_id(rate: Rate) -> str:
    return f"rate-{rate.pk}"[:60]


def _number(value: Decimal | None) -> float:
    return float(value) if value is not None else 0.0


def charging_price(
    *, per_kwh: Decimal | None, per_hour: Decimal | None, flat_fee: Decimal | None
) -> dict[str, float]:
    """The California pricing `chargingPrice` object (1.6 DefaultPrice, RunningCost)."""
    return {
        "kWhPrice": _number(per_kwh),
        "hourPrice": _number(per_hour),
        "flatFee": _number(flat_fee),
    }


def rate_messages(rate: Rate, version: OcppVersion) -> RateMessages:
    if version is OcppVersion.V16:
        return _v16(rate)
    if version is OcppVersion.V201:
        return _v201(rate)
    return _v21(rate)


def _v16(rate: Rate) -> RateMessages:
    default_price = {
        "priceText": price_text(rate),
        "priceTextOffline": rate.display_text_offline or price_text(rate),
        "chargingPrice": charging_price(
            per_kwh=rate.price_per_kwh, per_hour=rate.price_per_hour, flat_fee=rate.flat_fee
        ),
    }
    value = json.dumps(default_price, separators=(",", ":"))
    return RateMessages("ChangeConfiguration", {"key": DEFAULT_PRICE_KEY, "value": value[:500]})


def _v201(rate: Rate) -> RateMessages:
    text = price_text(rate)
    message = {
        "id": RATE_DISPLAY_MESSAGE_ID,
        "priority": "NormalCycle",
        "message": {"format": "UTF8", "language": rate.language[:8], "content": text[:512]},
    }
    fallback = {
        "setVariableData": [
            {
                "component": {"name": "TariffCostCtrlr"},
                "variable": {"name": "TariffFallbackMessage"},
                "attributeValue": text[:1000],
            },
            {
                "component": {"name": "TariffCostCtrlr"},
                "variable": {"name": "Currency"},
                "attributeValue": rate.currency,
            },
        ]
    }
    return RateMessages("SetDisplayMessage", {"message": message}, [("SetVariables", fallback)])


def _v21(rate: Rate) -> RateMessages:
    tariff: dict[str, Any] = {
        "tariffId": tariff_id(rate),
        "currency": rate.currency,
        "description": [
            {"format": "UTF8", "language": rate.language[:8], "content": price_text(rate)[:512]}
        ],
    }
    if rate.price_per_kwh is not None:
        tariff["energy"] = {"prices": [{"priceKwh": _number(rate.price_per_kwh)}]}
    if rate.price_per_hour is not None:
        tariff["chargingTime"] = {"prices": [{"priceMinute": _number(rate.price_per_hour) / 60}]}
    if rate.flat_fee is not None:
        tariff["fixedFee"] = {"prices": [{"priceFixed": _number(rate.flat_fee)}]}
    if rate.idle_fee_per_minute is not None:
        tariff["idleTime"] = {"prices": [{"priceMinute": _number(rate.idle_fee_per_minute)}]}
    return RateMessages("SetDefaultTariff", {"evseId": 0, "tariff": tariff})


def rate_clear_message(version: OcppVersion, rate: Rate | None) -> tuple[str, dict[str, Any]]:
    """The call that stops the station showing our rate."""
    if version is OcppVersion.V16:
        neutral = json.dumps({"priceText": "", "priceTextOffline": ""}, separators=(",", ":"))
        return "ChangeConfiguration", {"key": DEFAULT_PRICE_KEY, "value": neutral}
    if version is OcppVersion.V201:
        return "ClearDisplayMessage", {"id": RATE_DISPLAY_MESSAGE_ID}
    return "ClearTariffs", ({"tariffIds": [tariff_id(rate)]} if rate else {})


def answered_status(action: str, response: dict[str, Any] | None) -> str:
    """The one status a rate call's answer stands for. ClearTariffs answers per tariff: it
    succeeded when every tariff was cleared or was not there to begin with."""
    response = response or {}
    if action == "ClearTariffs":
        statuses = {result.get("status") for result in response.get("clearTariffsResult", [])}
        return "Accepted" if statuses <= {"Accepted", "NoTariff"} else "Rejected"
    return str(response.get("status", ""))
