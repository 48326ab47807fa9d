"""Scaling out: two daphne processes on one Redis and one database."""

import asyncio

import pytest

from tests import realtime

pytestmark = [pytest.mark.asyncio]


@pytest.fixture
def two_servers(start_daphne, redis_url, transactional_db):
    return start_daphne({"REDIS_URL": redis_url}), start_daphne({"REDIS_URL": redis_url})


async def test_a_visitor_on_one_process_and_an_agent_on_another_talk_both_ways(two_servers, site_a, bob):
    first, second = two_servers
    agent = await realtime.agent(second, bob)
    visitor = await realtime.visitor(first, site_a)

    await visitor.send(type="message.send", client_id="v1", body="Hello from process one")
    new = await agent.next("message.new", client_id="v1")
    assert new["message"]["body"] == "Hello from process one"

    await agent.send(
        type="message.send", conversation=new["conversation"]["id"], client_id="a1", body="Hi from two"
    )
    reply = await visitor.next("message.new", client_id="a1")
    assert reply["message"]["body"] == "Hi from two"

    await visitor.send(type="typing", is_typing=True)
    assert (await agent.next("typing"))["author"] == "visitor"
    await visitor.close()
    await agent.close()


async def test_presence_crosses_processes(two_servers, site_a, bob):
    first, second = two_servers
    visitor = await realtime.visitor(first, site_a, start=False)

    agent = await realtime.agent(second, bob)
    assert (await visitor.next("presence"))["online"] is True
    await agent.close()
    assert (await visitor.next("presence"))["online"] is False
    await visitor.close()


async def test_an_agent_of_another_site_on_the_other_process_hears_nothing(two_servers, site_a, charlie):
    first, second = two_servers
    outsider = await realtime.agent(second, charlie)
    visitor = await realtime.visitor(first, site_a)
    await visitor.send(type="message.send", client_id="v1", body="for site A only")
    await visitor.next("message.ack")

    with pytest.raises(TimeoutError):
        await outsider.next("message.new", timeout=1)
    await visitor.close()
    await outsider.close()


async def test_an_idle_socket_still_hears_events_after_redis_read_timeouts(two_servers, site_a, bob):
    """Regression: redis-py's 5 s read timeout used to kill idle consumers' receive loops."""
    first, second = two_servers
    agent = await realtime.agent(second, bob)
    await asyncio.sleep(7)
    visitor = await realtime.visitor(first, site_a)

    await visitor.send(type="message.send", client_id="late", body="after a quiet spell")

    assert (await agent.next("message.new", client_id="late"))["message"]["body"] == "after a quiet spell"
    await visitor.close()
    await agent.close()
