"""Per-socket rate limits (docs/protocol.md, `rate_limited`)."""

import asyncio

import pytest

from chatplatform.lib.ratelimit import TokenBucket
from conversations.models import Message
from conversations.tests.test_consumers import next_of_type, open_agent, open_conversation, open_session

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_refills_a_bucket_evenly_over_its_window():
    now = [100.0]
    bucket = TokenBucket(3, 6, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [0, 0, 0]
    assert bucket.take() == 2  # one token every 2 s
    now[0] += 1.5
    assert bucket.take() == 1
    now[0] += 0.5
    assert bucket.take() == 0
    now[0] += 60
    assert [bucket.take() for _ in range(4)] == [0, 0, 0, 2]  # never more than the capacity


def test_after_a_refusal_it_refuses_until_the_retry_after_it_gave():
    """A token that comes back meanwhile must not let a later frame in before the refused one."""
    now = [100.0]
    bucket = TokenBucket(4, 2, clock=lambda: now[0])  # one token every 0.5 s
    assert [bucket.take() for _ in range(4)] == [0, 0, 0, 0]
    assert bucket.take() == 1  # told: again in 1 s
    now[0] += 0.6  # a token is back, but the refused frame is not sent again yet
    assert bucket.take() == 1
    now[0] += 0.4
    assert bucket.take() == 0


async def test_it_refuses_visitor_messages_over_the_limit_and_stays_usable(site_a, settings):
    settings.CHAT_RATE_VISITOR_MESSAGES = 3
    comm, _ = await open_session(site_a)
    for i in range(3):
        await comm.send_json_to({"type": "message.send", "client_id": f"m{i}", "body": f"hello {i}"})
        assert (await next_of_type(comm, "message.ack"))["client_id"] == f"m{i}"
    await comm.send_json_to({"type": "message.send", "client_id": "m3", "body": "one too many"})
    error = await next_of_type(comm, "error")
    assert error["code"] == "rate_limited"
    assert error["client_id"] == "m3"
    assert isinstance(error["retry_after"], int) and 1 <= error["retry_after"] <= 10
    # Not stored, nothing acked before is touched, and other frames still work.
    assert await Message.objects.filter(client_id="m3").acount() == 0
    assert await Message.objects.acount() == 3
    await comm.send_json_to({"type": "typing", "is_typing": True})
    await comm.send_json_to({"type": "message.send", "client_id": "m0", "body": "hello 0"})
    assert (await next_of_type(comm, "error"))["code"] == "rate_limited"  # a resend counts too
    assert await comm.receive_nothing(timeout=0.1)
    await comm.disconnect()


async def test_it_limits_frames_of_any_kind_and_echoes_the_client_id(site_a, settings):
    settings.CHAT_RATE_VISITOR_FRAMES = 4
    comm, _ = await open_session(site_a)  # session.start took one token
    await comm.send_to(text_data="not json")
    assert (await comm.receive_json_from())["code"] == "malformed_json"
    for _ in range(2):
        await comm.send_json_to({"type": "typing", "is_typing": True})
    await comm.send_json_to({"type": "message.send", "client_id": "late", "body": "hi"})
    error = await comm.receive_json_from()
    assert error["code"] == "rate_limited" and error["client_id"] == "late"
    await comm.send_to(text_data="not json either")
    error = await comm.receive_json_from()
    assert error["code"] == "rate_limited" and "client_id" not in error
    await comm.disconnect()


async def test_it_accepts_frames_again_after_retry_after(site_a, settings):
    settings.CHAT_RATE_WINDOW_SECONDS = 1
    settings.CHAT_RATE_VISITOR_MESSAGES = 2
    comm, _ = await open_session(site_a)
    for client_id in ("a", "b"):
        await comm.send_json_to({"type": "message.send", "client_id": client_id, "body": "x"})
        await next_of_type(comm, "message.ack")
    await comm.send_json_to({"type": "message.send", "client_id": "c", "body": "x"})
    error = await next_of_type(comm, "error")
    assert error["code"] == "rate_limited" and error["retry_after"] == 1
    await asyncio.sleep(error["retry_after"])
    await comm.send_json_to({"type": "message.send", "client_id": "c", "body": "x"})
    assert (await next_of_type(comm, "message.ack"))["client_id"] == "c"
    await comm.disconnect()


async def test_it_gives_agents_their_own_higher_limits(site_a, bob, settings):
    settings.CHAT_RATE_AGENT_MESSAGES = 2
    settings.CHAT_RATE_VISITOR_MESSAGES = 1
    visitor, conversation_id = await open_conversation(site_a)
    agent, connected = await open_agent(bob)
    assert connected
    frames = [
        {"type": "message.send", "conversation": conversation_id, "client_id": "r1", "body": "one"},
        {"type": "note.add", "conversation": conversation_id, "client_id": "n1", "body": "note"},
        {"type": "message.send", "conversation": conversation_id, "client_id": "r2", "body": "three"},
    ]
    for frame in frames:
        await agent.send_json_to(frame)
    assert (await next_of_type(agent, "message.ack"))["client_id"] == "r1"
    assert (await next_of_type(agent, "note.ack"))["client_id"] == "n1"
    error = await next_of_type(agent, "error")
    assert (error["code"], error["client_id"]) == ("rate_limited", "r2")
    await agent.disconnect()
    await visitor.disconnect()


def test_it_has_documented_defaults():
    from chatplatform import settings as production

    assert (production.CHAT_RATE_VISITOR_MESSAGES, production.CHAT_RATE_VISITOR_FRAMES) == (10, 30)
    assert production.CHAT_RATE_WINDOW_SECONDS == 10
    assert production.CHAT_RATE_AGENT_MESSAGES > production.CHAT_RATE_VISITOR_MESSAGES
    assert production.CHAT_RATE_AGENT_FRAMES > production.CHAT_RATE_VISITOR_FRAMES
