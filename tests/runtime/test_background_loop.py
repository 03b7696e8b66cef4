"""Sync code outside any server loop reaches the channel layer through one loop that lives as
long as the process (csms/runtime/background_loop.py)."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from csms.runtime.background_loop import channel_layer_do, run_on_background_loop
from tests.servers import unavailable


async def _current_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_every_call_from_every_thread_runs_on_the_same_living_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    def call() -> None:
        loops.append(run_on_background_loop(_current_loop()))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    call()
    assert len(set(map(id, loops))) == 1
    assert loops[0].is_running() and not loops[0].is_closed()


def test_an_error_reaches_the_caller() -> None:
    async def fail() -> None:
        raise LookupError("no such channel")

    with pytest.raises(LookupError, match="no such channel"):
        run_on_background_loop(fail())


def test_a_send_from_sync_code_reaches_the_channel() -> None:
    """On Redis through the background loop (its one pool), embedded through async_to_sync."""
    if not settings.REDIS_URL:
        unavailable("the background loop serves the Redis channel layer: needs REDIS_URL")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)("background-test.")
    for n in range(3):
        channel_layer_do("send", channel, {"type": "test.message", "n": n})

    async def receive_all() -> list[int]:
        return [(await layer.receive(channel))["n"] for _ in range(3)]

    assert run_on_background_loop(receive_all()) == [0, 1, 2]
