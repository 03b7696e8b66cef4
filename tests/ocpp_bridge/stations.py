"""A station talking to the consumer in-process through Channels' WebsocketCommunicator."""

import base64
import itertools
import json
from typing import Any

from channels.testing import WebsocketCommunicator

from csms.asgi import application
from tests.conftest import STATION_PASSWORD


class FakeStation:
    """Sends frames and reads replies; message ids are counted per station."""

    def __init__(self, identity: str, protocol: str, password: str = STATION_PASSWORD) -> None:
        credentials = base64.b64encode(f"{identity}:{password}".encode()).decode()
        self.communicator = WebsocketCommunicator(
            application,
            f"/ocpp/{identity}",
            headers=[(b"authorization", f"Basic {credentials}".encode())],
            subprotocols=[protocol],
        )
        self._ids = itertools.count(1)

    async def connect(self) -> tuple[bool, Any]:
        return await self.communicator.connect()

    async def send_text(self, text: str) -> list[Any]:
        await self.communicator.send_to(text_data=text)
        return json.loads(await self.communicator.receive_from(timeout=5))

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send a CALL and return the whole reply frame."""
        message_id = str(next(self._ids))
        reply = await self.send_text(json.dumps([2, message_id, action, payload]))
        assert reply[1] == message_id, reply
        return reply

    async def close(self) -> None:
        await self.communicator.disconnect()
