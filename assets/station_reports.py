"""What stations report about themselves: boot, presence, firmware and diagnostics status,
connector status, events and variables. Written from their messages (ocpp_bridge.charger.handlers),
inside the message's transaction."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from assets.models import (
    STATION_VARIABLE_KEY,
    Asset,
    Connector,
    ConnectorStatusChange,
    StationEvent,
    StationVariable,
)
from assets.services import station_password_hash
from assets.statements import (
    CONNECTOR_STATUS_CHANGE,
    CONNECTOR_STATUS_COLUMNS,
    CONNECTOR_STATUS_UPDATE,
    LAST_SEEN_UPDATE,
)
from csms.runtime import batched_inserts
from ocpp_bridge.station_events import connector_status_changed


def asset_record_boot(*, asset_id: Any, info: dict[str, str], reason: str = "") -> Asset:
    """Store what a BootNotification told about the station; returns the refreshed asset."""
    fields = {name: (value or "")[:50] for name, value in info.items()}
    Asset.objects.filter(pk=asset_id).update(
        **fields, boot_reason=reason, last_boot_at=timezone.now(), last_seen_at=timezone.now()
    )
    return Asset.objects.get(pk=asset_id)


def asset_record_password(*, asset_id: Any, password: str) -> None:
    """Store the Basic-auth password the station accepted (hashed): its old one is refused from
    now on."""
    Asset.objects.filter(pk=asset_id).update(password_hash=station_password_hash(password))


def asset_touch(*, asset_id: Any) -> None:
    """Record that the station was heard from just now."""
    LAST_SEEN_UPDATE.run([timezone.now()], asset_id)


def asset_record_firmware_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(
        firmware_status=status, firmware_status_at=timezone.now()
    )


def asset_record_diagnostics_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(
        diagnostics_status=status, diagnostics_status_at=timezone.now()
    )


def asset_record_station_status(*, asset_id: Any, status: str) -> None:
    Asset.objects.filter(pk=asset_id).update(station_status=status)


def connector_record_status(
    *,
    asset_id: Any,
    evse_id: int,
    connector_id: int,
    status: str,
    at: datetime | None,
    error_code: str = "",
    info: str = "",
    vendor_error_code: str = "",
) -> None:
    """Create or update a connector's status. A report older than the stored one is ignored:
    stations may deliver queued StatusNotifications out of order after an outage. The usual
    case (the connector is known, the report is newer) is one conditional UPDATE, which also
    keeps two reports handled at once from storing the older one last."""
    at = at or timezone.now()
    fields = {
        "status": status,
        "status_at": at,
        "error_code": error_code,
        "info": info,
        "vendor_error_code": vendor_error_code,
    }
    values = [fields[name] for name in CONNECTOR_STATUS_COLUMNS]
    key = (asset_id, evse_id, connector_id)
    changed = bool(CONNECTOR_STATUS_CHANGE.run(values, *key, at, status, error_code))
    if not changed and not CONNECTOR_STATUS_UPDATE.run(values, *key, at):
        _, changed = Connector.objects.get_or_create(
            asset_id=asset_id, evse_id=evse_id, connector_id=connector_id, defaults=fields
        )
        # Not created: it exists and holds a newer report, or it was created meanwhile.
        if not changed and not CONNECTOR_STATUS_UPDATE.run(values, *key, at):
            return
    if changed:
        # With the group commit's other rows (csms.runtime.batched_inserts): nothing reads the
        # history on the charger path.
        batched_inserts.insert(
            ConnectorStatusChange,
            [
                ConnectorStatusChange(
                    asset_id=asset_id,
                    evse_id=evse_id,
                    connector_id=connector_id,
                    status=status,
                    error_code=error_code,
                    at=at,
                )
            ],
        )
    connector_status_changed(
        asset_id=asset_id,
        evse_id=evse_id,
        connector_id=connector_id,
        status=status,
        error_code=error_code,
        at=at,
    )


def station_event_record(
    *,
    asset_id: Any,
    kind: str,
    event_type: str,
    occurred_at: datetime,
    tech_info: str = "",
    details: dict[str, Any] | None = None,
) -> StationEvent:
    return StationEvent.objects.create(
        asset_id=asset_id,
        kind=kind,
        event_type=event_type[:50],
        occurred_at=occurred_at,
        tech_info=tech_info,
        details=details or {},
    )


# A 1.6 configuration key is kept as a variable of no component.
V16_CONFIGURATION_COMPONENT = ""


def station_configuration_record(*, asset_id: Any, keys: list[Any]) -> int:
    """Store a 1.6 station's configuration keys as reported (GetConfiguration's
    configurationKey: key, readonly, value), one statement; how many."""
    rows = [
        StationVariable(
            asset_id=asset_id,
            component=V16_CONFIGURATION_COMPONENT,
            variable=str(entry["key"])[:50],
            value="" if entry.get("value") is None else str(entry["value"]),
            mutability="ReadOnly" if entry.get("readonly") else "ReadWrite",
        )
        for entry in keys
        if isinstance(entry, dict) and entry.get("key")
    ]
    return station_variables_record(rows, update_fields=["value", "mutability"])


def station_variables_record(rows: list[StationVariable], *, update_fields: list[str]) -> int:
    """Insert or update reported variables in one statement; a key reported twice keeps its
    last report (one statement may not update a row twice)."""
    attnames = {field.name: field.attname for field in StationVariable._meta.concrete_fields}
    columns = [attnames[name] for name in STATION_VARIABLE_KEY]
    unique = {tuple(getattr(row, column) for column in columns): row for row in rows}
    StationVariable.objects.bulk_create(
        list(unique.values()),
        update_conflicts=True,
        unique_fields=list(STATION_VARIABLE_KEY),
        update_fields=[*update_fields, "updated_at"],
    )
    return len(unique)
