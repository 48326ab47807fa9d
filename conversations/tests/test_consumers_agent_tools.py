"""Agent frames for assignment and internal notes, through the real ASGI app."""

import pytest

from conversations.models import Conversation, ConversationNote, Message
from conversations.tests.test_consumers import drain, next_of_type, open_agent, open_conversation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_note_reaches_the_site_agents_and_never_the_visitor(site_a, alice, bob):
    visitor, conversation = await open_conversation(site_a)
    bob_ws, _ = await open_agent(bob)
    alice_ws, _ = await open_agent(alice)
    await drain(visitor)

    await bob_ws.send_json_to(
        {"type": "note.add", "conversation": conversation, "client_id": "n1", "body": "Refund approved"}
    )

    ack = await next_of_type(bob_ws, "note.ack")
    assert ack["client_id"] == "n1" and ack["note"]["body"] == "Refund approved"
    pushed = await next_of_type(alice_ws, "note.new")
    assert pushed["note"]["id"] == ack["note"]["id"] and pushed["note"]["author"]["name"] == "Bob"
    assert (await ConversationNote.objects.aget()).body == "Refund approved"
    # Nothing of it reached the widget: no frame at all after the note.
    assert await drain(visitor, timeout=0.5) == []
    for ws in (visitor, bob_ws, alice_ws):
        await ws.disconnect()


async def test_a_transfer_reaches_the_site_agents_and_the_visitor_sees_a_system_message(site_a, alice, bob):
    visitor, conversation = await open_conversation(site_a)
    alice_ws, _ = await open_agent(alice)
    bob_ws, _ = await open_agent(bob)
    await drain(visitor)

    await alice_ws.send_json_to(
        {"type": "conversation.assign", "conversation": conversation, "agent": bob.pk}
    )

    for ws in (alice_ws, bob_ws):
        updated = await next_of_type(ws, "conversation.updated")
        assert updated["conversation"]["id"] == conversation
        assert updated["conversation"]["assigned_agent"]["name"] == "Bob"
    system = await next_of_type(visitor, "message.new")
    assert system["message"]["author"] == "system"
    assert system["message"]["body"] == "Alice transferred the chat to Bob."
    assert (await Conversation.objects.aget()).assigned_agent_id == bob.pk

    # Back to the queue.
    await bob_ws.send_json_to({"type": "conversation.assign", "conversation": conversation, "agent": None})
    updated = await next_of_type(alice_ws, "conversation.updated")
    assert updated["conversation"]["assigned_agent"] is None
    for ws in (visitor, alice_ws, bob_ws):
        await ws.disconnect()


async def test_an_agent_of_another_site_is_refused_every_new_frame(site_a, bob, charlie):
    visitor, conversation = await open_conversation(site_a)
    charlie_ws, _ = await open_agent(charlie)
    bob_ws, _ = await open_agent(bob)
    await charlie_ws.receive_json_from()

    for frame in (
        {"type": "conversation.assign", "conversation": conversation, "agent": charlie.pk},
        {"type": "conversation.assign", "conversation": conversation, "agent": None},
        {"type": "note.add", "conversation": conversation, "client_id": "x", "body": "intrude"},
    ):
        await charlie_ws.send_json_to(frame)
        assert (await next_of_type(charlie_ws, "error"))["code"] == "not_found"
    # And a member cannot hand the conversation to someone of another site.
    await bob_ws.send_json_to(
        {"type": "conversation.assign", "conversation": conversation, "agent": charlie.pk}
    )
    assert (await next_of_type(bob_ws, "error"))["code"] == "invalid_field"

    assert not await ConversationNote.objects.aexists()
    assert (await Conversation.objects.aget()).assigned_agent_id is None
    assert await Message.objects.acount() == 1
    for ws in (visitor, charlie_ws, bob_ws):
        await ws.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "conversation.assign", "conversation": 1}, "invalid_field"),
        ({"type": "conversation.assign", "conversation": "1", "agent": None}, "invalid_field"),
        ({"type": "conversation.assign", "conversation": 1, "agent": "bob"}, "invalid_field"),
        ({"type": "note.add", "conversation": 1, "client_id": "n1"}, "invalid_field"),
        ({"type": "note.add", "conversation": 1, "client_id": "n1", "body": " "}, "empty_body"),
        ({"type": "note.add", "conversation": 1, "body": "x"}, "invalid_field"),
    ],
)
async def test_bad_frames_get_an_error(bob, frame, code):
    ws, _ = await open_agent(bob)
    await ws.send_json_to(frame)
    assert (await next_of_type(ws, "error"))["code"] == code
    await ws.disconnect()


async def test_an_agent_sync_brings_the_notes_and_a_visitor_sync_never_does(site_a, bob):
    visitor, conversation = await open_conversation(site_a)
    bob_ws, _ = await open_agent(bob)
    await bob_ws.send_json_to(
        {"type": "note.add", "conversation": conversation, "client_id": "n1", "body": "Missed while offline"}
    )
    await next_of_type(bob_ws, "note.ack")

    await bob_ws.send_json_to({"type": "sync", "conversation": conversation, "after_seq": 1})
    synced = await next_of_type(bob_ws, "sync")
    await visitor.send_json_to({"type": "sync", "conversation": conversation, "after_seq": 0})
    visitor_sync = await next_of_type(visitor, "sync")

    assert synced["messages"] == []
    assert [n["body"] for n in synced["notes"]] == ["Missed while offline"]
    assert "notes" not in visitor_sync and "Missed while offline" not in str(visitor_sync)
    for ws in (visitor, bob_ws):
        await ws.disconnect()
