"""A small OCPP 2.x device model: components/variables for Get/SetVariables and reports.

Payloads here use the snake_case keys of the ``ocpp`` package's dataclasses; the
package converts them to camelCase on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import StationConfig

# (component name, variable name, variable instance); instance "" when there is none.
VariableKey = tuple[str, str, str]


@dataclass
class Variable:
    """One variable's Actual attribute."""

    value: str
    mutability: str = "ReadWrite"
    data_type: str = "string"


def default_variables(config: StationConfig) -> dict[VariableKey, Variable]:
    """The variables a freshly booted simulated station exposes."""
    tx_interval = str(int(config.meter_value_interval))
    table: list[tuple[str, str, str, str, str, str]] = [
        ("ChargingStation", "Model", "", config.model, "ReadOnly", "string"),
        ("ChargingStation", "VendorName", "", config.vendor, "ReadOnly", "string"),
        ("ChargingStation", "AvailabilityState", "", "Available", "ReadOnly", "OptionList"),
        ("ChargingStation", "Available", "", "true", "ReadOnly", "boolean"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "", "0", "ReadWrite", "integer"),
        ("OCPPCommCtrlr", "OfflineThreshold", "", "60", "ReadWrite", "integer"),
        ("OCPPCommCtrlr", "MessageTimeout", "Default", "30", "ReadOnly", "integer"),
        ("SampledDataCtrlr", "TxUpdatedInterval", "", tx_interval, "ReadWrite", "integer"),
        (
            "SampledDataCtrlr",
            "TxUpdatedMeasurands",
            "",
            "Energy.Active.Import.Register,Power.Active.Import",
            "ReadWrite",
            "MemberList",
        ),
        ("AlignedDataCtrlr", "Interval", "", "900", "ReadWrite", "integer"),
        ("AuthCtrlr", "AuthorizeRemoteStart", "", "false", "ReadWrite", "boolean"),
        ("AuthCtrlr", "LocalAuthorizeOffline", "", "true", "ReadWrite", "boolean"),
        ("TxCtrlr", "EVConnectionTimeOut", "", "60", "ReadWrite", "integer"),
        ("TxCtrlr", "StopTxOnInvalidId", "", "true", "ReadWrite", "boolean"),
        ("TxCtrlr", "TxStartPoint", "", "Authorized", "ReadWrite", "MemberList"),
        ("TxCtrlr", "TxStopPoint", "", "Authorized", "ReadWrite", "MemberList"),
        ("SecurityCtrlr", "Identity", "", config.identity, "ReadOnly", "string"),
        ("SecurityCtrlr", "SecurityProfile", "", "1", "ReadOnly", "integer"),
        ("SecurityCtrlr", "BasicAuthPassword", "", config.password or "", "WriteOnly", "string"),
        ("DeviceDataCtrlr", "ItemsPerMessage", "GetReport", "20", "ReadOnly", "integer"),
        ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables", "20", "ReadOnly", "integer"),
        ("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables", "20", "ReadOnly", "integer"),
        ("DisplayMessageCtrlr", "Enabled", "", "true", "ReadWrite", "boolean"),
        ("DisplayMessageCtrlr", "NumberOfDisplayMessages", "", "10", "ReadOnly", "integer"),
        ("TariffCostCtrlr", "Currency", "", "EUR", "ReadWrite", "string"),
        ("TariffCostCtrlr", "TariffFallbackMessage", "", "", "ReadWrite", "string"),
        ("ClockCtrlr", "TimeSource", "", "Heartbeat", "ReadWrite", "SequenceList"),
        (
            "SmartChargingCtrlr",
            "PeriodsPerSchedule",
            "",
            str(config.max_schedule_periods),
            "ReadOnly",
            "integer",
        ),
    ]
    return {
        (c, v, i): Variable(value, mutability, kind) for c, v, i, value, mutability, kind in table
    }


class DeviceModel:
    """Answers GetVariables / SetVariables items and produces NotifyReport data."""

    def __init__(self, config: StationConfig) -> None:
        self.variables = default_variables(config)

    def value(self, component: str, variable: str, instance: str = "") -> str | None:
        """The current Actual value, or None when the variable does not exist."""
        entry = self.variables.get((component, variable, instance))
        return entry.value if entry is not None else None

    def _known_component(self, name: str) -> bool:
        return any(key[0] == name for key in self.variables)

    def get(self, item: dict[str, Any]) -> dict[str, Any]:
        """One GetVariableResult for one GetVariableData item."""
        component, variable = item["component"], item["variable"]
        result: dict[str, Any] = {"component": component, "variable": variable}
        attribute_type = item.get("attribute_type", "Actual")
        if attribute_type != "Actual":
            result["attribute_type"] = attribute_type
        key = (component["name"], variable["name"], variable.get("instance") or "")
        entry = self.variables.get(key)
        if not self._known_component(component["name"]):
            status = "UnknownComponent"
        elif entry is None:
            status = "UnknownVariable"
        elif attribute_type != "Actual":
            status = "NotSupportedAttributeType"
        elif entry.mutability == "WriteOnly":
            status = "Rejected"
        else:
            status = "Accepted"
            result["attribute_value"] = entry.value
        result["attribute_status"] = status
        return result

    def set(self, item: dict[str, Any]) -> dict[str, Any]:
        """Apply one SetVariableData item and return its SetVariableResult.

        Unknown variables are created (a CSMS may configure vendor variables); read-only
        ones are refused.
        """
        component, variable = item["component"], item["variable"]
        result: dict[str, Any] = {"component": component, "variable": variable}
        attribute_type = item.get("attribute_type", "Actual")
        if attribute_type != "Actual":
            result["attribute_type"] = attribute_type
        key = (component["name"], variable["name"], variable.get("instance") or "")
        entry = self.variables.get(key)
        if attribute_type != "Actual":
            status = "NotSupportedAttributeType"
        elif entry is not None and entry.mutability == "ReadOnly":
            status = "Rejected"
        else:
            status = "Accepted"
            if entry is None:
                self.variables[key] = Variable(str(item["attribute_value"]))
            else:
                entry.value = str(item["attribute_value"])
        result["attribute_status"] = status
        return result

    def report(
        self, criteria: list[dict[str, Any]] | None = None, writable_only: bool = False
    ) -> list[dict[str, Any]]:
        """ReportData items, optionally limited to some component/variable pairs."""
        wanted = [
            (c["component"]["name"], c.get("variable", {}).get("name")) for c in criteria or []
        ]
        items = []
        for (component, variable, instance), entry in self.variables.items():
            if writable_only and entry.mutability == "ReadOnly":
                continue
            if wanted and not any(component == c and v in (None, variable) for c, v in wanted):
                continue
            items.append(_report_item(component, variable, instance, entry))
        return items


def _report_item(component: str, variable: str, instance: str, entry: Variable) -> dict[str, Any]:
    attribute: dict[str, Any] = {"type": "Actual", "mutability": entry.mutability}
    if entry.mutability != "WriteOnly":
        attribute["value"] = entry.value
    var: dict[str, Any] = {"name": variable}
    if instance:
        var["instance"] = instance
    return {
        "component": {"name": component},
        "variable": var,
        "variable_attribute": [attribute],
        "variable_characteristics": {"data_type": entry.data_type, "supports_monitoring": False},
    }
