import pytest

from conversations.events import site_agents_group, visitor_group
from conversations.models import Conversation, Message
from conversations.services import (
    ChatError,
    conversation_close,
    message_post_by_agent,
    message_post_by_visitor,
)


def test_it_opens_a_conversation_with_the_first_visitor_message(visitor):
    message, created = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello")

    assert created
    assert message.seq == 1
    assert message.author_type == Message.Author.VISITOR
    conversation = Conversation.objects.get()
    assert conversation.visitor == visitor and conversation.status == "open" and conversation.last_seq == 1


def test_seq_grows_by_one_in_the_same_conversation(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="one")
    reply, _ = message_post_by_agent(
        agent=bob, conversation_id=first.conversation_id, client_id="a1", body="two"
    )
    third, _ = message_post_by_visitor(visitor=visitor, client_id="c2", body="three")

    assert [first.seq, reply.seq, third.seq] == [1, 2, 3]
    assert third.conversation_id == first.conversation_id


def test_a_repeated_client_id_is_stored_once(visitor):
    first, created_first = message_post_by_visitor(visitor=visitor, client_id="same", body="Hello")
    again, created_again = message_post_by_visitor(visitor=visitor, client_id="same", body="Hello")

    assert created_first and not created_again
    assert again.pk == first.pk
    assert Message.objects.count() == 1


def test_a_repeated_client_id_after_close_is_still_stored_once(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="same", body="Hello")
    conversation_close(agent=bob, conversation_id=first.conversation_id)

    again, created = message_post_by_visitor(visitor=visitor, client_id="same", body="Hello")

    assert not created and again.pk == first.pk
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize(
    "body, code",
    [
        ("", "empty_body"),
        ("   \n", "empty_body"),
        ("x" * 5001, "body_too_large"),
        (None, "invalid_field"),
        (42, "invalid_field"),
        ("a\x00b", "invalid_field"),
    ],
)
def test_it_refuses_bad_bodies_and_stores_nothing(visitor, body, code):
    with pytest.raises(ChatError) as err:
        message_post_by_visitor(visitor=visitor, client_id="c1", body=body)

    assert err.value.code == code
    assert not Message.objects.exists() and not Conversation.objects.exists()


@pytest.mark.parametrize("client_id", ["", "x" * 65, None, 7])
def test_it_refuses_bad_client_ids(visitor, client_id):
    with pytest.raises(ChatError) as err:
        message_post_by_visitor(visitor=visitor, client_id=client_id, body="hi")
    assert err.value.code == "invalid_field"


def test_the_body_limit_is_exactly_the_setting(visitor, settings):
    settings.CHAT_MAX_BODY_CHARS = 10
    message_post_by_visitor(visitor=visitor, client_id="ok", body="x" * 10)
    with pytest.raises(ChatError):
        message_post_by_visitor(visitor=visitor, client_id="no", body="x" * 11)


def test_agent_reply_assigns_an_unassigned_conversation(visitor, bob, alice):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="a1", body="Hello")
    message_post_by_agent(agent=alice, conversation_id=first.conversation_id, client_id="a2", body="Me too")

    assert Conversation.objects.get().assigned_agent == bob


def test_it_rejects_an_agent_of_another_site(visitor, charlie):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    with pytest.raises(ChatError) as err:
        message_post_by_agent(
            agent=charlie, conversation_id=first.conversation_id, client_id="x", body="Sneaky"
        )

    assert err.value.code == "not_found"
    assert Message.objects.count() == 1


def test_it_refuses_a_client_id_used_by_another_author(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    with pytest.raises(ChatError) as err:
        message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="c1", body="Hello")
    assert err.value.code == "client_id_conflict"


def test_closing_records_a_system_message_and_refuses_further_replies(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    conversation = conversation_close(agent=bob, conversation_id=first.conversation_id)

    assert conversation.status == "closed" and conversation.closed_at
    system = Message.objects.get(seq=2)
    assert system.author_type == "system" and "Bob" in system.body
    with pytest.raises(ChatError) as err:
        message_post_by_agent(agent=bob, conversation_id=conversation.pk, client_id="a1", body="late")
    assert err.value.code == "conversation_closed"
    with pytest.raises(ChatError):
        conversation_close(agent=bob, conversation_id=conversation.pk)


def test_a_visitor_message_after_close_opens_a_new_conversation(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    conversation_close(agent=bob, conversation_id=first.conversation_id)

    later, _ = message_post_by_visitor(visitor=visitor, client_id="c2", body="Back again")

    assert later.conversation_id != first.conversation_id and later.seq == 1


def test_a_visitor_message_is_announced_to_the_visitor_and_its_site_agents_only(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    groups = [group for group, _ in capture_send_event_calls]
    assert groups == [visitor_group(visitor.pk), site_agents_group(visitor.site_id)]
    assert all(payload["type"] == "message.new" for _, payload in capture_send_event_calls)
    agent_payload = capture_send_event_calls[1][1]
    assert agent_payload["message"]["id"] == message.pk
    assert agent_payload["conversation"]["last_message"]["body"] == "Hi"


def test_nothing_is_announced_before_commit(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
        assert capture_send_event_calls == []
    assert len(callbacks) == 2


def test_a_repeated_client_id_is_not_announced_again(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    assert capture_send_event_calls == []


def test_closing_is_announced_to_visitor_and_site_agents(
    visitor, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        conversation_close(agent=bob, conversation_id=first.conversation_id)

    sent = [(group, payload["type"]) for group, payload in capture_send_event_calls]
    assert sent == [
        (visitor_group(visitor.pk), "message.new"),
        (site_agents_group(visitor.site_id), "message.new"),
        (visitor_group(visitor.pk), "conversation.updated"),
        (site_agents_group(visitor.site_id), "conversation.updated"),
    ]
    visitor_view = capture_send_event_calls[2][1]["conversation"]
    assert set(visitor_view) == {"id", "status", "last_seq"}


def test_posting_takes_a_bounded_number_of_queries(visitor, django_assert_max_num_queries):
    message_post_by_visitor(visitor=visitor, client_id="c0", body="first")
    # savepoint, client_id lookup, restriction, open conversation, seq update + read, insert,
    # webhook endpoints of the site (none), release
    with django_assert_max_num_queries(9):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")


def test_a_restricted_visitor_can_neither_write_nor_be_written_to(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    type(visitor).objects.filter(pk=visitor.pk).update(processing_restricted=True)

    with pytest.raises(ChatError) as by_visitor:
        message_post_by_visitor(
            visitor=visitor, client_id="c2", body="More"
        )  # a stale object, as in a socket
    with pytest.raises(ChatError) as by_agent:
        message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="a1", body="Reply")

    assert by_visitor.value.code == by_agent.value.code == "processing_restricted"
    assert Message.objects.count() == 1
    again, created = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    assert again.pk == first.pk and not created  # a retry of what was stored before is still acked


def test_a_first_message_and_its_events_take_a_bounded_number_of_queries(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # As in the consumer: the visitor comes with its site loaded.
    visitor = type(visitor).objects.select_related("site").get(pk=visitor.pk)
    # savepoint, client_id lookup, restriction, open conversation, insert conversation,
    # routing (no agent online), offline flag, webhook endpoints (none), seq update + read, insert
    # message, webhook endpoints again (none), release; building the events reads nothing more.
    # PostgreSQL takes one more: routing first tries SKIP LOCKED, then waits for a locked row.
    with django_assert_max_num_queries(14), django_capture_on_commit_callbacks(execute=True):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    assert capture_send_event_calls[1][1]["conversation"]["site"]["key"] == visitor.site.key
