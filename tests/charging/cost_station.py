"""A station that answers the CSMS's calls whenever they come and keeps them, so that a test
checks what the station was told (e.g. its session's cost), wherever the call fell between
its own messages."""

import json
from typing import Any

from tests.ocpp_bridge.stations import FakeStation

CALL = 2

Told = tuple[str, dict[str, Any]]


class AnsweringStation(FakeStation):
    def __init__(
        self, identity: str, protocol: str, answers: dict[str, dict[str, Any]] | None = None
    ) -> None:
        super().__init__(identity, protocol)
        self.answers = answers or {}
        self.told: list[Told] = []
        self._read = 0

    async def send_text(self, text: str) -> list[Any]:
        """Send a frame; the CSMS's calls that come before the reply are answered on the way."""
        await self.communicator.send_to(text_data=text)
        while True:
            frame = await self._receive()
            if frame[0] != CALL:
                return frame
            await self._answer(frame)

    async def next_told(self) -> Told:
        """The CSMS's next call not yet looked at, waiting for it when it has not come yet."""
        while self._read == len(self.told):
            frame = await self._receive()
            assert frame[0] == CALL, frame
            await self._answer(frame)
        self._read += 1
        return self.told[self._read - 1]

    async def _receive(self) -> list[Any]:
        return json.loads(await self.communicator.receive_from(timeout=5))

    async def _answer(self, frame: list[Any]) -> None:
        _, message_id, action, payload = frame
        self.told.append((action, payload))
        answer = self.answers.get(action, {})
        await self.communicator.send_to(text_data=json.dumps([3, message_id, answer]))
