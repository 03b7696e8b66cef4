"""Pure-asyncio tests of the station simulator (no Django, no real CSMS).

A tiny in-process WebSocket "CSMS" answers every station CALL with the schema-minimal
response and lets a test send CALLs to a station, which is enough to exercise the
simulator over a real socket in well under a second per test.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import uuid
from decimal import Decimal
from http import HTTPStatus
from typing import Any

import pytest
from ocpp.messages import MessageType, get_validator
from websockets.asyncio.server import Request, Response, ServerConnection, serve

from station_simulator import (
    CHARGER_INITIATED_ACTIONS,
    PROTOCOLS,
    SimulatedStation,
    StationConfig,
    build_minimal_response,
    create_station,
    csms_actions,
    minimal_response,
    run_stations,
    station_identity,
)
from station_simulator.answers import OCPP_VERSION, all_actions, request_schema

PASSWORD = "correct-horse-battery"
FAST = {
    "heartbeat_interval": 0.2,
    "meter_value_interval": 0.1,
    "transaction_duration": 0.35,
    "transaction_pause": 0.05,
    "response_timeout": 2.0,
    "time_acceleration": 60.0,
}


# The actions whose schemas carry `multipleOf`: the `ocpp` package validates them (and only
# them) with decimals, as a float's remainder is never exact.
DECIMAL_ACTIONS = ("SetChargingProfile", "RemoteStartTransaction", "GetCompositeSchedule")


def _validate(protocol: str, kind: MessageType, action: str, payload: Any) -> None:
    if action not in DECIMAL_ACTIONS:
        get_validator(kind, action, OCPP_VERSION[protocol]).validate(payload)
        return
    validator = get_validator(kind, action, OCPP_VERSION[protocol], parse_float=Decimal)
    validator.validate(json.loads(json.dumps(payload), parse_float=Decimal))


class FakeCsms:
    """Just enough CSMS: Basic auth, subprotocols, minimal answers, CALLs to stations."""

    def __init__(self, *boot_statuses: str) -> None:
        # Successive BootNotification answers; the last one repeats.
        self.boot_statuses = list(boot_statuses or ["Accepted"])
        self.connections: dict[str, tuple[ServerConnection, str]] = {}
        self.calls: list[tuple[str, str, Any]] = []
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._tx_ids = itertools.count(1)
        self.url = ""

    async def __aenter__(self) -> FakeCsms:
        self._server = await serve(
            self._handler,
            "127.0.0.1",
            0,
            subprotocols=list(PROTOCOLS),  # type: ignore[arg-type]
            process_request=self._check_auth,
        )
        port = next(iter(self._server.sockets)).getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}/ocpp"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def _check_auth(self, connection: ServerConnection, request: Request) -> Response | None:
        identity = request.path.rsplit("/", 1)[-1]
        expected = base64.b64encode(f"{identity}:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return connection.respond(HTTPStatus.UNAUTHORIZED, "bad credentials\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        assert ws.request is not None and ws.subprotocol is not None
        identity = ws.request.path.rsplit("/", 1)[-1]
        self.connections[identity] = (ws, ws.subprotocol)
        async for raw in ws:
            try:
                frame = json.loads(raw)
            except ValueError:
                await ws.send(json.dumps([4, "-1", "RpcFrameworkError", "not JSON", {}]))
                continue
            if frame[0] == 2:
                self.calls.append((identity, frame[2], frame[3]))
                answer = self._answer(ws.subprotocol, frame[2])
                await ws.send(json.dumps([3, frame[1], answer]))
            elif frame[1] in self._pending:
                self._pending.pop(frame[1]).set_result(frame)

    def _answer(self, protocol: str, action: str) -> dict[str, Any]:
        _validate(protocol, MessageType.Call, action, self.calls[-1][2])
        answer = minimal_response(protocol, action)
        if action == "BootNotification":
            status = (
                self.boot_statuses.pop(0) if len(self.boot_statuses) > 1 else self.boot_statuses[0]
            )
            answer.update(status=status, interval=1)
        if action == "StartTransaction":
            answer["transactionId"] = next(self._tx_ids)
        return answer

    async def call(self, identity: str, action: str, payload: Any) -> list[Any]:
        """Send a CALL to a station and return its reply frame."""
        unique_id = str(uuid.uuid4())
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[unique_id] = future
        await self.connections[identity][0].send(json.dumps([2, unique_id, action, payload]))
        return await asyncio.wait_for(future, 2.0)

    def sent_by(self, identity: str) -> list[tuple[str, Any]]:
        return [(action, payload) for who, action, payload in self.calls if who == identity]


_BACKGROUND: set[asyncio.Task[Any]] = set()


async def _wait_for(predicate: Any, timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


async def _started_station(csms: FakeCsms, protocol: str, **overrides: Any) -> SimulatedStation:
    identity = station_identity("T", protocol, 1)
    config = StationConfig(
        identity=identity, password=PASSWORD, protocol=protocol, url=csms.url, **FAST
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    station = create_station(config)
    task = asyncio.create_task(station.run())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    await _wait_for(lambda: station.booted.is_set() and len(station.sent) >= 1 + config.connectors)
    return station


# ---- schema-derived answers -----------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_generic_answer_of_every_csms_action_is_schema_valid(protocol: str) -> None:
    actions = csms_actions(protocol)
    assert {"DataTransfer", "TriggerMessage", "Reset"} <= actions
    for action in actions:
        _validate(protocol, MessageType.CallResult, action, minimal_response(protocol, action))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_action_sets_are_consistent_with_the_schemas(protocol: str) -> None:
    charger = CHARGER_INITIATED_ACTIONS[protocol]
    assert charger <= all_actions(protocol)
    assert charger & csms_actions(protocol) == {"DataTransfer"}
    assert charger | csms_actions(protocol) == all_actions(protocol)


def test_minimal_response_prefers_accepted_and_fills_required_fields() -> None:
    schema = {
        "type": "object",
        "definitions": {"S": {"type": "string", "enum": ["Rejected", "Accepted"]}},
        "properties": {
            "status": {"$ref": "#/definitions/S"},
            "kind": {"type": "string", "enum": ["A", "B"]},
            "items": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 3}},
            "optional": {"type": "string"},
        },
        "required": ["status", "kind", "items"],
    }
    assert build_minimal_response(schema) == {"status": "Accepted", "kind": "A", "items": [3]}


def test_station_config_builds_url_and_basic_auth() -> None:
    config = StationConfig(
        identity="SIM-201-0001", password="pw", protocol="ocpp2.0.1", url="ws://h/ocpp/"
    )
    assert config.endpoint == "ws://h/ocpp/SIM-201-0001"
    token = config.handshake_headers()["Authorization"].removeprefix("Basic ")
    assert base64.b64decode(token) == b"SIM-201-0001:pw"
    with pytest.raises(ValueError):
        StationConfig(identity="x", protocol="ocpp9")


# ---- over a real socket ----------------------------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_station_answers_every_csms_action_without_call_error(protocol: str) -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await _started_station(csms, protocol)
            for action in sorted(csms_actions(protocol)):
                # The first enum value, not "Accepted": requests have no such preference.
                request = build_minimal_response(request_schema(protocol, action), preferred="")
                reply = await csms.call(station.id, action, request)
                assert reply[0] == 3, f"{action} answered {reply}"
                _validate(protocol, MessageType.CallResult, action, reply[2])
            reply = await csms.call(station.id, "NoSuchAction", {})
            assert reply[0] == 4 and reply[2] == "NotImplemented"
            await station.stop()
            assert station.report.errors == []
            assert station.answer_errors == [("NoSuchAction", "NotImplemented")]

    asyncio.run(scenario())


def test_fleet_runs_a_transaction_per_protocol_with_monotonic_meter() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            configs = [
                StationConfig(
                    identity=station_identity("F", p, 1),
                    password=PASSWORD,
                    protocol=p,
                    url=csms.url,
                    transactions=1,
                    **FAST,
                )
                for p in PROTOCOLS
            ]
            progress: list[Any] = []
            reports = await run_stations(
                configs, duration=1.2, on_progress=progress.append, progress_interval=0.3
            )
            assert [r.connected for r in reports] == [True] * 3
            assert all(r.boot_status == "Accepted" and not r.errors for r in reports), reports
            assert all(r.transactions_completed == 1 for r in reports)
            assert progress and progress[-1].finished and progress[-1].booted == 3
            flows = {
                p: [a for a, _ in csms.sent_by(c.identity) if a != "Heartbeat"]
                for p, c in zip(PROTOCOLS, configs, strict=True)
            }
            assert flows["ocpp1.6"][:7] == [
                "BootNotification",
                "StatusNotification",
                "StatusNotification",
                "Authorize",
                "StatusNotification",
                "StartTransaction",
                "StatusNotification",
            ]
            assert flows["ocpp1.6"][-2:] == ["StopTransaction", "StatusNotification"]
            for p in ("ocpp2.0.1", "ocpp2.1"):
                events = [
                    m
                    for a, m in csms.sent_by(configs[PROTOCOLS.index(p)].identity)
                    if a == "TransactionEvent"
                ]
                assert events[0]["eventType"] == "Started"
                assert (
                    events[-1]["eventType"] == "Ended"
                    and events[-1]["transactionInfo"]["stoppedReason"] == "Local"
                )
                assert [e["seqNo"] for e in events] == list(range(len(events)))
                energy = [e["meterValue"][0]["sampledValue"][0]["value"] for e in events]
                assert energy == sorted(energy) and energy[-1] > energy[0]
                assert "Heartbeat" in [
                    a for a, _ in csms.sent_by(configs[PROTOCOLS.index(p)].identity)
                ]

    asyncio.run(scenario())


def test_remote_start_and_stop_run_a_transaction() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await _started_station(csms, "ocpp2.0.1", transaction_duration=0)
            reply = await csms.call(
                station.id,
                "RequestStartTransaction",
                {"idToken": {"idToken": "T1", "type": "Central"}, "remoteStartId": 7},
            )
            assert reply[2] == {"status": "Accepted"}
            await _wait_for(lambda: any(a == "TransactionEvent" for a, _ in station.sent))
            started = next(p for a, p in station.sent if a == "TransactionEvent")
            assert (
                started["transactionInfo"]["remoteStartId"] == 7
                and started["triggerReason"] == "RemoteStart"
            )
            tx_id = started["transactionInfo"]["transactionId"]
            reply = await csms.call(station.id, "RequestStopTransaction", {"transactionId": tx_id})
            assert reply[2] == {"status": "Accepted"}
            await _wait_for(lambda: station.report.transactions_completed == 1)
            ended = [p for a, p in station.sent if a == "TransactionEvent"][-1]
            assert ended["transactionInfo"]["stoppedReason"] == "Remote"
            await station.stop()

    asyncio.run(scenario())


def test_v16_configuration_trigger_and_raw_frames() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await _started_station(csms, "ocpp1.6")
            reply = await csms.call(
                station.id, "ChangeConfiguration", {"key": "DefaultPrice", "value": "0.30"}
            )
            assert reply[2] == {"status": "Accepted"}
            reply = await csms.call(
                station.id,
                "GetConfiguration",
                {"key": ["DefaultPrice", "HeartbeatInterval", "Nope"]},
            )
            assert [k["key"] for k in reply[2]["configurationKey"]] == [
                "DefaultPrice",
                "HeartbeatInterval",
            ]
            assert reply[2]["unknownKey"] == ["Nope"]
            reply = await csms.call(
                station.id,
                "TriggerMessage",
                {"requestedMessage": "StatusNotification", "connectorId": 2},
            )
            assert reply[2] == {"status": "Accepted"}
            await _wait_for(
                lambda: (
                    station.sent[-1][0] == "StatusNotification"
                    and station.sent[-1][1]["connectorId"] == 2
                )
            )
            assert json.loads(await station.send_raw("not json at all"))[0] == 4
            assert json.loads(await station.send_raw('[2, "raw-1", "Heartbeat", {}]'))[:2] == [
                3,
                "raw-1",
            ]
            await station.stop()
            assert station.report.errors == []

    asyncio.run(scenario())


def test_refused_handshake_is_reported() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            config = StationConfig(
                identity="BAD", password="wrong", protocol="ocpp2.1", url=csms.url
            )
            (report,) = await run_stations([config], duration=1.0)
            assert not report.connected and not report.ok
            assert any("HTTP 401" in error for error in report.errors)

    asyncio.run(scenario())


def test_pending_boot_is_retried_and_boot_interval_drives_heartbeats() -> None:
    async def scenario() -> None:
        async with FakeCsms("Pending", "Accepted") as csms:
            station = await _started_station(
                csms, "ocpp1.6", heartbeat_interval=None, boot_retry_interval=0.05
            )
            boots = [status for action, status in station.results if action == "BootNotification"]
            assert [b["status"] for b in boots] == ["Pending", "Accepted"]
            assert station.report.boot_status == "Accepted"
            assert station.heartbeat_interval() == 1.0
            await station.stop()

    asyncio.run(scenario())


def test_v21_device_model_display_messages_and_tariffs() -> None:
    async def scenario() -> None:
        async with FakeCsms() as csms:
            station = await _started_station(csms, "ocpp2.1")
            hb = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
            nope = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "Nope"}}
            reply = await csms.call(
                station.id,
                "SetVariables",
                {"setVariableData": [{**hb, "attributeValue": "30"}]},
            )
            assert reply[2]["setVariableResult"][0]["attributeStatus"] == "Accepted"
            reply = await csms.call(station.id, "GetVariables", {"getVariableData": [hb, nope]})
            results = reply[2]["getVariableResult"]
            assert results[0]["attributeValue"] == "30"
            assert results[1]["attributeStatus"] == "UnknownVariable"
            message = {
                "id": 5,
                "priority": "NormalCycle",
                "message": {"format": "UTF8", "content": "Hi"},
            }
            reply = await csms.call(station.id, "SetDisplayMessage", {"message": message})
            assert reply[2] == {"status": "Accepted"}
            assert station.display_messages[5]["message"]["content"] == "Hi"  # type: ignore[attr-defined]
            for expected in ("Accepted", "Unknown"):
                reply = await csms.call(station.id, "ClearDisplayMessage", {"id": 5})
                assert reply[2] == {"status": expected}
            tariff = {"tariffId": "T1", "currency": "EUR"}
            reply = await csms.call(station.id, "SetDefaultTariff", {"evseId": 0, "tariff": tariff})
            assert reply[2] == {"status": "Accepted"}
            reply = await csms.call(station.id, "ClearTariffs", {})
            assert reply[2] == {"clearTariffsResult": [{"tariffId": "T1", "status": "Accepted"}]}
            reply = await csms.call(
                station.id, "GetBaseReport", {"requestId": 9, "reportBase": "FullInventory"}
            )
            assert reply[2] == {"status": "Accepted"}
            await _wait_for(lambda: any(a == "NotifyReport" for a, _ in station.sent))
            report = next(p for a, p in station.sent if a == "NotifyReport")
            assert report["requestId"] == 9 and report["seqNo"] == 0 and report["reportData"]
            await station.stop()
            assert station.report.errors == []

    asyncio.run(scenario())
