"""Internal notes: stored, and told to the site's agents only."""

import pytest

from conversations.events import site_agents_group
from conversations.models import ConversationNote, Message
from conversations.services import (
    ChatError,
    conversation_close,
    conversation_note_add,
    message_post_by_visitor,
)


@pytest.fixture
def conversation(visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    return message.conversation


def test_a_note_reaches_the_site_agents_and_nobody_else(
    conversation, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        note, created = conversation_note_add(
            agent=bob, conversation_id=conversation.pk, client_id="n1", body="VIP customer, be nice"
        )

    assert created and note.author == bob and note.body == "VIP customer, be nice"
    assert capture_send_event_calls == [
        (
            site_agents_group(conversation.site_id),
            {
                "type": "note.new",
                "note": {
                    "id": note.pk,
                    "conversation": conversation.pk,
                    "author": {"id": bob.pk, "name": "Bob", "photo_url": None},
                    "body": "VIP customer, be nice",
                    "client_id": "n1",
                    "created_at": note.created_at.isoformat(),
                },
            },
        )
    ]
    # A note is not a message: the visitor's thread and seq are untouched.
    assert Message.objects.filter(conversation=conversation).count() == 1
    conversation.refresh_from_db()
    assert conversation.last_seq == 1


def test_a_resent_client_id_stores_the_note_once(conversation, bob):
    first, created = conversation_note_add(
        agent=bob, conversation_id=conversation.pk, client_id="n1", body="a"
    )
    again, created_again = conversation_note_add(
        agent=bob, conversation_id=conversation.pk, client_id="n1", body="a"
    )

    assert created and not created_again and again.pk == first.pk
    assert ConversationNote.objects.count() == 1


def test_another_agents_client_id_is_a_conflict(conversation, alice, bob):
    conversation_note_add(agent=bob, conversation_id=conversation.pk, client_id="n1", body="a")
    with pytest.raises(ChatError) as refused:
        conversation_note_add(agent=alice, conversation_id=conversation.pk, client_id="n1", body="b")
    assert refused.value.code == "client_id_conflict"


def test_an_agent_of_another_site_is_refused(conversation, charlie):
    with pytest.raises(ChatError) as refused:
        conversation_note_add(agent=charlie, conversation_id=conversation.pk, client_id="n1", body="x")
    assert refused.value.code == "not_found"
    assert not ConversationNote.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"), [("  ", "empty_body"), ("x" * 5001, "body_too_large"), (3, "invalid_field")]
)
def test_it_refuses_a_bad_body(conversation, bob, body, code):
    with pytest.raises(ChatError) as refused:
        conversation_note_add(agent=bob, conversation_id=conversation.pk, client_id="n1", body=body)
    assert refused.value.code == code


def test_a_closed_conversation_still_takes_notes(conversation, bob):
    conversation_close(agent=bob, conversation_id=conversation.pk)

    _note, created = conversation_note_add(
        agent=bob, conversation_id=conversation.pk, client_id="n1", body="Follow up by phone"
    )
    assert created


def test_a_restricted_visitor_gets_no_new_notes(conversation, visitor, bob):
    type(visitor).objects.filter(pk=visitor.pk).update(processing_restricted=True)

    with pytest.raises(ChatError) as refused:
        conversation_note_add(agent=bob, conversation_id=conversation.pk, client_id="n1", body="x")
    assert refused.value.code == "processing_restricted"
