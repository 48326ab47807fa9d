"""The embedded mode's in-memory channel layer (chatplatform/lib/channel_layers.py)."""

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
