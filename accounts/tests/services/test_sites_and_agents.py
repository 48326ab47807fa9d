from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AgentConnection, Membership, User
from accounts.selectors import site_online_agents
from accounts.services import (
    agent_connection_close,
    agent_connection_open,
    agent_connections_prune,
    agent_create,
    agent_set_availability,
    site_create,
)
from accounts.tasks import agent_connections_prune_task
from conversations.events import agent_group, site_agents_group, site_widgets_group


def test_site_origins_are_normalised_and_deduplicated(db):
    site = site_create(
        name="Shop", origins=["HTTPS://Shop.Example:443/", "https://shop.example", "http://localhost:8001"]
    )

    assert site.origin_list == ["https://shop.example", "http://localhost:8001"]
    assert site.key.startswith("site_") and len(site.key) > 20
    assert site.allows_origin("https://shop.example")
    assert not site.allows_origin("https://shop.example:8443")
    assert not site.allows_origin("null")
    assert not site.allows_origin(None)


@pytest.mark.parametrize(
    "origin", ["shop.example", "ftp://shop.example", "https://shop.example/path", "null", ""]
)
def test_it_refuses_what_is_not_an_origin(db, origin):
    with pytest.raises(ValidationError):
        site_create(name="Shop", origins=[origin])


def test_an_agent_logs_in_with_email_and_is_a_member_with_a_role(site_a, client):
    user = agent_create(
        site=site_a, email=" Dana@Shop.Example ", name="Dana", role="admin", password="s3cret-pass-word"
    )

    assert user.email == "dana@shop.example" and user.public_name == "Dana"
    assert Membership.objects.get(user=user, site=site_a).role == "admin"
    assert client.login(username="dana@shop.example", password="s3cret-pass-word")


def test_agent_create_adds_an_existing_user_to_another_site(alice, site_b):
    agent_create(
        site=site_b, email="alice@a.example", name="Alice B", role="agent", password="another-pass-1"
    )
    assert User.objects.filter(email="alice@a.example").count() == 1
    assert set(Membership.objects.filter(user=alice).values_list("site__name", flat=True)) == {
        "Site A",
        "Site B",
    }


def test_it_refuses_an_unknown_role(site_a):
    with pytest.raises(ValueError):
        agent_create(site=site_a, email="x@a.example", name="X", role="god", password="pw-123456789")


def test_an_agent_is_online_only_while_connected_and_available(site_a, bob):
    assert site_online_agents(site=site_a) == []
    agent_connection_open(agent=bob, channel_name="chan-1")
    assert site_online_agents(site=site_a) == [bob]

    agent_set_availability(agent=bob, availability="away")
    assert site_online_agents(site=site_a) == []

    agent_set_availability(agent=bob, availability="online")
    agent_connection_close(agent=bob, channel_name="chan-1")
    assert site_online_agents(site=site_a) == []


def test_presence_changes_go_to_the_sites_widgets_and_agents_and_the_agents_tabs(
    site_a, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        agent_connection_open(agent=bob, channel_name="chan-1")
        agent_connection_open(agent=bob, channel_name="chan-2")  # second tab: no change, no event
        agent_set_availability(agent=bob, availability="away")

    groups = [group for group, _ in capture_send_event_calls]
    assert groups == [
        site_widgets_group(site_a.pk),
        site_agents_group(site_a.pk),  # connected
        site_widgets_group(site_a.pk),
        site_agents_group(site_a.pk),  # away
        agent_group(bob.pk),
    ]
    assert capture_send_event_calls[0][1]["online"] is True
    assert capture_send_event_calls[2][1]["online"] is False


def test_prune_forgets_connections_of_dead_processes(site_a, bob, settings):
    agent_connection_open(agent=bob, channel_name="dead")
    AgentConnection.objects.update(
        last_seen_at=timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS + 1)
    )
    agent_connection_open(agent=bob, channel_name="alive")
    AgentConnection.objects.filter(channel_name="alive").update(last_seen_at=timezone.now())

    assert agent_connections_prune_task.delay().get() == 1
    assert list(AgentConnection.objects.values_list("channel_name", flat=True)) == ["alive"]
    assert agent_connections_prune() == 0
