"""Charger-initiated actions that OCPP 2.1 adds to the 2.0.1 set."""

from ocpp_bridge.charger.handlers import Payload, StationContext, handles
from ocpp_bridge.protocol.versions import OcppVersion

V21 = OcppVersion.V21

# Reports and notifications kept by the frame log; nothing further to answer.
for _action in (
    "BatterySwap",
    "ClosePeriodicEventStream",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPeriodicEventStream",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "ReportDERControl",
):
    handles(_action, V21)(lambda station, payload: {})


@handles("OpenPeriodicEventStream", V21)
def open_periodic_event_stream(station: StationContext, payload: Payload) -> Payload:
    return {"status": "Accepted"}


@handles("PullDynamicScheduleUpdate", V21)
def pull_dynamic_schedule_update(station: StationContext, payload: Payload) -> Payload:
    # No dynamic charging profiles are managed here yet.
    return {"status": "Rejected"}


@handles("VatNumberValidation", V21)
def vat_number_validation(station: StationContext, payload: Payload) -> Payload:
    # No VAT registry is connected: the number can't be confirmed.
    answer: Payload = {"vatNumber": payload["vatNumber"], "status": "Rejected"}
    if "evseId" in payload:
        answer["evseId"] = payload["evseId"]
    return answer


@handles("GetCertificateChainStatus", V21)
def get_certificate_chain_status(station: StationContext, payload: Payload) -> Payload:
    # No OCSP responder is configured: every certificate's status is unknown to us.
    return {
        "certificateStatus": [
            {
                "certificateHashData": request["certificateHashData"],
                "source": request["source"],
                "status": "Failed",
                "nextUpdate": "1970-01-01T00:00:00Z",
            }
            for request in payload["certificateStatusRequests"]
        ]
    }
