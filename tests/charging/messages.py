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
