"""The channel layer outlives a Redis restart (csms/runtime/channel_layers.py), on a private
redis-server the test kills and starts again empty."""

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from csms.runtime.channel_layers import OutageSurvivingRedisChannelLayer
from tests.servers import PrivateRedis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[PrivateRedis]:
    with contextlib.ExitStack() as stack:
        server = PrivateRedis(stack, tmp_path / "redis.log")
        server.start()
        yield server


def layer_on(redis_server: PrivateRedis) -> OutageSurvivingRedisChannelLayer:
    """The layer as settings configure it, on the private server."""
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG") or {}
    # As without REDIS_URL settings hold no hosts: the socket timeout stays off as in production.
    hosts = [{"socket_timeout": None, **host, "address": redis_server.url}
             for host in config.get("hosts", [{}])]  # fmt: skip
    return OutageSurvivingRedisChannelLayer(hosts=hosts, expiry=30, capacity=1000)


def test_a_receive_waits_out_a_restart_and_group_members_are_written_again(
    redis_server: PrivateRedis,
) -> None:
    async def scenario() -> None:
        layer = layer_on(redis_server)
        channel = await layer.new_channel()
        await layer.group_add("stations", channel)
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(redis_server.kill)
        await asyncio.sleep(1)
        assert not receiving.done(), "the receive gave up while Redis was down"
        await asyncio.to_thread(redis_server.start)  # empty: the group is gone
        # Sent directly first: the waiting receive finds Redis again and returns it.
        await layer.send(channel, {"type": "direct"})
        assert await asyncio.wait_for(receiving, 15) == {"type": "direct"}
        # ...and wrote the membership again, so a group message reaches the channel.
        for _ in range(50):
            await layer.group_send("stations", {"type": "to.group"})
            if await _receive_soon(layer, channel) == {"type": "to.group"}:
                break
        else:
            pytest.fail("the group membership was not written again after the restart")
        await layer.flush()
        await layer.close_pools()

    asyncio.run(scenario())


async def _receive_soon(layer: OutageSurvivingRedisChannelLayer, channel: str) -> object:
    try:
        return await asyncio.wait_for(layer.receive(channel), 0.2)
    except TimeoutError:
        return None


def test_a_discarded_member_is_not_written_again(redis_server: PrivateRedis) -> None:
    async def scenario() -> None:
        layer = layer_on(redis_server)
        kept, gone = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("stations", kept)
        await layer.group_add("stations", gone)
        await layer.group_discard("stations", gone)
        assert layer.memberships == {"stations": {kept}}
        await layer.group_discard("stations", kept)
        assert layer.memberships == {}
        await layer.close_pools()

    asyncio.run(scenario())


def test_a_receive_waiting_out_an_outage_still_stops_when_cancelled(
    redis_server: PrivateRedis,
) -> None:
    """A station that disconnects while Redis is down: its consumer's receive must end."""

    async def scenario() -> None:
        layer = layer_on(redis_server)
        channel = await layer.new_channel()
        receiving = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(redis_server.kill)
        await asyncio.sleep(2)  # a few rounds of the retry loop
        assert not receiving.done(), "the receive gave up while Redis was down"
        receiving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(receiving, 5)
        await layer.close_pools()

    asyncio.run(scenario())


def test_receivers_cancelled_mid_fetch_leave_every_message_to_the_others(
    redis_server: PrivateRedis,
) -> None:
    """The process's messages are fetched in batches by whichever consumer holds the receive
    lock; stations disconnect (their consumers are cancelled) at any moment meanwhile. Every
    message to a consumer that stays must still reach it, once and in order."""

    async def scenario() -> None:
        layer = layer_on(redis_server)
        steady = [await layer.new_channel() for _ in range(4)]
        received: dict[str, list[int]] = {channel: [] for channel in steady}

        async def consume(channel: str, into: list[int]) -> None:
            while True:
                into.append((await layer.receive(channel))["n"])

        consumers = [asyncio.create_task(consume(c, received[c])) for c in steady]
        sent: dict[str, list[int]] = {channel: [] for channel in steady}

        async def send_all() -> None:
            for n in range(2000):
                channel = steady[n % len(steady)]
                await layer.send(channel, {"type": "m", "n": n})
                sent[channel].append(n)

        async def disconnect_stations() -> None:
            for round_ in range(300):
                victim = asyncio.create_task(consume(await layer.new_channel(), []))
                await asyncio.sleep((round_ % 7) * 0.0007)
                victim.cancel()
                await asyncio.gather(victim, return_exceptions=True)

        await asyncio.gather(send_all(), disconnect_stations())
        for _ in range(100):
            if received == sent:
                break
            await asyncio.sleep(0.1)
        assert received == sent
        for consumer in consumers:
            consumer.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        await layer.close_pools()

    asyncio.run(scenario())
