"""OCPP 1.6 charger-initiated actions."""

from dataclasses import replace

from assets.station_reports import (
    asset_record_diagnostics_status,
    asset_record_firmware_status,
    asset_record_station_status,
    connector_record_status,
)
from charging.abandonment import sessions_end_on_connector_status, sessions_end_on_reboot
from charging.cost_to_station import final_cost_tell_v16, running_cost_tell_v16
from charging.models import SessionStatus
from charging.services import meter_values_record, session_start_v16, session_stop_v16
from ocpp_bridge.api.presenters import iso
from ocpp_bridge.charger.handlers import Payload, StationContext, handles
from ocpp_bridge.charger.handlers.common import boot_record, parse_time, power_reading_stored
from ocpp_bridge.protocol.versions import OcppVersion
from smart_charging.triggers import station_sessions_changed
from tokens.selectors import Authorization, token_authorize, token_authorize_start

V16 = OcppVersion.V16


def id_tag_info(authorization: Authorization) -> Payload:
    info: Payload = {"status": authorization.status_for_v16()}
    if authorization.group_id:
        info["parentIdTag"] = authorization.group_id[:20]
    if authorization.expires_at:
        info["expiryDate"] = iso(authorization.expires_at)
    return info


@handles("BootNotification", V16)
def boot_notification(station: StationContext, payload: Payload) -> Payload:
    info = {
        "vendor": payload["chargePointVendor"],
        "model": payload["chargePointModel"],
        "serial_number": payload.get("chargePointSerialNumber"),
        "charge_box_serial_number": payload.get("chargeBoxSerialNumber"),
        "firmware_version": payload.get("firmwareVersion"),
        "iccid": payload.get("iccid"),
        "imsi": payload.get("imsi"),
        "meter_type": payload.get("meterType"),
        "meter_serial_number": payload.get("meterSerialNumber"),
    }
    sessions_end_on_reboot(asset_id=station.asset_id)
    return boot_record(station, info, reason="")


@handles("StatusNotification", V16)
def status_notification(station: StationContext, payload: Payload) -> Payload:
    connector_id = payload["connectorId"]
    if connector_id == 0:
        asset_record_station_status(asset_id=station.asset_id, status=payload["status"])
        return {}
    at = parse_time(payload.get("timestamp"))
    connector_record_status(
        asset_id=station.asset_id,
        evse_id=connector_id,
        connector_id=1,
        status=payload["status"],
        at=at,
        error_code="" if payload["errorCode"] == "NoError" else payload["errorCode"],
        info=payload.get("info", ""),
        vendor_error_code=payload.get("vendorErrorCode", ""),
    )
    sessions_end_on_connector_status(
        asset_id=station.asset_id,
        evse_id=connector_id,
        connector_id=1,
        status=payload["status"],
        at=at,
    )
    return {}


@handles("Authorize", V16)
def authorize(station: StationContext, payload: Payload) -> Payload:
    authorization = token_authorize(id_token=payload["idTag"], network_id=station.network_id)
    return {"idTagInfo": id_tag_info(authorization)}


@handles("StartTransaction", V16)
def start_transaction(station: StationContext, payload: Payload) -> Payload:
    authorization = token_authorize_start(
        id_token=payload["idTag"],
        network_id=station.network_id,
        asset_id=station.asset_id,
        evse_id=payload["connectorId"],
    )
    # The session is recorded whatever the token's status: the station may already be charging
    # (offline start), and it will stop the transaction itself when told the tag is not Accepted.
    # Refused, it never counts as charging.
    session = session_start_v16(
        asset_id=station.asset_id,
        connector_id=payload["connectorId"],
        id_tag=payload["idTag"],
        meter_start=payload["meterStart"],
        timestamp=parse_time(payload["timestamp"]),
        reservation_id=payload.get("reservationId"),
        token_id=authorization.token_id,  # read by the authorization just now
        refused=not authorization.accepted,
        start_status=authorization.status_for_v16(),
    )
    station_sessions_changed(asset_id=station.asset_id)  # its panel shares out again
    # A repeat is answered as the start it repeats was (its session says which), even when the
    # card's state changed in between: the station and the session must agree.
    if session.start_status and session.start_status != authorization.status_for_v16():
        authorization = replace(authorization, status=session.start_status)
    return {"transactionId": int(session.transaction_id), "idTagInfo": id_tag_info(authorization)}


@handles("StopTransaction", V16)
def stop_transaction(station: StationContext, payload: Payload) -> Payload:
    session = session_stop_v16(
        asset_id=station.asset_id,
        transaction_id=payload["transactionId"],
        meter_stop=payload["meterStop"],
        timestamp=parse_time(payload["timestamp"]),
        reason=payload.get("reason", "Local"),
        id_tag=payload.get("idTag", ""),
        transaction_data=payload.get("transactionData"),
    )
    final_cost_tell_v16(asset_id=station.asset_id, session=session)
    station_sessions_changed(asset_id=station.asset_id)
    if "idTag" not in payload:
        return {}
    authorization = token_authorize(id_token=payload["idTag"], network_id=station.network_id)
    return {"idTagInfo": id_tag_info(authorization)}


@handles("MeterValues", V16)
def meter_values(station: StationContext, payload: Payload) -> Payload:
    transaction_id = payload.get("transactionId")
    session = meter_values_record(
        asset_id=station.asset_id,
        evse_id=payload["connectorId"] or None,
        transaction_id=str(transaction_id) if transaction_id is not None else None,
        meter_values=payload["meterValue"],
        v16=True,
    )
    running_cost_tell_v16(asset_id=station.asset_id, session=session)
    if session is not None and session.status == SessionStatus.ACTIVE:
        power_reading_stored(
            station,
            transaction_id=session.transaction_id,
            meter_values=payload["meterValue"],
            v16=True,
        )
    return {}


@handles("FirmwareStatusNotification", V16)
@handles("SignedFirmwareStatusNotification", V16)
def firmware_status_notification(station: StationContext, payload: Payload) -> Payload:
    asset_record_firmware_status(asset_id=station.asset_id, status=payload["status"])
    return {}


@handles("DiagnosticsStatusNotification", V16)
@handles("LogStatusNotification", V16)
def diagnostics_status_notification(station: StationContext, payload: Payload) -> Payload:
    asset_record_diagnostics_status(asset_id=station.asset_id, status=payload["status"])
    return {}
