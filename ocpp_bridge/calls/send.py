"""The one path every caller (REST API, admin, web console) uses to command a station."""

from typing import Any

from django.conf import settings

from assets.models import Asset
from ocpp_bridge.calls.create import ocpp_call_create
from ocpp_bridge.calls.waiting import new_reply_channel, ocpp_call_wait
from ocpp_bridge.models import OcppCall


def ocpp_call_send(
    *,
    asset: Asset,
    action: str,
    payload: dict[str, Any],
    wait: bool,
    message_id: str | None = None,
    source: str = "api",
    requested_by: Any = None,
    timeout: float | None = None,
) -> OcppCall:
    """Queue a call and, with `wait`, block until it is final (answered, error, timed out,
    failed) or its turn plus timeout has passed. Must not run inside a transaction when
    waiting: delivery starts when the call's row is committed.

    Raises CallRefusedError when the call cannot be queued.
    """
    timeout = timeout or settings.OCPP_CALL_TIMEOUT
    channel = new_reply_channel() if wait else ""
    call = ocpp_call_create(
        asset=asset,
        action=action,
        payload=payload,
        message_id=message_id,
        is_async=not wait,
        source=source,
        requested_by=requested_by,
        reply_channel=channel,
        timeout=timeout,
    )
    if not wait:
        return call
    return ocpp_call_wait(call, channel=channel, timeout=timeout + settings.OCPP_SYNC_QUEUE_WAIT)
