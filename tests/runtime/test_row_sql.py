"""Statements built once (csms/runtime/row_sql/) read and write rows exactly as the ORM does, on
whichever database the suite runs (SQLite embedded, PostgreSQL in CI)."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from assets.models import Asset
from charging.models import ChargingSession
from csms.runtime.row_sql import RowInsert, RowSelect, RowsIn, RowsWhere, RowUpdate, ValuesUpdate
from ocpp_bridge.models import OcppCall

pytestmark = pytest.mark.django_db

BY_TRANSACTION = RowSelect(ChargingSession, ["asset", "transaction_id"], for_update=True)


def stored_session(asset: object) -> ChargingSession:
    return ChargingSession.objects.create(
        asset=asset,
        transaction_id="T-1",
        evse_id=2,
        id_token="TAG",
        started_at=datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=UTC),
        meter_start_wh=Decimal("1234.567"),
        energy_wh=Decimal("0.000"),
        price_per_kwh=Decimal("0.3900"),
        currency="EUR",
        charging_states=[["2026-12-01T10:00:00+00:00", "Charging"]],
        seen_seq_nos=[0, 1],
    )


def field_values(session: ChargingSession) -> dict[str, object]:
    return {field.attname: getattr(session, field.attname) for field in session._meta.fields}


def test_a_row_read_is_the_instance_the_orm_reads(make_station) -> None:
    asset = make_station("CP-R1")
    stored_session(asset)
    with transaction.atomic():
        read = BY_TRANSACTION.get(asset.pk, "T-1")
        by_orm = ChargingSession.objects.get(asset=asset, transaction_id="T-1")
    assert read is not None
    assert field_values(read) == field_values(by_orm)
    assert read.charging_states == [["2026-12-01T10:00:00+00:00", "Charging"]]  # JSON parsed
    assert read.meter_start_wh == Decimal("1234.567")
    assert read.started_at == datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert not read._state.adding  # a stored row: save() updates it


def test_no_row_reads_as_none(make_station) -> None:
    asset = make_station("CP-R2")
    stored_session(asset)
    with transaction.atomic():
        assert BY_TRANSACTION.get(asset.pk, "T-2") is None


def test_the_read_locks_the_row_where_the_database_can(make_station) -> None:
    asset = make_station("CP-R3")
    stored_session(asset)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        BY_TRANSACTION.get(asset.pk, "T-1")
    (select,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert select.endswith("FOR UPDATE") == connection.features.has_select_for_update


def test_an_update_writes_only_its_columns_and_moves_auto_now_ones(make_station) -> None:
    asset = make_station("CP-R4")
    session = stored_session(asset)
    updated_before = session.updated_at
    session.energy_wh = Decimal("5000.125")
    session.id_token = "CHANGED IN MEMORY ONLY"
    assert RowUpdate(ChargingSession, ["energy_wh", "updated_at"]).run(session) == 1
    stored = ChargingSession.objects.get(pk=session.pk)
    assert stored.energy_wh == Decimal("5000.125")
    assert stored.id_token == "TAG"
    assert stored.updated_at > updated_before
    assert stored.updated_at == session.updated_at


def test_an_update_of_a_deleted_row_reports_none_updated(make_station) -> None:
    session = stored_session(make_station("CP-R5"))
    ChargingSession.objects.filter(pk=session.pk).delete()
    assert RowUpdate(ChargingSession, ["energy_wh"]).run(session) == 0


def test_a_partial_read_loads_its_columns_in_any_order_and_defers_the_rest(make_station) -> None:
    asset = make_station("CP-R6", protocol="ocpp1.6")
    read = RowSelect(Asset, ["identity"], columns=("protocol", "identity", "id")).get("CP-R6")
    assert read is not None
    assert (read.pk, read.identity, read.protocol) == (asset.pk, "CP-R6", "ocpp1.6")
    assert read.get_deferred_fields() >= {"network_id", "password_hash"}
    assert read.network_id == asset.network_id  # loaded when asked for, as with only()


def test_an_insert_reads_back_a_generated_key_and_sets_auto_now_add(make_station) -> None:
    asset = make_station("CP-R7")
    session = ChargingSession(asset=asset, transaction_id="T-7", charging_states=[["x", "y"]])
    RowInsert(ChargingSession).run(session)
    assert session.pk is not None and not session._state.adding
    stored = ChargingSession.objects.get(pk=session.pk)
    assert (stored.transaction_id, stored.charging_states) == ("T-7", [["x", "y"]])
    assert stored.created_at == session.created_at is not None


def test_an_insert_keeps_a_python_default_key_and_raises_on_a_duplicate(make_station) -> None:
    asset = make_station("CP-R8")
    fields = dict(asset=asset, protocol="ocpp1.6", message_id="M-1", action="Reset", payload={})
    call = OcppCall(**fields)
    RowInsert(OcppCall).run(call)
    assert OcppCall.objects.get(pk=call.pk).payload == {}
    with pytest.raises(IntegrityError), transaction.atomic():
        RowInsert(OcppCall).run(OcppCall(**fields))  # same station, same message id
    assert OcppCall.objects.count() == 1


def test_rows_by_key_read_the_instances_the_orm_reads_and_filter_on_where(make_station) -> None:
    asset = make_station("CP-R9")
    calls = [
        OcppCall.objects.create(
            asset=asset, protocol="ocpp1.6", message_id=f"M-{n}", action="Reset",
            payload={"n": n}, state="queued" if n < 2 else "sent",
        )
        for n in range(3)
    ]  # fmt: skip
    statement = RowsIn(OcppCall, "id", where=["state"])
    read = statement.rows([call.pk for call in calls], "queued")
    by_orm = OcppCall.objects.filter(pk__in=[c.pk for c in calls], state="queued")
    assert sorted(map(field_values, read), key=str) == sorted(map(field_values, by_orm), key=str)
    assert {call.payload["n"] for call in read} == {0, 1}
    assert statement.rows([calls[0].pk], "queued")[0].pk == calls[0].pk  # another shape
    assert statement.rows([], "queued") == []


def test_rows_by_key_load_only_their_columns(make_station) -> None:
    asset = make_station("CP-R10", protocol="ocpp1.6")
    (read,) = RowsIn(Asset, "identity", columns=("protocol",)).rows(["CP-R10"])
    assert (read.pk, read.protocol) == (asset.pk, "ocpp1.6")  # the primary key, as only()
    assert "identity" in read.get_deferred_fields()


def test_rows_where_read_as_the_orm_in_their_order_and_limit(make_station) -> None:
    asset = make_station("CP-R17")
    starts = [datetime(2026, 12, 1, hour, tzinfo=UTC) for hour in (9, 11, 10)] + [None]
    for n, started_at in enumerate(starts):
        ChargingSession.objects.create(
            asset=asset, transaction_id=f"T-{n}", evse_id=1, started_at=started_at,
            charging_states=[[str(n)]],
        )  # fmt: skip
    ChargingSession.objects.create(asset=asset, transaction_id="T-other", evse_id=2)
    latest_first = RowsWhere(
        ChargingSession,
        ("{asset} = %s AND {evse_id} = %s", ["asset", "evse_id"]),
        order_by="{started_at} IS NULL, {started_at} DESC, {id} DESC",
        for_update=True,
    )
    with transaction.atomic():
        read = latest_first.rows(asset.pk, 1)
    by_orm = ChargingSession.objects.filter(asset=asset, evse_id=1).order_by(
        F("started_at").desc(nulls_last=True), "-pk"
    )
    assert list(map(field_values, read)) == list(map(field_values, by_orm))
    assert [s.transaction_id for s in read] == ["T-1", "T-2", "T-0", "T-3"]
    assert read[0].charging_states == [["1"]]  # JSON parsed
    limited = RowsWhere(
        ChargingSession,
        ("{asset} = %s AND {started_at} < %s", ["asset", "started_at"]),
        order_by="{started_at}",
        limit=1,
        columns=["transaction_id"],
    )
    first = limited.first(asset.pk, datetime(2026, 12, 1, 11, tzinfo=UTC))
    assert first is not None and first.transaction_id == "T-0"
    assert "energy_wh" in first.get_deferred_fields()
    assert limited.first(asset.pk, datetime(2026, 12, 1, 8, tzinfo=UTC)) is None


def test_an_update_of_many_rows_writes_each_its_own_values(make_station) -> None:
    sessions = [stored_session(make_station(f"CP-R1{n}")) for n in range(3)]
    for n, session in enumerate(sessions):
        session.energy_wh = Decimal(n * 1000)
    RowUpdate(ChargingSession, ["energy_wh"]).run_many(sessions)
    stored = {s.pk: s.energy_wh for s in ChargingSession.objects.all()}
    assert stored == {s.pk: Decimal(n * 1000) for n, s in enumerate(sessions)}


def test_an_insert_of_many_rows_reads_back_each_generated_key_in_order(make_station) -> None:
    asset = make_station("CP-R14")
    sessions = [
        ChargingSession(asset=asset, transaction_id=f"T-{n}", charging_states=[[str(n)]])
        for n in range(4)
    ]
    with CaptureQueriesContext(connection) as queries:
        RowInsert(ChargingSession).run_many(sessions)
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    for session in sessions:
        assert not session._state.adding
        stored = ChargingSession.objects.get(pk=session.pk)  # each key names its own row
        assert (stored.transaction_id, stored.charging_states) == (
            session.transaction_id,
            session.charging_states,
        )


def test_a_values_update_moves_only_rows_matching_all_of_where(make_station) -> None:
    asset = make_station("CP-R15")
    fields = dict(asset=asset, protocol="ocpp1.6", action="Reset", payload={})
    sent = OcppCall.objects.create(message_id="S", state="sent", **fields)
    done = OcppCall.objects.create(message_id="D", state="answered", **fields)
    answer = ValuesUpdate(OcppCall, ["state", "response_payload"], where=["id", "state"])
    assert answer.run(["answered", {"status": "Accepted"}], sent.pk, "sent") == 1
    assert answer.run(["answered", {"status": "Late"}], done.pk, "sent") == 0
    sent.refresh_from_db()
    done.refresh_from_db()
    assert (sent.state, sent.response_payload) == ("answered", {"status": "Accepted"})
    assert done.response_payload is None  # not in the state asked for: left as it was


def test_a_values_update_leaves_auto_now_columns_as_queryset_update_does(make_station) -> None:
    session = stored_session(make_station("CP-R16"))
    ValuesUpdate(ChargingSession, ["energy_wh"], where=["id"]).run([Decimal("7.5")], session.pk)
    stored = ChargingSession.objects.get(pk=session.pk)
    assert (stored.energy_wh, stored.updated_at) == (Decimal("7.500"), session.updated_at)


def test_a_values_update_condition_takes_its_values_converted_as_its_fields(make_station) -> None:
    session = stored_session(make_station("CP-R17"))  # started 10:00:00.123
    later_than = ValuesUpdate(
        ChargingSession,
        ["energy_wh"],
        where=["id"],
        condition=("{started_at} IS NULL OR {started_at} <= %s", ["started_at"]),
    )
    before, after = (datetime(2026, 12, 1, 10, 0, 0, ms, tzinfo=UTC) for ms in (122000, 124000))
    assert later_than.run([Decimal("1")], session.pk, before) == 0
    assert later_than.run([Decimal("2")], session.pk, after) == 1
    assert ChargingSession.objects.get(pk=session.pk).energy_wh == Decimal("2.000")


PRODUCT_PACKAGES = ("api", "assets", "charging", "csms", "networks", "ocpp_bridge", "rates",
                    "tokens", "ui", "webhooks")  # fmt: skip


@pytest.mark.django_db(databases=[])
def test_hand_built_statements_live_only_in_each_apps_statements_module() -> None:
    root = Path(__file__).resolve().parents[2]  # the project, above tests/runtime/
    importers = {
        str(path.relative_to(root))
        for package in PRODUCT_PACKAGES
        for path in (root / package).rglob("*.py")
        if "csms.runtime.row_sql" in path.read_text()
    }
    outside = {
        path
        for path in importers
        if not path.endswith("/statements.py") and not path.startswith("csms/runtime/")
    }
    assert outside == set()
    assert {path for path in importers if path.endswith("/statements.py")} == {
        "assets/statements.py",
        "charging/statements.py",
        "ocpp_bridge/statements.py",
        "tokens/statements.py",
    }
