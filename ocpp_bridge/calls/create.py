"""Validate and queue a CSMS-initiated call."""

import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from assets.models import Asset
from ocpp_bridge.calls.delivery_requests import delivery_request
from ocpp_bridge.models import OcppCall
from ocpp_bridge.protocol.errors import OcppError
from ocpp_bridge.protocol.framing import MAX_MESSAGE_ID_LENGTH, encode_call
from ocpp_bridge.protocol.validation import validate_payload
from ocpp_bridge.protocol.versions import OcppVersion, csms_initiated
from ocpp_bridge.statements import CALL_INSERT

# The columns of a station that queueing a call reads (a caller may load only these).
CALL_ASSET_FIELDS = ("id", "identity", "network_id", "protocol", "current_connection_id")
# The largest message daphne passes through a WebSocket (its default): a larger outgoing frame
# crashed the consumer holding the station's socket and dropped the station (close 1011).
TRANSPORT_MAX_FRAME_BYTES = 1024 * 1024


class CallRefusedError(Exception):
    """The call cannot be made; `code` is the API's machine-readable reason."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


def station_version(asset: Asset) -> OcppVersion:
    """The version the station speaks now; refused when it is not connected."""
    check_connected(asset)
    return OcppVersion(asset.protocol)


def check_connected(asset: Asset) -> None:
    if asset.current_connection_id is None or not asset.protocol:
        raise CallRefusedError(
            "station_not_connected", f"Station {asset.identity} is not connected."
        )


def check_call(asset: Asset, action: str, payload: dict[str, Any]) -> OcppVersion:
    """Raise CallRefusedError unless `action` with `payload` may be sent to the station now.

    The request is judged against the protocol the station last spoke before its connection
    is looked at, so a bad request is a 400 whether or not the station is online.
    """
    if not asset.protocol:
        check_connected(asset)  # never connected: nothing to judge the request against
    version = OcppVersion(asset.protocol)
    if action not in csms_initiated(version):
        raise CallRefusedError(
            "unsupported_action",
            f"{action} is not a CSMS-to-station action of {version.value}.",
            {"protocol": version.value},
        )
    try:
        validate_payload(version, action, payload)
    except OcppError as error:
        raise CallRefusedError(
            "invalid_payload",
            f"payload.{error.description}",
            {"field": f"payload.{error.details['field']}".rstrip(".")},
        ) from None
    check_frame_size(action, payload)
    check_connected(asset)
    return version


def max_outgoing_frame_bytes() -> int:
    """What a station is assumed to take: what the CSMS itself takes from stations
    (OCPP_MAX_FRAME_BYTES), never more than the transport carries."""
    return min(settings.OCPP_MAX_FRAME_BYTES, TRANSPORT_MAX_FRAME_BYTES)


def check_frame_size(action: str, payload: dict[str, Any]) -> None:
    """Refused before queueing: a frame the station cannot take would only fail on the socket.
    Measured with the longest message id, as UTF-8 (what goes over the wire)."""
    size = len(encode_call("x" * MAX_MESSAGE_ID_LENGTH, action, payload).encode())
    limit = max_outgoing_frame_bytes()
    if size > limit:
        raise CallRefusedError(
            "payload_too_large",
            f"The {action} frame would be {size} bytes; a station takes at most {limit}.",
            {"field": "payload", "size": size, "limit": limit},
        )


def check_message_id(message_id: str) -> None:
    if not message_id or len(message_id) > MAX_MESSAGE_ID_LENGTH:
        raise CallRefusedError(
            "invalid_request_id",
            f"requestId must be 1 to {MAX_MESSAGE_ID_LENGTH} characters.",
            {"field": "requestId"},
        )


def duplicate_message_id(asset: Asset, message_id: str) -> CallRefusedError:
    return CallRefusedError(
        "duplicate_request_id",
        f"requestId {message_id!r} was already used for station {asset.identity}.",
        {"field": "requestId"},
    )


def _insert(call: OcppCall) -> None:
    """Store a new call. Alone (an API request), its one INSERT commits by itself: no BEGIN and
    COMMIT round trips. In the caller's transaction, it gets a savepoint, so that a duplicate
    id leaves that transaction usable."""
    if not transaction.get_connection().in_atomic_block:
        CALL_INSERT.run(call)
        return
    with transaction.atomic():
        CALL_INSERT.run(call)


def ocpp_call_create(
    *,
    asset: Asset,
    action: str,
    payload: dict[str, Any],
    message_id: str | None = None,
    is_async: bool = True,
    source: str = "api",
    requested_by: Any = None,
    reply_channel: str = "",
    timeout: float | None = None,
) -> OcppCall:
    """Queue a call to the station; its delivery is enqueued when the transaction commits.

    Raises CallRefusedError (station not connected, unsupported action, invalid payload,
    payload too large, invalid or already used message id).
    """
    if message_id is not None:
        check_message_id(message_id)
        if OcppCall.objects.filter(asset=asset, message_id=message_id).exists():
            raise duplicate_message_id(asset, message_id)
    version = check_call(asset, action, payload)
    message_id = message_id or str(uuid.uuid4())
    call = OcppCall(
        asset=asset,
        connection_id=asset.current_connection_id,
        protocol=version.value,
        message_id=message_id,
        action=action,
        payload=payload,
        is_async=is_async,
        source=source,
        requested_by=requested_by,
        reply_channel=reply_channel,
        timeout_seconds=timeout or settings.OCPP_CALL_TIMEOUT,
    )
    try:
        _insert(call)
    except IntegrityError:  # the same id raced in from another request
        raise duplicate_message_id(asset, message_id) from None
    transaction.on_commit(lambda: delivery_request(str(asset.pk), caller_waits=not is_async))
    return call
