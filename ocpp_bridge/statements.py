"""The ocpp_bridge app's hand-built statements, built once per process: each runs on a measured
hot path of a CSMS-initiated call (its claim, its answer, the synchronous wait for it) or of
the frame log, where Django building the SQL of a queryset cost more than running it. Built
from the models' `_meta` with csms.runtime.row_sql, and read through the fields' own
conversions. Everything else in the app uses the ORM.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from assets.models import Asset
from csms.runtime.row_sql import (
    Converters,
    RowInsert,
    RowSelect,
    RowsIn,
    RowUpdate,
    Statement,
    ValuesUpdate,
    column_of,
    concrete_field,
    converted,
    field_converters,
)
from ocpp_bridge.models import CallState, ChargerConnection, OcppCall, OcppFrame


@dataclass(frozen=True)
class StationHead:
    """A station locked for a claim, with its current connection (if any) and the call at
    the head of its queue: its outstanding call if one is, else its oldest queued call."""

    asset_id: Any
    identity: str
    network_id: Any
    connection_id: Any
    protocol: str | None
    channel_name: str | None
    connection_closed_at: datetime | None
    head_call_id: Any

    @property
    def connected(self) -> bool:
        return self.connection_id is not None and self.connection_closed_at is None


def _fields() -> list[models.Field]:
    """The fields of a StationHead's columns, in its order."""
    names: list[tuple[type[models.Model], str]] = [
        (Asset, "id"),
        (Asset, "identity"),
        (Asset, "network"),
    ]
    names += [(ChargerConnection, name) for name in ("id", "protocol", "channel_name", "closed_at")]
    names += [(OcppCall, "id")]
    return [concrete_field(model, name) for model, name in names]


def _heads_sql(connection: BaseDatabaseWrapper, count: int) -> str:
    """The stations' rows joined to their current connections, each with its head call's id
    (a subquery: "sent" sorts after "queued", so descending state puts an outstanding call
    first), in id order, locked where the database can lock rows (two claims then never wait
    on each other in a cycle)."""
    quote = connection.ops.quote_name

    def column(alias: str, model: type[models.Model], name: str) -> str:
        return f"{alias}.{quote(column_of(concrete_field(model, name)))}"

    call_state = column("q", OcppCall, "state")
    head = (
        f"SELECT {column('q', OcppCall, 'id')} FROM {quote(OcppCall._meta.db_table)} q "
        f"WHERE {column('q', OcppCall, 'asset')} = {column('s', Asset, 'id')} "
        f"AND {call_state} IN (%s, %s) ORDER BY {call_state} DESC, "
        f"{column('q', OcppCall, 'created_at')}, {column('q', OcppCall, 'id')} LIMIT 1"
    )
    connection_columns = ("id", "protocol", "channel_name", "closed_at")
    selected = [
        column("s", Asset, "id"),
        column("s", Asset, "identity"),
        column("s", Asset, "network"),
        *(column("c", ChargerConnection, name) for name in connection_columns),
        f"({head})",
    ]
    keys = ", ".join(["%s"] * count)
    sql = (
        f"SELECT {', '.join(selected)} FROM {quote(Asset._meta.db_table)} s "
        f"LEFT OUTER JOIN {quote(ChargerConnection._meta.db_table)} c "
        f"ON {column('c', ChargerConnection, 'id')} = {column('s', Asset, 'current_connection')} "
        f"WHERE {column('s', Asset, 'id')} IN ({keys}) ORDER BY {column('s', Asset, 'id')}"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF s"
    return sql


# The claim's locked read of its stations with their heads: the ORM compiled a join and a
# subquery per claim (docs/PERFORMANCE.md, fix 35).
class StationHeads(Statement[tuple[str, Converters]]):
    """The locked read of a claim's stations (`locked`), built per connection and number of
    stations; run it inside the claim's transaction."""

    def __init__(self) -> None:
        super().__init__(Asset)

    def _build(self, connection: BaseDatabaseWrapper, count: int) -> tuple[str, Converters]:
        return _heads_sql(connection, count), field_converters(_fields(), connection)

    def locked(self, asset_ids: Sequence[Any]) -> list[StationHead]:
        if not asset_ids:
            return []
        connection, (sql, converters) = self._connection_and_built(len(asset_ids))
        key = Asset._meta.pk
        params: list[Any] = [CallState.SENT.value, CallState.QUEUED.value]
        params += [key.get_db_prep_value(asset_id, connection) for asset_id in asset_ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [StationHead(*converted(row, converters, connection)) for row in rows]


STATION_HEADS = StationHeads()


# The look for queued calls before a claim, after every answer (docs/PERFORMANCE.md, fix 36).
class StationsWithQueued(Statement[tuple[str, Converters]]):
    """Which of the given stations have a call queued (`among`): the look before a claim,
    after every answer. Built per connection and number of stations."""

    def __init__(self) -> None:
        super().__init__(OcppCall)
        self.asset = concrete_field(OcppCall, "asset")

    def _build(self, connection: BaseDatabaseWrapper, count: int) -> tuple[str, Converters]:
        quote = connection.ops.quote_name
        asset, state = (
            quote(column_of(self.asset)),
            quote(column_of(concrete_field(OcppCall, "state"))),
        )
        sql = (
            f"SELECT DISTINCT {asset} FROM {quote(OcppCall._meta.db_table)} "
            f"WHERE {asset} IN ({', '.join(['%s'] * count)}) AND {state} = %s"
        )
        return sql, field_converters([self.asset], connection)

    def among(self, asset_ids: Sequence[Any]) -> set[str]:
        """The ids (as text) of the stations of `asset_ids` with a call queued."""
        if not asset_ids:
            return set()
        connection, (sql, converters) = self._connection_and_built(len(asset_ids))
        params = [self.asset.get_db_prep_value(asset_id, connection) for asset_id in asset_ids]
        params.append(CallState.QUEUED.value)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {str(converted(row, converters, connection)[0]) for row in rows}


STATIONS_WITH_QUEUED = StationsWithQueued()

# What a claim reads of its head calls (enough to send each, mark it sent and log its frame):
# a queryset compiled per claim (docs/PERFORMANCE.md, fix 35).
QUEUED_CALLS = RowsIn(
    OcppCall,
    "id",
    where=["state"],
    columns=[
        "id",
        "asset",
        "connection",
        "message_id",
        "action",
        "payload",
        "state",
        "timeout_seconds",
        "created_at",  # for the time it waited queued (observability.calls)
        "sent_at",
        "deadline_at",
    ],
)

# The claim's UPDATE marking its calls sent, one per call in one round trip, where the ORM
# compiled an UPDATE with a subquery per claim (docs/PERFORMANCE.md, fix 35).
MARK_SENT = RowUpdate(OcppCall, ["state", "sent_at", "deadline_at", "connection"])


# --- The answer to a call, and the synchronous request waiting for it ----------------------

# An answer's read of its stations' outstanding calls (docs/PERFORMANCE.md, fix 36).
OUTSTANDING_CALLS = RowsIn(
    OcppCall,
    "asset",
    where=["state"],
    # The protocol and action name the response schema the answer is checked against.
    columns=["asset", "message_id", "action", "protocol", "reply_channel", "sent_at"],
)


# An answer's conditional UPDATE, only while the call is still sent, one per kind of answer
# (result, invalid result, error): the ORM compiled it per answer (docs/PERFORMANCE.md,
# fix 36).
@functools.cache
def answer_store(columns: tuple[str, ...]) -> ValuesUpdate:
    return ValuesUpdate(OcppCall, columns, where=["id", "state"])


# A synchronous request's re-read of its call after every wake-up, where refresh_from_db
# compiled it each time (docs/PERFORMANCE.md, fix 36).
CALL_BY_ID = RowSelect(OcppCall, ["id"])

# Every call the API queues is one INSERT, where save() compiled it each time
# (docs/PERFORMANCE.md, fix 33).
CALL_INSERT = RowInsert(OcppCall)

# --- The frame log -------------------------------------------------------------------------

# Every frame in or out is logged, one INSERT for a group of them, where bulk_create compiled
# it each time (docs/PERFORMANCE.md, fix 35).
FRAME_INSERT = RowInsert(OcppFrame)
