"""Transaction messages as stations send them, for the session tests."""

from typing import Any

from tests.ocpp_bridge.stations import FakeStation


def meter_16(at: str, wh: int) -> list[dict[str, Any]]:
    return [{"timestamp": at, "sampledValue": [{"value": str(wh), "unit": "Wh"}]}]


def meter_201(at: str, kwh: float, context: str = "Sample.Periodic") -> list[dict[str, Any]]:
    return [
        {
            "timestamp": at,
            "sampledValue": [
                {
                    "value": kwh,
                    "context": context,
                    "measurand": "Energy.Active.Import.Register",
                    "unitOfMeasure": {"unit": "kWh"},
                }
            ],
        }
    ]


def tx_event(
    event_type: str,
    seq_no: int,
    at: str,
    tx: str = "TX-1",
    *,
    state: str = "",
    reason: str = "",
    **extra: Any,
) -> dict[str, Any]:
    info: dict[str, Any] = {"transactionId": tx}
    if state:
        info["chargingState"] = state
    if reason:
        info["stoppedReason"] = reason
    event = {
        "eventType": event_type,
        "timestamp": at,
        "triggerReason": "Authorized" if event_type == "Started" else "MeterValuePeriodic",
        "seqNo": seq_no,
        "transactionInfo": info,
    }
    event.update(extra)
    return event


def boot_201(reason: str = "PowerUp") -> dict[str, Any]:
    return {"reason": reason, "chargingStation": {"vendorName": "Acme", "model": "Q"}}


def boot_16() -> dict[str, Any]:
    return {"chargePointVendor": "Acme", "chargePointModel": "Q"}


async def send_all(station: FakeStation, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Send each CALL in order; every one must be answered with a CALLRESULT."""
    replies = []
    for action, payload in calls:
        reply = await station.call(action, payload)
        assert reply[0] == 3, reply
        replies.append(reply[2])
    return replies


def start_16(connector: int, tag: str, meter_start: int, at: str) -> dict[str, Any]:
    return {"connectorId": connector, "idTag": tag, "meterStart": meter_start, "timestamp": at}


def stop_16(tx_id: int, meter_stop: int, at: str, reason: str = "Local") -> dict[str, Any]:
    return {"transactionId": tx_id, "meterStop": meter_stop, "timestamp": at, "reason": reason}


def readings_16(tx_id: int, at: str, wh: int, connector: int = 1) -> dict[str, Any]:
    return {"connectorId": connector, "transactionId": tx_id, "meterValue": meter_16(at, wh)}


def status_16(connector: int, status: str, at: str) -> dict[str, Any]:
    return {"connectorId": connector, "errorCode": "NoError", "status": status, "timestamp": at}


def status_2x(evse: int, status: str, at: str, connector: int = 1) -> dict[str, Any]:
    return {"timestamp": at, "connectorStatus": status, "evseId": evse, "connectorId": connector}


def id_token(token: str) -> dict[str, str]:
    return {"idToken": token, "type": "ISO14443"}
