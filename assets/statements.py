"""The assets app's hand-built statements, built once per process: each runs for a charger
message or a raw request, where Django building the SQL of a queryset cost more than running
it. Built with csms.runtime.row_sql; everything else in the app uses the ORM.
"""

import functools

from assets.models import Asset, Connector
from csms.runtime.row_sql import RowSelect, ValuesUpdate

# The last-seen write, at most once per interval for every connection, where update() compiled
# it each time (docs/PERFORMANCE.md, fix 36).
LAST_SEEN_UPDATE = ValuesUpdate(Asset, ["last_seen_at"], where=["id"])

# Every StatusNotification's one conditional UPDATE (stored unless the connector holds a newer
# report), where update() compiled it each time (docs/PERFORMANCE.md, fixes 12 and 35).
# CONNECTOR_STATUS_CHANGE is tried first: it updates only a report that changes the status or
# the error code, so its row count says whether the history gains a row, at no extra statement
# for a change; a repeated status then takes CONNECTOR_STATUS_UPDATE as before.
CONNECTOR_STATUS_COLUMNS = ("status", "status_at", "error_code", "info", "vendor_error_code")
NEWER_REPORT = "({status_at} IS NULL OR {status_at} <= %s)"
CONNECTOR_STATUS_UPDATE = ValuesUpdate(
    Connector,
    CONNECTOR_STATUS_COLUMNS,
    where=["asset", "evse_id", "connector_id"],
    condition=(NEWER_REPORT, ["status_at"]),
)
CONNECTOR_STATUS_CHANGE = ValuesUpdate(
    Connector,
    CONNECTOR_STATUS_COLUMNS,
    where=["asset", "evse_id", "connector_id"],
    condition=(
        NEWER_REPORT + " AND ({status} <> %s OR {error_code} <> %s)",
        ["status_at", "status", "error_code"],
    ),
)


# A raw request's read of its asset, only the columns a command needs, by id or by OCPP
# identity, one per lookup and columns, where the queryset cost more to build than to run
# (docs/PERFORMANCE.md, fixes 28 and 33).
@functools.cache
def asset_columns_by(lookup: str, fields: tuple[str, ...]) -> RowSelect[Asset]:
    return RowSelect(Asset, [lookup], columns=fields)
