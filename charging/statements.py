"""The charging app's hand-built statements, built once per process: each runs for a charger
message of a running session (a 1.6 StartTransaction, StopTransaction or MeterValues), where
Django building the SQL of a queryset cost more than running it. Built with
csms.runtime.row_sql; everything else in the app uses the ORM.
"""

from assets.models import Asset
from charging.models import ChargingSession
from csms.runtime.row_sql import RowInsert, RowSelect, RowsWhere, RowUpdate
from rates.models import Rate

# --- A 1.6 transaction's start ----------------------------------------------------------------

# The repeat check of every start (same connector, tag, start time and meterStart, not stopped
# by the station yet): a queryset compiled per message (docs/PERFORMANCE.md, fix 37).
SAME_START = RowsWhere(
    ChargingSession,
    (
        "{asset} = %s AND {evse_id} = %s AND {id_token} = %s AND {started_at} = %s "
        "AND {meter_start_wh} = %s AND {station_stopped} = %s",
        ["asset", "evse_id", "id_token", "started_at", "meter_start_wh", "station_stopped"],
    ),
    order_by="{id} DESC",
    limit=1,
)

# The new session's INSERT, and its transaction id (the row's own key) written after it, where
# save() compiled each (docs/PERFORMANCE.md, fix 33).
SESSION_INSERT = RowInsert(ChargingSession)
TRANSACTION_ID_UPDATE = RowUpdate(ChargingSession, ["transaction_id"])

# The rate copied at start: of the asset only its rate, then the rate by key, where get()
# compiled each (docs/PERFORMANCE.md, fixes 30 and 33).
ASSET_RATE = RowSelect(Asset, ["id"], columns=("id", "rate"))
RATE_BY_ID = RowSelect(Rate, ["id"])

# The active sessions of an EVSE, locked, latest started first and one without a start last:
# the stale-session scan of every start, a queryset compiled per message (docs/PERFORMANCE.md,
# fix 37). An operator's abort locks its session with it too: one way to lock them.
ACTIVE_ON_EVSE_LOCKED = RowsWhere(
    ChargingSession,
    ("{asset} = %s AND {evse_id} = %s AND {status} = %s", ["asset", "evse_id", "status"]),
    order_by="{started_at} IS NULL, {started_at} DESC, {id} DESC",
    for_update=True,
)

# --- A running session's MeterValues and StopTransaction --------------------------------------

# The locked read of the session of a station's transaction, for every MeterValues and
# StopTransaction, where get() compiled it each time (docs/PERFORMANCE.md, fix 33).
SESSION_OF_TRANSACTION_LOCKED = RowSelect(
    ChargingSession, ["asset", "transaction_id"], for_update=True
)

# What a reading moves, by name, of the row's many columns, for every MeterValues of a
# running session, where save() compiled it each time (docs/PERFORMANCE.md, fixes 12 and 33).
ENERGY_FIELDS = ["meter_start_wh", "energy_wh", "meter_stop_wh", "last_seen_at", "cost_amount",
                 "meter_last_wh", "meter_last_at", "meter_anomaly", "updated_at"]  # fmt: skip
ENERGY_UPDATE = RowUpdate(ChargingSession, ENERGY_FIELDS)
