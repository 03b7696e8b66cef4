"""Secrets the CSMS sends stations, masked wherever a frame is shown or kept.

A call that sets a station's Basic-auth password (1.6 ChangeConfiguration of AuthorizationKey,
2.x SetVariables of SecurityCtrlr.BasicAuthPassword) or its network profile's VPN / APN
credentials carries them in clear: the station needs them. The frame log, webhook events, the
live console and the API's call view get the payload with those values masked; the wire gets
the real one.

Those values are write-only on the station, yet some stations report them all the same: in a
1.6 GetConfiguration answer, a 2.x GetVariables answer or NotifyReport. What a station sends is
masked too (`reported_secrets_masked`) before it is logged, stored or shown.
"""

import copy
from typing import Any

MASK = "********"
# 1.6 configuration keys whose value is a secret (1.6 security whitepaper: write-only).
SECRET_CONFIGURATION_KEYS = frozenset({"AuthorizationKey"})
# 2.x variables whose value is a secret (WriteOnly in the device model).
SECRET_VARIABLES = frozenset({"BasicAuthPassword"})
# 2.x SetNetworkProfile connectionData: the credentials in its vpn and apn parts.
SECRET_PROFILE_FIELDS = {"vpn": ("password", "key"), "apn": ("apnPassword", "simPin")}


def secrets_masked(action: str, payload: Any) -> Any:
    """`payload` of a call of `action`, with its secret values masked (a copy when any is)."""
    if not isinstance(payload, dict):
        return payload
    if action == "ChangeConfiguration" and payload.get("key") in SECRET_CONFIGURATION_KEYS:
        return {**payload, "value": MASK} if "value" in payload else payload
    if action == "SetVariables":
        return _variables_masked(payload)
    if action == "SetNetworkProfile":
        return _profile_masked(payload)
    return payload


def _variables_masked(payload: dict[str, Any]) -> dict[str, Any]:
    entries = payload.get("setVariableData")
    if not isinstance(entries, list) or not any(_secret_variable(e) for e in entries):
        return payload
    masked = [
        {**entry, "attributeValue": MASK} if _secret_variable(entry) else entry for entry in entries
    ]
    return {**payload, "setVariableData": masked}


def _secret_variable(entry: Any) -> bool:
    variable = entry.get("variable") if isinstance(entry, dict) else None
    return isinstance(variable, dict) and variable.get("name") in SECRET_VARIABLES


def _profile_masked(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("connectionData")
    if not isinstance(data, dict):
        return payload
    masked = copy.deepcopy(payload)
    for part, fields in SECRET_PROFILE_FIELDS.items():
        section = masked["connectionData"].get(part)
        if isinstance(section, dict):
            for field in fields:
                if field in section:
                    section[field] = MASK
    return masked


def reported_secrets_masked(payload: Any) -> Any:
    """What a station sent (a call, or an answer to one of ours), with the secret values it
    should never have reported masked (a copy when any is). Told by shape, as an answer is
    stored before the call it answers is known: configurationKey (1.6 GetConfiguration),
    getVariableResult (2.x GetVariables), reportData (2.x NotifyReport)."""
    if not isinstance(payload, dict):
        return payload
    keys = payload.get("configurationKey")
    if isinstance(keys, list) and any(_secret_key(entry) for entry in keys):
        masked = [{**e, "value": MASK} if _secret_key(e) and "value" in e else e for e in keys]
        payload = {**payload, "configurationKey": masked}
    results = payload.get("getVariableResult")
    if isinstance(results, list) and any(_secret_variable(entry) for entry in results):
        masked = [
            {**e, "attributeValue": MASK} if _secret_variable(e) and "attributeValue" in e else e
            for e in results
        ]
        payload = {**payload, "getVariableResult": masked}
    reports = payload.get("reportData")
    if isinstance(reports, list) and any(_secret_variable(entry) for entry in reports):
        payload = {**payload, "reportData": [_report_masked(entry) for entry in reports]}
    return payload


def _secret_key(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("key") in SECRET_CONFIGURATION_KEYS


def _report_masked(entry: Any) -> Any:
    attributes = entry.get("variableAttribute") if _secret_variable(entry) else None
    if not isinstance(attributes, list):
        return entry
    masked = [
        {**a, "value": MASK} if isinstance(a, dict) and "value" in a else a for a in attributes
    ]
    return {**entry, "variableAttribute": masked}
