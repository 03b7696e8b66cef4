"""Polling for what other processes do, for tests that cannot be told when it happened."""

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_for(condition: Callable[[], Awaitable[bool]], timeout: float = 20) -> bool:
    """True as soon as `condition()` is; False if it still is not after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.1)
    return False
