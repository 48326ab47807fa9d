"""Round-robin routing of a visitor's new conversation among the site's online agents."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AgentConnection, Membership, Site, User
from conversations.events import site_agents_group
from conversations.services import message_post_by_visitor, visitor_create


def go_online(user, *, seen_seconds_ago: int = 0) -> None:
    AgentConnection.objects.create(
        user=user,
        channel_name=f"test.{user.pk}.{AgentConnection.objects.count()}",
        last_seen_at=timezone.now() - timedelta(seconds=seen_seconds_ago),
    )


def new_conversation(site, n: int = 1):
    """`n` new visitors of `site` write their first message; returns the conversations."""
    conversations = []
    for _ in range(n):
        visitor, _ = visitor_create(site=site)
        message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello")
        conversations.append(message.conversation)
    return conversations


def assignees(conversations) -> list[str | None]:
    return [c.assigned_agent.public_name if c.assigned_agent_id else None for c in conversations]


def test_it_assigns_new_conversations_round_robin_among_online_agents(site_a, alice, bob):
    go_online(alice)
    go_online(bob)

    conversations = new_conversation(site_a, 4)

    # Nobody had one yet: the older membership first, then always the one who waited longest.
    assert assignees(conversations) == ["Alice", "Bob", "Alice", "Bob"]
    for conversation in conversations:
        conversation.refresh_from_db()
    assert assignees(conversations) == ["Alice", "Bob", "Alice", "Bob"]
    assert Membership.objects.get(user=bob, site=site_a).last_assigned_at is not None


def test_it_gives_the_next_one_to_whoever_waited_longest(site_a, alice, bob):
    go_online(alice)
    go_online(bob)
    now = timezone.now()
    Membership.objects.filter(user=alice).update(last_assigned_at=now)
    Membership.objects.filter(user=bob).update(last_assigned_at=now - timedelta(hours=1))

    assert assignees(new_conversation(site_a, 2)) == ["Bob", "Alice"]


def test_it_routes_only_to_agents_who_are_online(site_a, alice, bob):
    go_online(alice)
    User.objects.filter(pk=alice.pk).update(availability=User.Availability.AWAY)
    go_online(bob, seen_seconds_ago=3600)  # a daphne that died: the connection is stale
    carol = User.objects.create_user(email="carol@a.example", password="x", display_name="Carol")
    Membership.objects.create(user=carol, site=site_a)  # online, but no dashboard open

    assert assignees(new_conversation(site_a, 2)) == [None, None]

    go_online(bob)
    assert assignees(new_conversation(site_a, 2)) == ["Bob", "Bob"]


def test_it_leaves_the_conversation_unassigned_when_nobody_is_online(site_a, alice, bob):
    (conversation,) = new_conversation(site_a)

    conversation.refresh_from_db()
    assert conversation.assigned_agent is None


def test_it_never_routes_to_an_agent_of_another_site(site_a, charlie):
    go_online(charlie)

    assert assignees(new_conversation(site_a)) == [None]


def test_a_manual_site_keeps_new_conversations_in_the_queue(site_a, alice):
    go_online(alice)
    Site.objects.filter(pk=site_a.pk).update(routing=Site.Routing.MANUAL)
    site_a.refresh_from_db()

    assert assignees(new_conversation(site_a)) == [None]


def test_later_messages_do_not_route_again(site_a, alice, bob, visitor):
    go_online(alice)
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello")
    go_online(bob)
    Membership.objects.filter(user=alice).update(last_assigned_at=timezone.now() + timedelta(days=1))

    second, _ = message_post_by_visitor(visitor=visitor, client_id="c2", body="Still there?")

    second.conversation.refresh_from_db()
    assert second.conversation.assigned_agent_id == alice.pk


def test_the_first_message_tells_the_agents_who_got_it(
    site_a, alice, visitor, capture_send_event_calls, django_capture_on_commit_callbacks
):
    go_online(alice)

    with django_capture_on_commit_callbacks(execute=True):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello")

    agents_event = next(p for g, p in capture_send_event_calls if g == site_agents_group(site_a.pk))
    assert agents_event["conversation"]["assigned_agent"]["name"] == "Alice"
    # The visitor's own event carries no assignment (nor any agent's presence data).
    visitor_event = next(p for g, p in capture_send_event_calls if g != site_agents_group(site_a.pk))
    assert "conversation" not in visitor_event


@pytest.mark.django_db(transaction=True)
def test_routing_locks_the_chosen_membership(site_a, alice):
    """The candidate query is SELECT ... FOR UPDATE where the database supports it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    go_online(alice)
    with CaptureQueriesContext(connection) as queries:
        new_conversation(site_a)
    routing = [q["sql"] for q in queries if "accounts_membership" in q["sql"] and "SELECT" in q["sql"]]
    assert routing
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in routing[0]


@pytest.mark.django_db(transaction=True)
def test_two_conversations_opened_at_once_go_to_two_agents(site_a, alice, bob):
    """PostgreSQL: the second transaction skips the membership the first one holds locked."""
    import threading

    from django.db import connection, connections, transaction

    from accounts.services import membership_claim_for_routing

    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite serialises writers with its database lock; nothing to skip")
    go_online(alice)
    go_online(bob)
    first_claimed, second_done = threading.Event(), threading.Event()
    got: dict[str, str | None] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                got["first"] = membership_claim_for_routing(site=site_a).public_name
                first_claimed.set()
                second_done.wait(10)  # hold the lock while the other one claims
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_claimed.wait(10)
            with transaction.atomic():
                got["second"] = membership_claim_for_routing(site=site_a).public_name
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)

    assert got == {"first": "Alice", "second": "Bob"}
