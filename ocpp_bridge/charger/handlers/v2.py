"""OCPP 2.0.1 charger-initiated actions; 2.1 shares them (its additions are in v21.py)."""

from typing import Any

from assets.models import StationVariable
from assets.station_reports import (
    asset_record_diagnostics_status,
    asset_record_firmware_status,
    connector_record_status,
    station_event_record,
    station_variables_record,
)
from charging.abandonment import sessions_end_on_connector_status
from charging.cost_to_station import total_cost_answer
from charging.models import SessionStatus
from charging.services import meter_values_record
from charging.transaction_events import TransactionEvent, transaction_event_record
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.charger.handlers import V2, Payload, StationContext, handles
from ocpp_bridge.charger.handlers.common import boot_record, parse_time, power_reading_stored
from ocpp_bridge.protocol.masking import reported_secrets_masked
from smart_charging.ev_charging import ev_charging_needs_record, ev_charging_schedule_check
from smart_charging.installed_profiles import reported_profiles_record
from smart_charging.triggers import station_sessions_changed
from tokens.selectors import Authorization, token_authorize


def id_token_info(authorization: Authorization) -> Payload:
    info: Payload = {"status": authorization.status}
    if authorization.group_id:
        info["groupIdToken"] = {"idToken": authorization.group_id[:36], "type": "Central"}
    if authorization.expires_at:
        info["cacheExpiryDateTime"] = iso(authorization.expires_at)
    return info


@handles("BootNotification", *V2)
def boot_notification(station: StationContext, payload: Payload) -> Payload:
    charging_station = payload["chargingStation"]
    modem = charging_station.get("modem") or {}
    info = {
        "vendor": charging_station["vendorName"],
        "model": charging_station["model"],
        "serial_number": charging_station.get("serialNumber"),
        "firmware_version": charging_station.get("firmwareVersion"),
        "iccid": modem.get("iccid"),
        "imsi": modem.get("imsi"),
    }
    return boot_record(station, info, reason=payload["reason"])


@handles("StatusNotification", *V2)
def status_notification(station: StationContext, payload: Payload) -> Payload:
    report = {
        "asset_id": station.asset_id,
        "evse_id": payload["evseId"],
        "connector_id": payload["connectorId"],
        "status": payload["connectorStatus"],
        "at": parse_time(payload["timestamp"]),
    }
    connector_record_status(**report)
    sessions_end_on_connector_status(**report, starts_before_cable=True)
    return {}


@handles("Authorize", *V2)
def authorize(station: StationContext, payload: Payload) -> Payload:
    authorization = token_authorize(
        id_token=payload["idToken"]["idToken"], network_id=station.network_id
    )
    return {"idTokenInfo": id_token_info(authorization)}


@handles("TransactionEvent", *V2)
def transaction_event(station: StationContext, payload: Payload) -> Payload:
    info = payload["transactionInfo"]
    evse = payload.get("evse") or {}
    id_token = (payload.get("idToken") or {}).get("idToken", "")
    event = TransactionEvent(
        event_type=payload["eventType"],
        timestamp=parse_time(payload["timestamp"]),
        seq_no=payload["seqNo"],
        transaction_id=info["transactionId"],
        trigger_reason=payload["triggerReason"],
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        id_token=id_token,
        charging_state=info.get("chargingState", ""),
        stopped_reason=info.get("stoppedReason", ""),
        remote_start_id=info.get("remoteStartId"),
        reservation_id=payload.get("reservationId"),
    )
    outcome = transaction_event_record(
        asset_id=station.asset_id,
        event=event,
        meter_values=payload.get("meterValue", []),
        network_id=station.network_id,
    )
    if event.event_type != "Updated" or event.trigger_reason == "ChargingStateChanged":
        station_sessions_changed(asset_id=station.asset_id)  # its panel shares out again
    elif outcome.session.status == SessionStatus.ACTIVE:
        power_reading_stored(
            station,
            transaction_id=event.transaction_id,
            meter_values=payload.get("meterValue", []),
            v16=False,
        )
    cost = total_cost_answer(
        session=outcome.session,
        version=station.version,
        event_type=event.event_type,
        offline=payload.get("offline", False),
    )
    if outcome.authorization is None:
        return cost
    return {"idTokenInfo": id_token_info(outcome.authorization), **cost}


@handles("MeterValues", *V2)
def meter_values(station: StationContext, payload: Payload) -> Payload:
    meter_values_record(
        asset_id=station.asset_id,
        evse_id=payload["evseId"] or None,
        transaction_id=None,
        meter_values=payload["meterValue"],
        v16=False,
    )
    return {}


@handles("FirmwareStatusNotification", *V2)
@handles("PublishFirmwareStatusNotification", *V2)
def firmware_status_notification(station: StationContext, payload: Payload) -> Payload:
    asset_record_firmware_status(asset_id=station.asset_id, status=payload["status"])
    return {}


@handles("LogStatusNotification", *V2)
def log_status_notification(station: StationContext, payload: Payload) -> Payload:
    asset_record_diagnostics_status(asset_id=station.asset_id, status=payload["status"])
    return {}


@handles("NotifyEvent", *V2)
def notify_event(station: StationContext, payload: Payload) -> Payload:
    for event in payload["eventData"]:
        station_event_record(
            asset_id=station.asset_id,
            kind="device",
            event_type=f"{event['component']['name']}.{event['variable']['name']}",
            occurred_at=parse_time(event["timestamp"]),
            tech_info=event.get("techInfo", ""),
            details=event,
        )
    return {}


@handles("NotifyReport", *V2)
def notify_report(station: StationContext, payload: Payload) -> Payload:
    """The reported variables, stored in one statement (a full report holds hundreds), write-
    only values a station reported anyway masked."""
    rows = [
        StationVariable(
            asset_id=station.asset_id,
            **_variable_key(report, attribute),
            value=attribute.get("value", ""),
            mutability=attribute.get("mutability", ""),
            characteristics=report.get("variableCharacteristics"),
        )
        for report in reported_secrets_masked(payload).get("reportData", [])
        for attribute in report["variableAttribute"]
    ]
    station_variables_record(rows, update_fields=["value", "mutability", "characteristics"])
    return {}


def _variable_key(report: dict[str, Any], attribute: dict[str, Any]) -> dict[str, Any]:
    component, variable = report["component"], report["variable"]
    evse = component.get("evse") or {}
    return {
        "component": component["name"],
        "component_instance": component.get("instance", ""),
        "evse_id": evse.get("id", 0),
        "connector_id": evse.get("connectorId", 0),
        "variable": variable["name"],
        "variable_instance": variable.get("instance", ""),
        "attribute_type": attribute.get("type", "Actual"),
    }


# Notifications whose content the frame log keeps; the answer carries nothing.
for _action in (
    "ClearedChargingLimit",
    "NotifyChargingLimit",
    "NotifyCustomerInformation",
    "NotifyDisplayMessages",
    "NotifyMonitoringReport",
    "ReservationStatusUpdate",
):
    handles(_action, *V2)(lambda station, payload: {})


@handles("ReportChargingProfiles", *V2)
def report_charging_profiles(station: StationContext, payload: Payload) -> Payload:
    reported_profiles_record(
        asset_id=station.asset_id,
        request_id=payload["requestId"],
        evse_id=payload["evseId"],
        source=payload["chargingLimitSource"],
        profiles=payload["chargingProfile"],
        last=not payload.get("tbc", False),
    )
    return {}


@handles("NotifyEVChargingNeeds", *V2)
def notify_ev_charging_needs(station: StationContext, payload: Payload) -> Payload:
    needs = payload["chargingNeeds"]
    evse_id = payload["evseId"]
    return {
        "status": ev_charging_needs_record(asset_id=station.asset_id, evse_id=evse_id, needs=needs)
    }


@handles("NotifyEVChargingSchedule", *V2)
def notify_ev_charging_schedule(station: StationContext, payload: Payload) -> Payload:
    status = ev_charging_schedule_check(
        asset_id=station.asset_id, evse_id=payload["evseId"], schedule=payload["chargingSchedule"]
    )
    return {"status": status}


@handles("Get15118EVCertificate", *V2)
def get_15118_ev_certificate(station: StationContext, payload: Payload) -> Payload:
    # No contract-certificate pool (V2G PKI) is connected to this CSMS.
    return {"status": "Failed", "exiResponse": ""}


@handles("GetCertificateStatus", *V2)
def get_certificate_status(station: StationContext, payload: Payload) -> Payload:
    # No OCSP responder is configured; Failed tells the station to use its own cached status.
    return {"status": "Failed"}
