"""Taking, transferring and unassigning a conversation (conversation_assign)."""

import pytest

from accounts.models import Membership
from conversations.events import site_agents_group, site_widgets_group, visitor_group
from conversations.models import Conversation, Message
from conversations.services import ChatError, conversation_assign, conversation_close, message_post_by_visitor


@pytest.fixture
def conversation(visitor):
    message, _ = message_post_by_visitor(
        visitor=visitor, client_id="c1", body="Hi, I am Jane, jane@x.example"
    )
    return message.conversation


def system_messages(conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, author_type="system")
        .order_by("seq")
        .values_list("body", flat=True)
    )


def test_an_agent_takes_an_unassigned_conversation(conversation, bob):
    result = conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)

    assert result.assigned_agent == bob
    conversation.refresh_from_db()
    assert conversation.assigned_agent_id == bob.pk
    assert system_messages(conversation) == ["Bob joined the chat."]
    assert Membership.objects.get(user=bob).last_assigned_at is not None


def test_a_transfer_posts_a_system_message_and_tells_the_site_agents(
    conversation, visitor, alice, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    conversation_assign(agent=alice, conversation_id=conversation.pk, assignee_id=alice.pk)
    capture_send_event_calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(agent=alice, conversation_id=conversation.pk, assignee_id=bob.pk)

    assert system_messages(conversation) == ["Alice joined the chat.", "Alice transferred the chat to Bob."]
    sent = [(group, payload["type"]) for group, payload in capture_send_event_calls]
    assert sent == [
        (visitor_group(visitor.pk), "message.new"),
        (site_agents_group(visitor.site_id), "message.new"),
        (site_agents_group(visitor.site_id), "conversation.updated"),
    ]
    visitor_payload = capture_send_event_calls[0][1]
    assert visitor_payload["message"]["author"] == "system"
    assert visitor_payload["message"]["body"] == "Alice transferred the chat to Bob."
    updated = capture_send_event_calls[2][1]["conversation"]
    assert updated["assigned_agent"]["name"] == "Bob"
    assert updated["last_seq"] == 3
    # The system message names agents only, never anything the visitor wrote.
    assert "Jane" not in visitor_payload["message"]["body"]
    assert all(group != site_widgets_group(visitor.site_id) for group, _ in capture_send_event_calls)


def test_taking_over_and_unassigning_say_who(conversation, alice, bob):
    conversation_assign(agent=alice, conversation_id=conversation.pk, assignee_id=alice.pk)
    conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)
    conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=None)

    assert system_messages(conversation) == [
        "Alice joined the chat.",
        "Bob took over the chat from Alice.",
        "Bob left the chat.",
    ]
    conversation.refresh_from_db()
    assert conversation.assigned_agent is None


def test_assigning_the_current_assignee_again_changes_and_sends_nothing(
    conversation, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)
    capture_send_event_calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)
        conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)

    assert capture_send_event_calls == []
    assert system_messages(conversation) == ["Bob joined the chat."]


def test_an_agent_of_another_site_is_refused(conversation, charlie, bob):
    with pytest.raises(ChatError) as take:
        conversation_assign(agent=charlie, conversation_id=conversation.pk, assignee_id=charlie.pk)
    with pytest.raises(ChatError) as give:
        conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=charlie.pk)

    assert take.value.code == "not_found"
    assert give.value.code == "invalid_field"
    conversation.refresh_from_db()
    assert conversation.assigned_agent is None
    assert system_messages(conversation) == []


@pytest.mark.parametrize("assignee", [True, "3", 1.5, [1]])
def test_it_refuses_an_assignee_that_is_not_an_id(conversation, bob, assignee):
    with pytest.raises(ChatError) as refused:
        conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=assignee)
    assert refused.value.code == "invalid_field"


def test_it_refuses_a_closed_conversation(conversation, bob):
    conversation_close(agent=bob, conversation_id=conversation.pk)

    with pytest.raises(ChatError) as refused:
        conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)
    assert refused.value.code == "conversation_closed"


def test_a_restricted_visitor_gets_no_system_message(conversation, visitor, bob):
    type(visitor).objects.filter(pk=visitor.pk).update(processing_restricted=True)

    conversation_assign(agent=bob, conversation_id=conversation.pk, assignee_id=bob.pk)

    assert Conversation.objects.get(pk=conversation.pk).assigned_agent_id == bob.pk
    assert system_messages(conversation) == []
