"""What stations report about themselves is stored on the asset, for every version."""

import pytest

from assets.models import Asset, StationEvent, StationVariable
from tests.ocpp_bridge.stations import FakeStation

pytestmark = pytest.mark.django_db(transaction=True)

NOW = "2025-03-01T10:00:00Z"


@pytest.fixture
def station(make_station) -> Asset:
    return make_station("CP-1")


async def test_1_6_boot_firmware_and_diagnostics_are_stored(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp1.6")
    await client.connect()
    boot = {
        "chargePointVendor": "Acme",
        "chargePointModel": "Volt 22",
        "chargePointSerialNumber": "SN-1",
        "firmwareVersion": "1.2.3",
        "iccid": "8931",
    }
    reply = await client.call("BootNotification", boot)
    await client.call("FirmwareStatusNotification", {"status": "Installed"})
    await client.call("DiagnosticsStatusNotification", {"status": "Uploaded"})
    await client.call(
        "StatusNotification", {"connectorId": 0, "errorCode": "NoError", "status": "Available"}
    )
    await client.close()
    assert reply[2]["status"] == "Accepted" and reply[2]["interval"] == 300
    asset = await Asset.objects.aget(pk=station.pk)
    assert (asset.vendor, asset.model, asset.serial_number) == ("Acme", "Volt 22", "SN-1")
    assert (asset.firmware_version, asset.iccid) == ("1.2.3", "8931")
    assert (asset.firmware_status, asset.diagnostics_status) == ("Installed", "Uploaded")
    assert asset.station_status == "Available" and asset.last_boot_at is not None


async def test_2_0_1_reports_events_and_security_events_are_stored(station: Asset) -> None:
    client = FakeStation("CP-1", "ocpp2.0.1")
    await client.connect()
    boot = {
        "reason": "PowerUp",
        "chargingStation": {"model": "X", "vendorName": "Acme", "firmwareVersion": "2.0"},
    }
    assert (await client.call("BootNotification", boot))[2]["status"] == "Accepted"
    report = {
        "requestId": 1,
        "generatedAt": NOW,
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": "EVSE", "evse": {"id": 1}},
                "variable": {"name": "Power"},
                "variableAttribute": [
                    {"type": "MaxSet", "value": "22000", "mutability": "ReadOnly"}
                ],
            }
        ],
    }
    await client.call("NotifyReport", report)
    event = {
        "generatedAt": NOW,
        "seqNo": 0,
        "eventData": [
            {
                "eventId": 5,
                "timestamp": NOW,
                "trigger": "Delta",
                "actualValue": "Faulted",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector"},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    }
    await client.call("NotifyEvent", event)
    await client.call(
        "SecurityEventNotification", {"type": "TamperDetectionActivated", "timestamp": NOW}
    )
    await client.close()

    variable = await StationVariable.objects.aget(asset=station)
    assert (variable.component, variable.evse_id, variable.variable) == ("EVSE", 1, "Power")
    assert (variable.attribute_type, variable.value) == ("MaxSet", "22000")
    kinds = sorted([(e.kind, e.event_type) async for e in StationEvent.objects.all()])
    assert kinds == [
        ("device", "Connector.AvailabilityState"),
        ("security", "TamperDetectionActivated"),
    ]
    assert (await Asset.objects.aget(pk=station.pk)).firmware_version == "2.0"


@pytest.mark.parametrize(
    ("action", "payload", "answer"),
    [
        (
            "NotifyEVChargingNeeds",
            {"evseId": 1, "chargingNeeds": {"requestedEnergyTransfer": "DC"}},
            {"status": "Rejected"},  # no transaction on that EVSE to plan for
        ),
        (
            "Get15118EVCertificate",
            {"iso15118SchemaVersion": "x", "action": "Install", "exiRequest": "AA"},
            {"status": "Failed", "exiResponse": ""},
        ),
        ("DataTransfer", {"vendorId": "com.acme"}, {"status": "UnknownVendorId"}),
        ("ReservationStatusUpdate", {"reservationId": 1, "reservationUpdateStatus": "Expired"}, {}),
    ],
)
async def test_2_x_notifications_get_their_answers(
    station: Asset, action: str, payload: dict, answer: dict
) -> None:
    for protocol in ("ocpp2.0.1", "ocpp2.1"):
        client = FakeStation("CP-1", protocol)
        await client.connect()
        reply = await client.call(action, payload)
        await client.close()
        assert reply[0] == 3 and reply[2] == answer, (protocol, reply)
