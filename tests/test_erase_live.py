"""Erasure end to end: daphne on Redis, a live widget and dashboard, the DPO page.

The erase runs in daphne (the DPO page), so its events go through Redis the
way they do in production; then Redis is searched for the subject's data.
"""

import asyncio

import pytest
import redis
import websockets
from asgiref.sync import sync_to_async

from conversations.models import Message, Visitor
from tests import realtime

pytestmark = [pytest.mark.asyncio]

MARKER = "zorblat-live-7bq3"


@pytest.fixture
def server(start_daphne, redis_url, transactional_db):
    return start_daphne({"REDIS_URL": redis_url})


def erase_through_the_dpo_page(server, user, public_id: str) -> int:
    path = f"/privacy/dpo/subject/{public_id}/erase/"
    return realtime.post_form(server, path, realtime.session_cookie(user), {"confirm": "ERASE"})


async def test_an_erasure_ends_the_widget_tells_the_dashboard_and_leaves_nothing_in_redis(
    server, redis_url, site_a, alice, bob
):
    agent = await realtime.agent(server, bob)
    visitor = await realtime.visitor(server, site_a)
    await visitor.send(type="message.send", client_id="v1", body=f"my secret {MARKER}")
    ack = await visitor.next("message.ack")
    assert (await agent.next("message.new", client_id="v1"))["message"]["body"].endswith(MARKER)
    public_id = visitor.session["visitor"]["id"]

    status = await asyncio.to_thread(erase_through_the_dpo_page, server, alice, public_id)

    assert status == 302
    assert await visitor.next("session.ended") == {"type": "session.ended", "reason": "erased"}
    with pytest.raises(websockets.ConnectionClosed):
        await visitor.recv()
    assert visitor.ws.close_code == 4001
    erased = await agent.next("conversation.erased")
    assert erased["conversations"] == [ack["conversation"]["id"]]
    await agent.close()
    assert not await sync_to_async(Visitor.objects.filter(public_id=public_id).exists)()
    assert not await sync_to_async(Message.objects.exists)()

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(count=500):
        kind = client.type(key).decode()
        values = {
            "string": lambda k: [client.get(k) or b""],
            "list": lambda k: client.lrange(k, 0, -1),
            "zset": lambda k: client.zrange(k, 0, -1),
            "set": lambda k: list(client.smembers(k)),
            "hash": lambda k: [b"%s=%s" % kv for kv in client.hgetall(k).items()],
        }.get(kind, lambda k: [])(key)
        assert MARKER.encode() not in b"\n".join([key, *values]), key
