"""What is decided about a station's frame before the database is touched: does it parse, is
it answered, may this station send it, is its payload valid."""

import logging

from assets.models import RegistrationStatus
from observability.logs import station_message
from ocpp_bridge.charger.handlers import Handler, Payload, StationContext, handler_for
from ocpp_bridge.charger.handlers.common import pending_may_send
from ocpp_bridge.protocol.errors import ErrorCode, OcppError
from ocpp_bridge.protocol.framing import SEND, Call, Frame, FrameError, parse_frame
from ocpp_bridge.protocol.validation import UnknownActionError, validate_payload

logger = logging.getLogger(__name__)


def parsed(station: StationContext, text: str) -> Frame | None:
    try:
        return parse_frame(text, station.version)
    except FrameError:
        return None


def is_answerable(call: Call) -> bool:
    return call.message_type != SEND  # a SEND (2.1) is never answered


def answerable_call(station: StationContext, text: str) -> Call | None:
    """The CALL in `text` if it parses and is answered (a CALL, not a SEND). No database."""
    frame = parsed(station, text)
    return frame if isinstance(frame, Call) and is_answerable(frame) else None


def checked_handler(station: StationContext, call: Call) -> Handler:
    """The handler of a CALL the station may send and that is valid; OcppError otherwise.
    Touches no database."""
    handler = handler_for(station.version, call.action)
    if handler is None:
        raise _unhandled(station, call.action)
    if (
        station.registration_status == RegistrationStatus.REJECTED
        and call.action != "BootNotification"
    ):
        raise OcppError(
            ErrorCode.SECURITY_ERROR, "The station is not accepted: send a BootNotification"
        )
    if station.registration_status == RegistrationStatus.PENDING and not pending_may_send(
        station, call.action
    ):
        raise OcppError(
            ErrorCode.SECURITY_ERROR,
            f"The station is Pending: {call.action} was not requested with TriggerMessage",
        )
    validate_payload(station.version, call.action, call.payload)
    return handler


def handler_or_none(station: StationContext, call: Call) -> Handler | None:
    try:
        return checked_handler(station, call)
    except OcppError:
        return None  # answered with its error on the usual path


def run_handler(station: StationContext, call: Call, handler: Handler) -> Payload:
    """The handler's response, valid against the action's response schema; InternalError
    (as OcppError) when the handler fails or answers outside the schema. A SEND (2.1) is
    never answered, so it has no response schema to check against."""
    # The station and message on the handler's log lines (a set and reset: this is per message).
    handled = station_message.set((station.identity, call.message_id))
    try:
        response = handler(station, call.payload)
        if is_answerable(call):
            validate_payload(station.version, call.action, response, response=True)
    except Exception:
        logger.exception("Handling %s from %s failed", call.action, station.identity)
        raise OcppError(
            ErrorCode.INTERNAL_ERROR, f"The CSMS failed to process {call.action}"
        ) from None
    finally:
        station_message.reset(handled)
    return response


def _unhandled(station: StationContext, action: str) -> OcppError:
    try:
        validate_payload(station.version, action, {})
    except UnknownActionError:
        return OcppError(
            ErrorCode.NOT_IMPLEMENTED,
            f"{action} is not an action of {station.version.value}",
        )
    except OcppError:
        pass
    return OcppError(
        ErrorCode.NOT_SUPPORTED, f"{action} is sent by the CSMS, not by a charging station"
    )
