"""Group commit: `messages_post_by_visitors` keeps every rule of a single post, per post."""

import pytest

from conversations.events import site_agents_group, visitor_group
from conversations.models import Conversation, Message, Visitor
from conversations.services import (
    ChatError,
    VisitorPost,
    message_post_by_agent,
    message_post_by_visitor,
    messages_post_by_visitors,
    visitor_create,
)


@pytest.fixture
def visitors(site_a):
    return [visitor_create(site=site_a)[0] for _ in range(3)]


def test_each_post_gets_its_own_result_and_a_refusal_spares_the_others(visitors, site_a):
    restricted = visitors[1]
    Visitor.objects.filter(pk=restricted.pk).update(processing_restricted=True)

    results = messages_post_by_visitors(
        [
            VisitorPost(visitors[0], "a1", "hello"),
            VisitorPost(restricted, "b1", "hello"),
            VisitorPost(visitors[2], "c1", "   "),
            VisitorPost(visitors[2], "c2", "hi"),
        ]
    )

    assert [type(r).__name__ for r in results] == ["tuple", "ChatError", "ChatError", "tuple"]
    assert results[1].code == "processing_restricted" and results[2].code == "empty_body"
    assert {m.client_id for m in Message.objects.all()} == {"a1", "c2"}
    assert Conversation.objects.filter(visitor=restricted).count() == 0


def test_posts_to_one_conversation_get_consecutive_seqs_in_order(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="v0", body="first")
    message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="a0", body="reply")

    results = messages_post_by_visitors([VisitorPost(visitor, f"v{i}", f"body {i}") for i in range(1, 5)])

    assert [r[0].seq for r in results] == [3, 4, 5, 6]
    assert all(created for _, created in results)
    assert list(Message.objects.order_by("seq").values_list("seq", "client_id")) == [
        (1, "v0"),
        (2, "a0"),
        (3, "v1"),
        (4, "v2"),
        (5, "v3"),
        (6, "v4"),
    ]
    assert Conversation.objects.get().last_seq == 6


def test_first_messages_open_one_conversation_each(visitors):
    results = messages_post_by_visitors([VisitorPost(v, "first", "hello") for v in visitors])

    conversations = {r[0].conversation_id for r in results}
    assert len(conversations) == 3 and all(r[0].seq == 1 for r in results)
    assert Conversation.objects.filter(status="open").count() == 3


def test_a_client_id_repeated_in_one_batch_or_stored_before_is_stored_once(visitor):
    stored, _ = message_post_by_visitor(visitor=visitor, client_id="old", body="earlier")

    results = messages_post_by_visitors(
        [
            VisitorPost(visitor, "new", "hello"),
            VisitorPost(visitor, "new", "hello"),
            VisitorPost(visitor, "old", "earlier"),
        ]
    )

    (new, created), (again, created_again), (old, created_old) = results
    assert created and not created_again and not created_old
    assert again.pk == new.pk and old.pk == stored.pk
    assert Message.objects.count() == 2


def test_another_authors_client_id_is_a_conflict(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="v1", body="hi")
    message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="taken", body="reply")

    [result] = messages_post_by_visitors([VisitorPost(visitor, "taken", "hi")])

    assert isinstance(result, ChatError) and result.code == "client_id_conflict"


def test_an_erased_visitor_gets_invalid_token_and_the_others_are_stored(visitors):
    gone = visitors[0]
    Visitor.objects.filter(pk=gone.pk).delete()

    results = messages_post_by_visitors([VisitorPost(gone, "x", "hi"), VisitorPost(visitors[1], "y", "hi")])

    assert isinstance(results[0], ChatError) and results[0].code == "invalid_token"
    assert results[1][1] is True


def test_one_batch_costs_the_statements_of_one_post(
    visitors, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for v in visitors:
        message_post_by_visitor(visitor=v, client_id="open", body="hello")
    many = [VisitorPost(v, f"m{i}", "again") for i in range(4) for v in visitors]

    # SELECT retries, visitors, conversations; UPDATE + SELECT seqs; INSERT; webhook endpoints
    # (+ savepoint statements inside the test's transaction).
    with django_assert_max_num_queries(9):
        results = messages_post_by_visitors(many)

    assert all(created for _, created in results)


def test_each_message_is_announced_after_commit_with_its_own_seq(
    visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    message_post_by_visitor(visitor=visitor, client_id="v0", body="first")
    capture_send_event_calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        messages_post_by_visitors([VisitorPost(visitor, "v1", "one"), VisitorPost(visitor, "v2", "two")])

    to_agents = [p for g, p in capture_send_event_calls if g == site_agents_group(visitor.site_id)]
    to_visitor = [p for g, p in capture_send_event_calls if g == visitor_group(visitor.pk)]
    assert [p["message"]["seq"] for p in to_visitor] == [2, 3]
    assert [(p["message"]["seq"], p["conversation"]["last_seq"]) for p in to_agents] == [(2, 2), (3, 3)]


def test_a_lone_surrogate_is_refused_and_the_rest_of_the_batch_is_stored(visitors):
    results = messages_post_by_visitors(
        [
            VisitorPost(visitors[0], "a1", "bad \ud800 text"),
            VisitorPost(visitors[1], "\udfff", "bad id"),
            VisitorPost(visitors[2], "c1", "Dobrý den"),
        ]
    )

    assert [getattr(r, "code", None) for r in results] == ["invalid_field", "invalid_field", None]
    assert Message.objects.get().body == "Dobrý den"


def test_a_post_that_fails_unexpectedly_fails_alone(visitors, monkeypatch):
    from conversations import services

    refusal = services._visitor_post_refusal

    def breaks_for_the_second(visitor, fresh):
        if visitor.pk == visitors[1].pk:
            raise RuntimeError("a bug")
        return refusal(visitor, fresh)

    monkeypatch.setattr(services, "_visitor_post_refusal", breaks_for_the_second)

    results = messages_post_by_visitors([VisitorPost(v, "x", "hello") for v in visitors])

    assert isinstance(results[1], RuntimeError)
    assert results[0][1] is True and results[2][1] is True
    assert Message.objects.count() == 2
