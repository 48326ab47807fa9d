"""The embedded mode's in-memory channel layer (chatplatform/lib/channel_layers.py)."""

import asyncio
import uuid

import pytest

from chatplatform.lib import channel_layers
from chatplatform.lib.channel_layers import InMemoryChannelLayer

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
