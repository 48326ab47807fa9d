"""The embedded mode's in-memory channel layer (chatplatform/lib/channel_layers.py)."""

import asyncio
import contextlib
import uuid

import pytest
import redis

from chatplatform.lib import channel_layers
from chatplatform.lib.channel_layers import InMemoryChannelLayer
from tests import live

pytestmark = pytest.mark.asyncio


async def test_the_expiry_walk_runs_at_most_once_a_second(monkeypatch):
    layer = InMemoryChannelLayer()
    walks = []
    monkeypatch.setattr(
        channel_layers.ChannelsInMemoryChannelLayer, "_clean_expired", lambda self: walks.append(1)
    )
    clock = [100.0]
    monkeypatch.setattr(channel_layers.time, "monotonic", lambda: clock[0])

    for _ in range(50):
        await layer.group_send("site-1-widgets", {"type": "chat.event"})
    assert len(walks) == 1
    clock[0] += 1.5
    await layer.group_send("site-1-widgets", {"type": "chat.event"})
    assert len(walks) == 2


async def test_messages_still_expire_and_groups_still_deliver():
    layer = InMemoryChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)

    await layer.group_send("g", {"type": "chat.event", "n": 1})

    assert (await layer.receive(channel))["n"] == 1


# --- the Redis layer, against a real Redis (REDIS_URL) -------------------------------


def _hosts(redis_url: str) -> list[dict]:
    # As in settings: reads may outlast the layer's 5 s blocking pop.
    return [{"address": redis_url, "socket_timeout": 15, "socket_connect_timeout": 5}]


@pytest.fixture
async def redis_layer(redis_url):
    from chatplatform.lib.channel_layers import RedisChannelLayer

    layer = RedisChannelLayer(
        hosts=_hosts(redis_url), prefix=f"test-layer-{uuid.uuid4().hex[:8]}", capacity=1000
    )
    yield layer
    await layer.flush()


async def test_redis_group_send_reaches_every_member_in_order(redis_layer):
    channels = [await redis_layer.new_channel() for _ in range(3)]
    for channel in channels:
        await redis_layer.group_add("site-1-agents", channel)

    for n in range(250):  # more than one BZMPOP batch
        await redis_layer.group_send("site-1-agents", {"type": "chat.event", "n": n})

    for channel in channels:
        received = [(await redis_layer.receive(channel))["n"] for _ in range(250)]
        assert received == list(range(250))


async def test_redis_group_send_to_an_empty_group_does_nothing(redis_layer):
    await redis_layer.group_send("nobody-here", {"type": "chat.event"})


async def test_redis_group_send_drops_events_past_a_channels_capacity(redis_url):
    from chatplatform.lib.channel_layers import RedisChannelLayer

    layer = RedisChannelLayer(hosts=_hosts(redis_url), prefix=f"test-cap-{uuid.uuid4().hex[:8]}", capacity=5)
    try:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        for n in range(8):
            await layer.group_send("g", {"type": "chat.event", "n": n})
        received = [(await layer.receive(channel))["n"] for _ in range(5)]
        assert received == [0, 1, 2, 3, 4]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 1.5)
    finally:
        await layer.flush()


async def _forget_everything(layer) -> None:
    """What a Redis restart without persistence does to the layer's keys."""
    connection = layer.connection(0)
    async for key in connection.scan_iter(match=f"{layer.prefix}*"):
        await connection.delete(key)


async def test_redis_layer_resets_every_member_channel_once_redis_lost_their_groups(redis_layer, monkeypatch):
    monkeypatch.setattr(channel_layers, "CHECK_INTERVAL_SECONDS", 0)
    members = [await redis_layer.new_channel() for _ in range(2)]
    for channel in members:
        await redis_layer.group_add("site-1-agents", channel)
    await redis_layer.group_add("site-1-widgets", members[0])
    left = await redis_layer.new_channel()
    await redis_layer.group_add("site-1-agents", left)
    await redis_layer.group_discard("site-1-agents", left)

    await _forget_everything(redis_layer)

    for channel in members:
        assert await asyncio.wait_for(redis_layer.receive(channel), 10) == {"type": "layer.reset"}
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(redis_layer.receive(left), 1.5)
    # Joined again, the channels hear their groups; the loss is not reported twice.
    for channel in members:
        await redis_layer.group_add("site-1-agents", channel)
    await redis_layer.group_send("site-1-agents", {"type": "chat.event", "n": 1})
    for channel in members:
        assert await asyncio.wait_for(redis_layer.receive(channel), 10) == {"type": "chat.event", "n": 1}


async def test_redis_layer_reports_no_loss_while_redis_keeps_its_data(redis_layer, monkeypatch):
    monkeypatch.setattr(channel_layers, "CHECK_INTERVAL_SECONDS", 0)
    channel = await redis_layer.new_channel()
    await redis_layer.group_add("g", channel)

    for n in range(3):
        await redis_layer.group_send("g", {"type": "chat.event", "n": n})
        assert (await asyncio.wait_for(redis_layer.receive(channel), 10))["n"] == n
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(redis_layer.receive(channel), 2.5)  # a few idle checks


# --- the Redis layer when Redis goes away and comes back (a restart without persistence) ----------


@pytest.fixture
def restartable_redis():
    from tests.test_faults import RedisProcess

    redis_process = RedisProcess()
    live.require(redis_process.binary, "no redis-server to restart")
    redis_process.start()
    yield redis_process
    redis_process.kill()


@pytest.fixture
async def restart_layer(restartable_redis):
    from chatplatform.lib.channel_layers import RedisChannelLayer

    layer = RedisChannelLayer(hosts=_hosts(restartable_redis.url), prefix="test-restart", capacity=100)
    yield layer
    with contextlib.suppress(redis.exceptions.RedisError):
        await layer.flush()


async def test_redis_layer_resets_its_channels_instead_of_raising_when_redis_goes_away(
    restart_layer, restartable_redis
):
    members = [await restart_layer.new_channel() for _ in range(3)]
    for channel in members:
        await restart_layer.group_add("site-1-agents", channel)
    receivers = [asyncio.create_task(restart_layer.receive(channel)) for channel in members]
    await asyncio.sleep(0.3)  # all three wait, one of them in Redis

    await asyncio.to_thread(restartable_redis.kill)

    async with asyncio.timeout(10):
        received = await asyncio.gather(*receivers, return_exceptions=True)
    assert received == [{"type": "layer.reset"}] * 3


async def test_redis_layer_waits_out_an_outage_and_delivers_again_once_redis_is_back(
    restart_layer, restartable_redis
):
    channel = await restart_layer.new_channel()
    await restart_layer.group_add("site-1-agents", channel)
    await asyncio.to_thread(restartable_redis.kill)
    assert await asyncio.wait_for(restart_layer.receive(channel), 10) == {"type": "layer.reset"}
    calls = []
    connection = restart_layer.connection
    restart_layer.connection = lambda index: calls.append(index) or connection(index)

    # While Redis is away, a receive neither raises nor retries in a tight loop ...
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(restart_layer.receive(channel), 1.5)
    assert len(calls) <= 10, f"{len(calls)} attempts to reach Redis in 1.5 s"
    # ... and joining a group fails, which the consumers turn into a refusal (close 4013).
    with pytest.raises(redis.exceptions.ConnectionError):
        await restart_layer.group_add("site-1-agents", channel)

    await asyncio.to_thread(restartable_redis.start)
    await restart_layer.group_add("site-1-agents", channel)
    await restart_layer.group_send("site-1-agents", {"type": "chat.event", "n": 1})
    assert await asyncio.wait_for(restart_layer.receive(channel), 10) == {"type": "chat.event", "n": 1}


async def test_redis_layer_commands_work_at_once_after_a_restart_while_nothing_received(
    restart_layer, restartable_redis
):
    """The pooled connections to the old Redis are dead: the first command on each must not fail."""
    channels = [await restart_layer.new_channel() for _ in range(4)]
    # Several pooled connections at once, each used before the restart.
    await asyncio.gather(*(restart_layer.group_add("site-1-agents", channel) for channel in channels))

    await asyncio.to_thread(restartable_redis.kill)
    await asyncio.to_thread(restartable_redis.start)

    await asyncio.gather(*(restart_layer.group_add("site-1-agents", channel) for channel in channels))
    await asyncio.gather(
        *(restart_layer.group_send("site-1-agents", {"type": "chat.event"}) for _ in channels)
    )
