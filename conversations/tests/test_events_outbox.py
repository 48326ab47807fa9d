"""Events from the database thread leave through the event loop's outbox, in commit order.

The thread is asgiref's (`sync_to_async`, as `database_sync_to_async` uses) without the database.
"""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from conversations import events


@pytest.mark.asyncio
async def test_events_sent_from_a_database_thread_arrive_in_order():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("outbox-test", channel)

    def send_many():
        for n in range(50):
            events._send("outbox-test", {"type": "probe", "n": n})

    await sync_to_async(send_many)()

    received = [(await layer.receive(channel))["payload"]["n"] for _ in range(50)]
    assert received == list(range(50))
    await layer.group_discard("outbox-test", channel)


@pytest.mark.asyncio
async def test_the_database_thread_does_not_wait_for_the_loop(monkeypatch):
    """`_send` hands the event over and returns while the send itself is still held up."""
    sent = []
    release = asyncio.Event()

    async def held_group_send(group, message):
        await release.wait()
        sent.append(message["payload"]["n"])

    monkeypatch.setattr(get_channel_layer(), "group_send", held_group_send)

    def send_one():
        events._send("any", {"type": "probe", "n": 1})
        return list(sent)  # waiting for the send here would never end: `release` is set below

    assert await asyncio.wait_for(sync_to_async(send_one)(), 10) == []
    release.set()
    for _ in range(50):
        if sent:
            break
        await asyncio.sleep(0.01)
    assert sent == [1]


def test_outside_a_loop_the_event_is_sent_before_returning(monkeypatch):
    sent = []

    async def group_send(group, message):
        sent.append(group)

    monkeypatch.setattr(get_channel_layer(), "group_send", group_send)
    events._send("celery-side", {"type": "probe"})
    assert sent == ["celery-side"]
