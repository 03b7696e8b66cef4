"""Cost calls to a station, queued in the caller's transaction."""

import logging
from typing import Any

from assets.models import Asset
from ocpp_bridge.calls.create import CALL_ASSET_FIELDS, CallRefusedError
from ocpp_bridge.calls.send import ocpp_call_send

logger = logging.getLogger(__name__)

COST_CALL_SOURCE = "session_cost"


def cost_call_queue(*, asset_id: Any, action: str, payload: dict[str, Any]) -> None:
    """Queue an async call; it is delivered after the caller's transaction commits. A station
    that cannot be called now (it went away meanwhile) is skipped: a cost is only worth
    showing when it is current, and the next one will be."""
    asset = Asset.objects.only(*CALL_ASSET_FIELDS).get(pk=asset_id)
    try:
        ocpp_call_send(
            asset=asset, action=action, payload=payload, wait=False, source=COST_CALL_SOURCE
        )
    except CallRefusedError as error:
        logger.info("%s not sent to %s: %s", action, asset.identity, error.message)
