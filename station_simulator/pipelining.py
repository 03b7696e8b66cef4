"""The ``pipelined`` quirk: CALLs that go out without waiting for the previous answer.

OCPP-J says a station has one CALL in flight at a time; many real stations send their status
and meter messages as they happen anyway.  The ``ocpp`` package awaits each call under a lock,
so these frames are written directly and their answers caught before its router sees them.
"""

from __future__ import annotations

from typing import Any

from ocpp.charge_point import remove_nones, serialize_as_dict, snake_to_camel_case
from ocpp.messages import Call, validate_payload

from .config import StationConfig
from .link import _ERROR, _RESULT, OcppLink, _peek
from .quirks import applicable

# What a pipelining station sends without waiting: nothing it needs the answer of.
_FIRE_AND_FORGET = frozenset({"Heartbeat", "StatusNotification", "MeterValues"})


class PipelinedLink(OcppLink):
    """An :class:`OcppLink` that knows its quirks and may pipeline (see the module)."""

    def __init__(self, config: StationConfig) -> None:
        super().__init__(config)
        self.quirks = applicable(config.quirks, self.protocol)
        # unique id -> action of the pipelined CALLs not answered yet
        self._pipelined: dict[str, str] = {}

    def has(self, quirk: str) -> bool:
        """True when this station plays ``quirk``."""
        return quirk in self.quirks

    def _pipelines(self, payload: Any) -> bool:
        action = type(payload).__name__
        if action == "TransactionEvent":
            return getattr(payload, "event_type", None) == "Updated" and self.has("pipelined")
        return action in _FIRE_AND_FORGET and self.has("pipelined")

    async def send_call(self, payload: Any) -> Any | None:
        """As :meth:`OcppLink.send_call`; a pipelined CALL returns None at once."""
        if not self._pipelines(payload):
            return await super().send_call(payload)
        message = Call(
            unique_id=str(self._unique_id_generator()),
            action=type(payload).__name__,
            payload=remove_nones(snake_to_camel_case(serialize_as_dict(payload))),
        )
        await validate_payload(message, self._ocpp_version)
        self._pipelined[message.unique_id] = message.action
        # Not under the call lock: it may leave while another CALL awaits its answer.
        await self._send(message.to_json())
        return None

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Answers to pipelined CALLs are recorded here; the ``ocpp`` router never sees them."""
        frame = _peek(raw_msg)
        if frame is None or frame[0] not in (_RESULT, _ERROR) or frame[1] not in self._pipelined:
            await super().route_message(raw_msg)
            return
        kind, unique_id, _action, payload = frame
        action = self._pipelined.pop(unique_id)
        self._outbound.pop(unique_id, None)
        if kind == _RESULT:
            self.results.append((action, payload))
            self.report.messages_answered += 1
        else:
            self.record_error(f"{action}: {payload['errorCode']}: {payload['errorDescription']}")

    @property
    def unanswered_pipelined(self) -> int:
        """Pipelined CALLs still waiting for their answer."""
        return len(self._pipelined)
