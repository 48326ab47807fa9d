"""Writes for sites, agents and agent presence."""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import AgentConnection, Membership, Site, User
from accounts.selectors import membership_routing_candidates, site_online_agents
from chatplatform.lib.origins import normalize_origin
from chatplatform.mail import mail_send
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
        user.save(update_fields=["display_name"])
        if not user.check_password(password):
            agent_password_set(agent=user, password=password)
    Membership.objects.update_or_create(user=user, site=site, defaults={"role": role})
    return user


@transaction.atomic
def agent_sessions_end(*, agent: User, reason: str) -> None:
    """End every login of `agent`: the one rule behind password changes, deactivation and removal.

    1. Raise `session_epoch`, which is part of the session hash (User._get_session_auth_hash):
       every session made before is refused from the next request on, and so is its cookie
       at a socket handshake (channels checks the same hash).
    2. Close every open dashboard socket of the agent within seconds (code 4003).
    A view that should keep the caller's own session logged in calls
    `update_session_auth_hash(request, agent)` afterwards, as Django's password views do.
    """
    User.objects.filter(pk=agent.pk).update(session_epoch=F("session_epoch") + 1)
    agent.refresh_from_db(fields=["session_epoch"])
    agent_sockets_close(agent_id=agent.pk, reason=reason)


@transaction.atomic
def agent_password_set(*, agent: User, password: str | None) -> User:
    """Set (or, with None, disable) the password and end every other login of the agent."""
    if password is None:
        agent.set_unusable_password()
    else:
        agent.set_password(password)
    agent.save(update_fields=["password"])
    agent_sessions_end(agent=agent, reason="password_changed")
    return agent


def agent_profile_update(
    *, agent: User, display_name: str, language: str, photo=None, photo_clear: bool = False
) -> User:
    """What an agent edits on its account page; name and photo are shown to visitors."""
    if language not in {"", *dict(settings.LANGUAGES)}:
        raise ValueError("Unknown language.")
    agent.display_name = display_name.strip()
    agent.language = language
    fields = ["display_name", "language"]
    if photo_clear and agent.photo:
        agent.photo.delete(save=False)
        fields.append("photo")
    if photo is not None:
        agent.photo = photo
        fields.append("photo")
    agent.save(update_fields=fields)
    return agent


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
def membership_add(*, site: Site, email: str, role: str) -> tuple[Membership, bool]:
    """Make the account with `email` a member of `site`; creates it, without a password, if new.

    Returns the membership and whether the account is new. A new account cannot log in until its
    invitee sets a password through the link of `membership_invitation_send`.
    """
    if role not in Membership.Role.values:
        raise ValueError("Unknown role.")
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None)
    membership = Membership.objects.create(user=user, site=site, role=role)
    return membership, created


@transaction.atomic
def membership_role_set(*, membership: Membership, role: str) -> Membership:
    """Change a member's role; the admin checks it per request, so nothing else has to end."""
    if role not in Membership.Role.values:
        raise ValueError("Unknown role.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def membership_invitation_send(*, membership_id: int, invited_by_id: int | None) -> bool:
    """E-mail the member its invitation: a set-password link for a new account, else a notice.

    The link carries a one-time token (accounts.tokens), not the address. Returns whether a mail went.
    """
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils import translation
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts.tokens import invitation_token_generator

    membership = Membership.objects.select_related("user", "site").filter(pk=membership_id).first()
    if membership is None or not membership.user.is_active:
        return False
    user, inviter = membership.user, User.objects.filter(pk=invited_by_id).first()
    link = None
    if not user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = invitation_token_generator.make_token(user)
        link = settings.PUBLIC_URL + reverse("invitation-accept", kwargs={"uidb64": uid, "token": token})
    context = {
        "site_name": membership.site.name,
        "role": membership.get_role_display(),
        "inviter": inviter.public_name if inviter else None,
        "link": link,
        "dashboard_url": settings.PUBLIC_URL + reverse("dashboard:inbox"),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
    mail_send(subject=subject, body=body, to=[user.email])
    return True


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove an agent from a site: the row goes, its logins end, the site's presence is told."""
    site, user = membership.site, membership.user
    membership.delete()
    agent_sessions_end(agent=user, reason="membership_removed")
    payload = event_schema.presence(site=site, agents=site_online_agents(site=site))
    send_event_on_commit(site_widgets_group(site.pk), payload)
    send_event_on_commit(site_agents_group(site.pk), {**payload, "site": site.key})


@transaction.atomic
def agent_deactivate(*, agent: User) -> User:
    """Block the agent from logging in and close its open sockets (the session cookie stops working too)."""
    if agent.is_active:
        agent.is_active = False
        agent.save(update_fields=["is_active"])
    # Also raises the epoch, so that reactivating the account revives none of its old logins.
    agent_sessions_end(agent=agent, reason="deactivated")
    return agent
