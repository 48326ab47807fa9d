"""Writes for sites, agents and agent presence."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AgentConnection, Membership, Site, User
from accounts.selectors import membership_routing_candidates, site_online_agents
from chatplatform.lib.origins import normalize_origin
from conversations import event_schema
from conversations.events import agent_group, send_event_on_commit, site_agents_group, site_widgets_group


def site_create(*, name: str, origins: list[str]) -> Site:
    site = Site(name=name, allowed_origins="\n".join(origins))
    site.full_clean()
    site.save()
    return site


def site_set_origins(*, site: Site, origins: list[str]) -> Site:
    site.allowed_origins = "\n".join(normalize_origin(o) for o in origins)
    site.full_clean()
    site.save(update_fields=["allowed_origins"])
    return site


@transaction.atomic
def agent_create(*, site: Site, email: str, name: str, role: str, password: str) -> User:
    """Create the user (or reuse one with that e-mail) and make it a member of `site`."""
    if role not in Membership.Role.values:
        raise ValueError(f"Unknown role; use one of {', '.join(Membership.Role.values)}.")
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, display_name=name)
    else:
        user.display_name = name
        user.set_password(password)
        user.save(update_fields=["display_name", "password"])
    Membership.objects.update_or_create(user=user, site=site, defaults={"role": role})
    return user


def _broadcast_presence_of(user: User) -> None:
    """Tell widgets and agents of every site of `user` who is online now."""
    for site in Site.objects.filter(memberships__user=user):
        payload = event_schema.presence(site=site, agents=site_online_agents(site=site))
        send_event_on_commit(site_widgets_group(site.pk), payload)
        send_event_on_commit(site_agents_group(site.pk), {**payload, "site": site.key})


@transaction.atomic
def agent_set_availability(*, agent: User, availability: str) -> User:
    if availability not in User.Availability.values:
        raise ValueError("availability must be 'online' or 'away'")
    if agent.availability != availability:
        agent.availability = availability
        agent.save(update_fields=["availability"])
        _broadcast_presence_of(agent)
    # Every dashboard tab of this agent shows the toggle's state.
    send_event_on_commit(agent_group(agent.pk), {"type": "presence", "availability": availability})
    return agent


@transaction.atomic
def agent_connection_open(*, agent: User, channel_name: str) -> None:
    was_connected = agent_is_connected(agent=agent)
    AgentConnection.objects.update_or_create(
        channel_name=channel_name, defaults={"user": agent, "last_seen_at": timezone.now()}
    )
    if not was_connected:
        _broadcast_presence_of(agent)


def agent_connection_beat(*, channel_name: str) -> None:
    AgentConnection.objects.filter(channel_name=channel_name).update(last_seen_at=timezone.now())


@transaction.atomic
def agent_connection_close(*, agent: User, channel_name: str) -> None:
    AgentConnection.objects.filter(channel_name=channel_name).delete()
    if not agent_is_connected(agent=agent):
        _broadcast_presence_of(agent)


def agent_connections_prune() -> int:
    """Delete connections whose daphne process died without closing them."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS)
    stale_users = set(
        AgentConnection.objects.filter(last_seen_at__lt=cutoff).values_list("user_id", flat=True)
    )
    deleted, _ = AgentConnection.objects.filter(last_seen_at__lt=cutoff).delete()
    for user in User.objects.filter(pk__in=stale_users):
        if not agent_is_connected(agent=user):
            with transaction.atomic():
                _broadcast_presence_of(user)
    return deleted


def agent_is_connected(*, agent: User) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS)
    return AgentConnection.objects.filter(user=agent, last_seen_at__gte=cutoff).exists()


def membership_claim_for_routing(*, site: Site) -> User | None:
    """The online member of `site` who should get a new conversation now, or None (it waits).

    Round robin: the member whose `last_assigned_at` is oldest (never first)
    gets it, and that time is set to now. Must run inside the transaction
    that assigns the conversation. The chosen membership row is locked; on
    PostgreSQL two concurrent new conversations skip each other's locked row
    and go to two different agents, and fall back to waiting for the lock
    only when every candidate is taken. SQLite's write lock serialises them.
    """
    if site.routing != Site.Routing.ROUND_ROBIN:
        return None
    candidates = membership_routing_candidates(site=site)
    membership = None
    if connection.features.has_select_for_update_skip_locked:
        membership = candidates.select_for_update(of=("self",), skip_locked=True).first()
    if membership is None:
        membership = candidates.select_for_update(of=("self",)).first()
    if membership is None:
        return None
    Membership.objects.filter(pk=membership.pk).update(last_assigned_at=timezone.now())
    return membership.user


def membership_mark_assigned(*, user: User, site_id: int) -> None:
    """Record that a member got a conversation by hand too, which sends it to the back of the round robin."""
    Membership.objects.filter(user=user, site_id=site_id).update(last_assigned_at=timezone.now())


def session_ref(session_key: str | None) -> str | None:
    """A stand-in for a session key in events, so that the key itself never crosses the channel layer."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32] if session_key else None


def agent_sockets_close(*, agent_id: int, reason: str, session_key: str | None = None) -> None:
    """Close the agent's dashboard sockets within seconds, after commit (code 4003).

    A socket authenticates once, at its handshake, and joins its sites' groups then;
    without this it would go on hearing events after a logout, a removal from a site
    or a deactivation. With `session_key` only the sockets of that login close (logout
    on one device leaves the others); otherwise all of them. A dashboard reconnects
    and is then refused (logged out, deactivated) or joins its current sites.
    """
    send_event_on_commit(
        agent_group(agent_id),
        event_schema.agent_session_ended(reason=reason, session=session_ref(session_key)),
    )


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove an agent from a site: the row goes, its sockets close, the site's presence is told."""
    site, user_id = membership.site, membership.user_id
    membership.delete()
    agent_sockets_close(agent_id=user_id, reason="membership_removed")
    payload = event_schema.presence(site=site, agents=site_online_agents(site=site))
    send_event_on_commit(site_widgets_group(site.pk), payload)
    send_event_on_commit(site_agents_group(site.pk), {**payload, "site": site.key})


@transaction.atomic
def agent_deactivate(*, agent: User) -> User:
    """Block the agent from logging in and close its open sockets (the session cookie stops working too)."""
    if agent.is_active:
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    agent_sockets_close(agent_id=agent.pk, reason="deactivated")
    return agent
