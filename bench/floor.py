"""The floor: the least a CSMS must do, in one asyncio process with no database.

OCPP 1.6 stations on a websockets server, each a `ocpp.v16.ChargePoint` (schema validation
included) answering Boot, Heartbeat, StatusNotification, MeterValues and Start/StopTransaction;
and a tiny HTTP/1.1 endpoint `POST /raw-request` taking the CSMS's raw-request body: with
`"async": false` it sends the CALL to the connected station and returns its answer, with
`"async": true` it returns at once and sends the call in the background (one outstanding call
per station, as `ChargePoint.call` locks). `GET /stats` counts the background answers.

    .venv/bin/python bench/floor.py --ws-port 9001 --http-port 9002
"""

import argparse
import asyncio
import dataclasses
import itertools
import json
from datetime import UTC, datetime
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

stations: dict[str, "FloorChargePoint"] = {}
transaction_ids = itertools.count(1)
background = {"answered": 0, "failed": 0}
tasks: set[asyncio.Task[None]] = set()


def now() -> str:
    return datetime.now(UTC).isoformat()


class FloorChargePoint(ChargePoint):
    @on(Action.boot_notification)
    def on_boot(self, **_: Any) -> call_result.BootNotification:
        return call_result.BootNotification(now(), 300, RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self) -> call_result.Heartbeat:
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    def on_status(self, **_: Any) -> call_result.StatusNotification:
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, **_: Any) -> call_result.MeterValues:
        return call_result.MeterValues()

    @on(Action.start_transaction)
    def on_start(self, **_: Any) -> call_result.StartTransaction:
        return call_result.StartTransaction(next(transaction_ids), {"status": "Accepted"})

    @on(Action.stop_transaction)
    def on_stop(self, **_: Any) -> call_result.StopTransaction:
        return call_result.StopTransaction()


async def station_handler(ws: ServerConnection) -> None:
    identity = ws.request.path.rsplit("/", 1)[-1] if ws.request else ""
    station = FloorChargePoint(identity, ws)
    stations[identity] = station
    try:
        await station.start()
    except ConnectionClosed:
        pass
    finally:
        if stations.get(identity) is station:
            del stations[identity]


async def relay(body: dict[str, Any]) -> dict[str, Any]:
    """Send the raw request's CALL to its station and return the answer's payload."""
    station = stations[body["assetId"]]
    payload = getattr(call, body["action"])(**camel_to_snake_case(body.get("payload", {})))
    result = await station.call(payload)
    return snake_to_camel_case(dataclasses.asdict(result))


async def relay_later(body: dict[str, Any]) -> None:
    try:
        await relay(body)
        background["answered"] += 1
    except Exception:
        background["failed"] += 1


async def route(method: str, path: str, body: bytes) -> tuple[int, Any]:
    if method == "GET" and path == "/stats":
        return 200, {**background, "stations": len(stations)}
    if method != "POST" or path != "/raw-request":
        return 404, {"error": "not found"}
    request = json.loads(body)
    if request["assetId"] not in stations:
        return 409, {"error": "station_not_connected"}
    if request.get("async", True):
        task = asyncio.create_task(relay_later(request))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return 200, {"status": "queued"}
    return 200, {"response": await relay(request)}


async def http_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """HTTP/1.1 with keep-alive, just enough for a benchmark client."""
    try:
        while head := await reader.readuntil(b"\r\n\r\n"):
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = dict(line.split(":", 1) for line in lines[1:] if ":" in line)
            length = int(headers.get("Content-Length", headers.get("content-length", "0")))
            body = await reader.readexactly(length) if length else b""
            status, answer = await route(method, path, body)
            data = json.dumps(answer).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(ws_port: int, http_port: int) -> None:
    http = await asyncio.start_server(http_connection, "127.0.0.1", http_port, backlog=1024)
    async with serve(
        station_handler,
        "127.0.0.1",
        ws_port,
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        compression=None,
        backlog=1024,
    ) as server:
        print("ready", flush=True)
        async with http:
            await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ws-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(main(args.ws_port, args.http_port))
