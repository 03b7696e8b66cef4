"""A starting payload for each console action: the required fields of the official schema,
filled with placeholders (first enum value, 0, "", now), for the operator to edit."""

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from ocpp_bridge.protocol.versions import OcppVersion

MAX_DEPTH = 6


@cache
def _schema(version: OcppVersion, action: str) -> dict[str, Any]:
    return dict(json.loads(version.schema_path(action).read_text(encoding="utf-8-sig")))


def payload_template(version: OcppVersion, action: str) -> dict[str, Any]:
    """The smallest payload shaped like the action's request: required fields only."""
    schema = _schema(version, action)
    value = _skeleton(schema, schema, 0)
    return value if isinstance(value, dict) else {}


def payload_templates(version: OcppVersion, actions: list[str]) -> dict[str, dict[str, Any]]:
    return {action: payload_template(version, action) for action in actions}


def _skeleton(node: dict[str, Any], root: dict[str, Any], depth: int) -> Any:
    if "$ref" in node:
        node = root.get("definitions", {}).get(node["$ref"].rsplit("/", 1)[-1], {})
    if node.get("enum"):
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        if depth >= MAX_DEPTH:
            return {}
        properties = node.get("properties", {})
        return {
            name: _skeleton(properties[name], root, depth + 1)
            for name in node.get("required", [])
            if name in properties
        }
    if kind == "array":
        wanted = node.get("minItems", 0) and depth < MAX_DEPTH
        return [_skeleton(node.get("items", {}), root, depth + 1)] if wanted else []
    if kind == "string":
        if node.get("format") == "date-time":
            return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return ""
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return None
