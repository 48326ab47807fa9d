"""The chat over a real daphne on loopback, with a real WebSocket client."""

import pytest
import websockets

from conversations.models import Message
from tests import realtime

pytestmark = [pytest.mark.asyncio]


@pytest.fixture
def server(daphne_server, transactional_db):
    return daphne_server


async def test_a_visitor_and_an_agent_talk_through_daphne(server, site_a, bob):
    agent = await realtime.agent(server, bob)
    visitor = await realtime.visitor(server, site_a)

    await visitor.send(type="message.send", client_id="v1", body="Is the shop open on Sunday?")
    ack = await visitor.next("message.ack")
    assert await Message.objects.filter(pk=ack["message"]["id"]).aexists()
    new = await agent.next("message.new", client_id="v1")
    conversation = new["conversation"]["id"]

    await agent.send(type="message.send", conversation=conversation, client_id="a1", body="Yes, 10 to 16.")
    await agent.next("message.ack", client_id="a1")
    reply = await visitor.next("message.new", client_id="a1")

    assert reply["message"]["body"] == "Yes, 10 to 16." and reply["message"]["agent"]["name"] == "Bob"
    await visitor.close()
    await agent.close()


async def test_daphne_refuses_foreign_origins_and_anonymous_agents(server, site_a):
    for origin in ("https://evil.example", "null"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            await websockets.connect(f"{server.ws_url}/ws/visitor/{site_a.key}/", origin=origin)
        assert refused.value.response.status_code == 403
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(f"{server.ws_url}/ws/agent/", origin=server.url)


async def test_a_visitor_resumes_after_a_dropped_connection_without_loss_or_duplicates(server, site_a, bob):
    visitor = await realtime.visitor(server, site_a)
    token = visitor.session["token"]
    await visitor.send(type="message.send", client_id="v1", body="first")
    conversation = (await visitor.next("message.ack"))["message"]["conversation"]
    visitor.ws.transport.abort()  # a dropped network, not a clean close

    agent = await realtime.agent(server, bob)
    for i in range(3):
        await agent.send(type="message.send", conversation=conversation, client_id=f"a{i}", body=f"reply {i}")
        await agent.next("message.ack", client_id=f"a{i}")

    back = await realtime.visitor(server, site_a, token=token)
    assert back.session["conversation"]["last_seq"] == 4
    # The widget resends what was not acked, then syncs from the last seq it saw.
    await back.send(type="message.send", client_id="v1", body="first")
    again = await back.next("message.ack")
    await back.send(type="sync", conversation=conversation, after_seq=1)
    missed = await back.next("sync")

    assert again["message"]["seq"] == 1
    assert [m["body"] for m in missed["messages"]] == ["reply 0", "reply 1", "reply 2"]
    assert await Message.objects.acount() == 4
    await back.close()
    await agent.close()


async def test_a_bad_frame_over_daphne_leaves_the_socket_usable(server, site_a):
    visitor = await realtime.visitor(server, site_a)
    await visitor.ws.send("{oops")
    assert (await visitor.recv())["code"] == "malformed_json"
    await visitor.ws.send("x" * 100_000)
    assert (await visitor.recv())["code"] == "frame_too_large"
    await visitor.send(type="message.send", client_id="ok", body="fine")
    assert (await visitor.next("message.ack"))["client_id"] == "ok"
    await visitor.close()


async def test_a_lone_surrogate_in_a_frame_gets_an_error_and_the_socket_stays_usable(server, site_a):
    """Frames go out as UTF-8; a client's lone surrogate (valid JSON, not UTF-8) is sent back escaped."""
    visitor = await realtime.visitor(server, site_a)
    await visitor.ws.send('{"type": "message.send", "client_id": "\\ud800", "body": " "}')
    error = await visitor.next("error")
    assert error["code"] == "invalid_field" and error["client_id"] == "\ud800"
    await visitor.send(type="message.send", client_id="ok", body="Dobrý den")
    ack = await visitor.next("message.ack")
    assert ack["message"]["body"] == "Dobrý den"
    await visitor.close()
