"""The WebSocket endpoints through the real ASGI app (routing, auth middleware, consumers)."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from chatplatform.asgi import application
from conversations.models import Conversation, Message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN_A = "https://a.example"


async def open_visitor(site, origin=ORIGIN_A):
    headers = [(b"origin", origin.encode())] if origin is not None else []
    comm = WebsocketCommunicator(application, f"/ws/visitor/{site.key}/", headers=headers)
    connected, _ = await comm.connect()
    return comm, connected


async def open_session(site, token=None):
    comm, connected = await open_visitor(site)
    assert connected
    welcome = await comm.receive_json_from()
    assert welcome["type"] == "welcome"
    await comm.send_json_to({"type": "session.start", **({"token": token} if token else {})})
    session = await comm.receive_json_from()
    assert session["type"] == "session", session
    return comm, session


async def open_conversation(site, body="Hi"):
    """A visitor socket with a session and one stored message; returns (socket, conversation id)."""
    comm, _ = await open_session(site)
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": body})
    return comm, (await next_of_type(comm, "message.ack"))["message"]["conversation"]


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def open_agent(user, origin="http://testserver", host="testserver"):
    cookie = await sync_to_async(session_cookie)(user) if user else ""
    headers = [(b"origin", origin.encode()), (b"host", host.encode()), (b"cookie", cookie.encode())]
    comm = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, _ = await comm.connect()
    return comm, connected


async def next_of_type(comm, frame_type, timeout=2):
    """Skip frames of other types (presence, echoes) until one of `frame_type`."""
    for _ in range(20):
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame
    raise AssertionError(f"no {frame_type} frame")


# --- Visitor handshake -----------------------------------------------------


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None, "https://a.example.evil.example"])
async def test_it_refuses_a_visitor_from_an_origin_the_site_does_not_allow(site_a, origin):
    comm, connected = await open_visitor(site_a, origin=origin)
    assert not connected


async def test_it_refuses_an_unknown_site_key(site_a):
    comm = WebsocketCommunicator(
        application, "/ws/visitor/site_nope/", headers=[(b"origin", ORIGIN_A.encode())]
    )
    connected, _ = await comm.connect()
    assert not connected


async def test_it_refuses_a_visitor_of_other_site_origin(site_a, site_b):
    comm, connected = await open_visitor(site_b, origin=ORIGIN_A)
    assert not connected


async def test_welcome_creates_nothing(site_a):
    comm, connected = await open_visitor(site_a)
    welcome = await comm.receive_json_from()

    notice = welcome.pop("notice")
    assert welcome == {
        "type": "welcome",
        "site": {"name": "Site A"},
        "max_body_chars": 5000,
        "presence": {"online": False, "agents": []},
        "auto_message": None,
        "prechat": {"name": "off", "email": "off", "phone": "off"},
        "offline_form": False,
        "theme": {"color": "#2563eb", "position": "right", "greeting": "", "logo_url": None},
    }
    # The privacy notice is the site's, not the visitor's: versioned, in all three languages.
    assert notice["version"] == 1 and set(notice["texts"]) == {"en", "de", "cs"}
    assert notice["link"].endswith(f"/privacy/{site_a.key}/")
    from conversations.models import Visitor

    assert not await Visitor.objects.aexists()
    await comm.disconnect()


# --- Visitor session and messages -----------------------------------------


async def test_a_new_session_gets_a_token_and_resumes_with_it(site_a):
    comm, session = await open_session(site_a)
    token = session["token"]
    assert token and session["conversation"] is None
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "Hi"})
    ack = await next_of_type(comm, "message.ack")
    await comm.disconnect()

    comm2, resumed = await open_session(site_a, token=token)

    assert resumed["token"] is None
    assert resumed["visitor"] == session["visitor"]
    assert resumed["conversation"] == {"id": ack["message"]["conversation"], "status": "open", "last_seq": 1}
    await comm2.disconnect()


async def test_an_unknown_token_is_refused_and_the_socket_stays_usable(site_a):
    comm, _ = await open_visitor(site_a)
    await comm.receive_json_from()
    await comm.send_json_to({"type": "session.start", "token": "forged"})
    assert (await comm.receive_json_from())["code"] == "invalid_token"
    await comm.send_json_to({"type": "session.start"})
    assert (await comm.receive_json_from())["type"] == "session"
    await comm.disconnect()


async def test_the_ack_comes_after_the_message_is_committed(site_a):
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "Hello there"})

    ack = await next_of_type(comm, "message.ack")

    stored = await Message.objects.aget(pk=ack["message"]["id"])
    assert stored.body == "Hello there" and stored.seq == 1
    assert ack["client_id"] == "c1" and ack["message"]["author"] == "visitor"
    await comm.disconnect()


async def test_a_resent_client_id_is_acked_again_and_stored_once(site_a):
    comm, _ = await open_session(site_a)
    for _ in range(3):
        await comm.send_json_to({"type": "message.send", "client_id": "dup", "body": "Once"})
    acks = [await next_of_type(comm, "message.ack") for _ in range(3)]

    assert len({a["message"]["id"] for a in acks}) == 1
    assert await Message.objects.acount() == 1
    await comm.disconnect()


async def test_sync_replays_missed_messages_in_order_page_by_page(site_a, settings):
    settings.CHAT_SYNC_PAGE_SIZE = 2
    comm, _ = await open_session(site_a)
    for i in range(5):
        await comm.send_json_to({"type": "message.send", "client_id": f"c{i}", "body": f"m{i}"})
        ack = await next_of_type(comm, "message.ack")
    conversation = ack["message"]["conversation"]

    seen, after, has_more = [], 1, True
    while has_more:
        await comm.send_json_to({"type": "sync", "conversation": conversation, "after_seq": after})
        page = await next_of_type(comm, "sync")
        seen += [m["body"] for m in page["messages"]]
        after, has_more = page["messages"][-1]["seq"], page["has_more"]

    assert seen == ["m1", "m2", "m3", "m4"]
    await comm.disconnect()


async def test_a_visitor_cannot_sync_another_visitors_conversation(site_a):
    first, _ = await open_session(site_a)
    await first.send_json_to({"type": "message.send", "client_id": "c1", "body": "private"})
    conversation = (await next_of_type(first, "message.ack"))["message"]["conversation"]
    other, _ = await open_session(site_a)

    await other.send_json_to({"type": "sync", "conversation": conversation, "after_seq": 0})

    assert (await other.receive_json_from())["code"] == "not_found"
    await first.disconnect()
    await other.disconnect()


# --- Bad input: an error frame, and the socket stays usable ----------------


@pytest.mark.parametrize(
    "raw, code",
    [
        ("{not json", "malformed_json"),
        ("[1, 2]", "invalid_frame"),
        ('"text"', "invalid_frame"),
        ('{"no": "type"}', "invalid_frame"),
        ('{"type": 5}', "invalid_frame"),
        ('{"type": "nope"}', "unknown_type"),
        ('{"type": "message.send", "client_id": "c", "body": ""}', "empty_body"),
        ('{"type": "message.send", "client_id": "c", "body": "' + "x" * 5001 + '"}', "body_too_large"),
        ('{"type": "message.send", "client_id": "c"}', "invalid_field"),
        ('{"type": "message.send", "body": "hi"}', "invalid_field"),
        ('{"type": "sync", "conversation": "1", "after_seq": 0}', "invalid_field"),
        ('{"type": "sync", "conversation": true, "after_seq": 0}', "invalid_field"),
        ('{"type": "typing", "is_typing": "yes"}', "invalid_field"),
        ('{"type": "message.send", "client_id": "c", "body": "' + "x" * 40000 + '"}', "frame_too_large"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(site_a, raw, code):
    comm, _ = await open_session(site_a)

    await comm.send_to(text_data=raw)
    error = await comm.receive_json_from()

    assert error["type"] == "error" and error["code"] == code and error["detail"]
    await comm.send_json_to({"type": "message.send", "client_id": "after", "body": "still works"})
    assert (await next_of_type(comm, "message.ack"))["client_id"] == "after"
    await comm.disconnect()


async def test_a_binary_frame_gets_an_error(site_a):
    comm, _ = await open_session(site_a)
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from())["code"] == "invalid_frame"
    await comm.disconnect()


async def test_an_error_echoes_the_client_id(site_a):
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "message.send", "client_id": "c9", "body": " "})
    assert await comm.receive_json_from() == {
        "type": "error",
        "code": "empty_body",
        "detail": "A message needs some text.",
        "client_id": "c9",
    }
    await comm.disconnect()


async def test_messages_need_a_session_first(site_a):
    comm, _ = await open_visitor(site_a)
    await comm.receive_json_from()
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "hi"})
    assert (await comm.receive_json_from())["code"] == "no_session"
    assert not await Message.objects.aexists()
    await comm.disconnect()


async def test_an_error_detail_never_quotes_the_body(site_a):
    comm, _ = await open_session(site_a)
    secret = "jane.doe@example.com " * 300
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": secret})
    error = await comm.receive_json_from()
    assert "jane.doe" not in json.dumps(error)
    await comm.disconnect()


# --- Agents ----------------------------------------------------------------


async def test_it_refuses_an_anonymous_agent_socket(site_a):
    comm, connected = await open_agent(None)
    assert not connected


async def test_it_refuses_an_agent_socket_opened_from_another_origin(bob):
    comm, connected = await open_agent(bob, origin="https://evil.example")
    assert not connected


async def test_an_agent_gets_its_sites_and_live_messages_of_them_only(site_a, bob, charlie):
    bob_ws, ok_bob = await open_agent(bob)
    charlie_ws, ok_charlie = await open_agent(charlie)
    assert ok_bob and ok_charlie
    welcome = await bob_ws.receive_json_from()
    assert welcome["type"] == "welcome" and [s["key"] for s in welcome["sites"]] == [site_a.key]
    await charlie_ws.receive_json_from()
    visitor, _ = await open_session(site_a)

    await visitor.send_json_to({"type": "message.send", "client_id": "c1", "body": "Need help"})

    new = await next_of_type(bob_ws, "message.new")
    assert new["message"]["body"] == "Need help"
    assert new["conversation"]["site"]["key"] == site_a.key
    assert all(f["type"] != "message.new" for f in await drain(charlie_ws))
    for ws in (bob_ws, charlie_ws, visitor):
        await ws.disconnect()


async def drain(comm, timeout=0.3):
    frames = []
    while not await comm.receive_nothing(timeout=timeout):
        frames.append(await comm.receive_json_from())
    return frames


async def test_an_agent_reply_reaches_the_visitor_and_assigns_the_agent(site_a, bob):
    visitor, conversation = await open_conversation(site_a)
    agent, _ = await open_agent(bob)

    await agent.send_json_to(
        {"type": "message.send", "conversation": conversation, "client_id": "a1", "body": "Hello!"}
    )

    ack = await next_of_type(agent, "message.ack")
    assert ack["conversation"]["assigned_agent"]["name"] == "Bob"
    reply = await next_of_type(visitor, "message.new")
    while reply["message"]["author"] != "agent":
        reply = await next_of_type(visitor, "message.new")
    assert reply["message"]["body"] == "Hello!" and reply["message"]["agent"]["name"] == "Bob"
    await visitor.disconnect()
    await agent.disconnect()


async def test_an_agent_of_another_site_is_refused_every_conversation_frame(site_a, charlie):
    visitor, conversation = await open_conversation(site_a)
    agent, _ = await open_agent(charlie)
    await agent.receive_json_from()

    for frame in (
        {"type": "message.send", "conversation": conversation, "client_id": "x", "body": "intrude"},
        {"type": "sync", "conversation": conversation, "after_seq": 0},
        {"type": "typing", "conversation": conversation, "is_typing": True},
        {"type": "conversation.close", "conversation": conversation},
    ):
        await agent.send_json_to(frame)
        assert (await next_of_type(agent, "error"))["code"] == "not_found"

    assert await Message.objects.acount() == 1
    assert (await Conversation.objects.aget()).status == "open"
    await visitor.disconnect()
    await agent.disconnect()


async def test_typing_is_relayed_both_ways(site_a, bob):
    visitor, conversation = await open_conversation(site_a)
    agent, _ = await open_agent(bob)

    await visitor.send_json_to({"type": "typing", "is_typing": True})
    typing = await next_of_type(agent, "typing")
    assert typing == {"type": "typing", "conversation": conversation, "author": "visitor", "is_typing": True}

    await agent.send_json_to({"type": "typing", "conversation": conversation, "is_typing": True})
    typing = await next_of_type(visitor, "typing")
    assert typing["author"] == "agent" and typing["agent"]["name"] == "Bob" and typing["is_typing"]
    await visitor.disconnect()
    await agent.disconnect()


async def test_closing_reaches_the_visitor(site_a, bob):
    visitor, conversation = await open_conversation(site_a)
    agent, _ = await open_agent(bob)

    await agent.send_json_to({"type": "conversation.close", "conversation": conversation})

    updated = await next_of_type(visitor, "conversation.updated")
    assert updated["conversation"] == {"id": conversation, "status": "closed", "last_seq": 2}
    await visitor.disconnect()
    await agent.disconnect()


async def test_presence_follows_agent_sockets_and_the_away_toggle(site_a, bob):
    visitor, _ = await open_visitor(site_a)
    assert (await visitor.receive_json_from())["presence"]["online"] is False

    agent, _ = await open_agent(bob)
    online = await next_of_type(visitor, "presence")
    assert online["online"] is True and [a["name"] for a in online["agents"]] == ["Bob"]

    await agent.send_json_to({"type": "presence", "availability": "away"})
    assert (await next_of_type(visitor, "presence"))["online"] is False
    echo = await next_of_type(agent, "presence")
    while "availability" not in echo:
        echo = await next_of_type(agent, "presence")
    assert echo["availability"] == "away"

    await agent.send_json_to({"type": "presence", "availability": "online"})
    assert (await next_of_type(visitor, "presence"))["online"] is True
    await agent.disconnect()
    assert (await next_of_type(visitor, "presence"))["online"] is False
    await visitor.disconnect()


async def test_an_agent_gets_an_error_for_bad_presence(bob):
    agent, _ = await open_agent(bob)
    await agent.receive_json_from()
    await agent.send_json_to({"type": "presence", "availability": "invisible"})
    assert (await next_of_type(agent, "error"))["code"] == "invalid_field"
    await agent.disconnect()
