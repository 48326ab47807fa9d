"""Reads across accounts relations."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from accounts.models import AgentConnection, Membership, Site, User


def site_get_by_key(*, key: str) -> Site | None:
    return Site.objects.filter(key=key).first()


def site_get_for_member(*, user: User, key: str) -> Site | None:
    """The site with `key` if `user` is a member of it (or a superuser); else None."""
    sites = Site.objects.all() if user.is_superuser else Site.objects.filter(memberships__user=user)
    return sites.filter(key=key).first()


def site_list_for_agent(*, agent: User) -> QuerySet[Site]:
    return Site.objects.filter(memberships__user=agent).order_by("name")


def membership_list_for_agent(*, agent: User) -> list[Membership]:
    return list(Membership.objects.filter(user=agent).select_related("site").order_by("site__name"))


def site_online_agents(*, site: Site) -> list[User]:
    """Members who chose "online" and have a live dashboard socket."""
    cutoff = timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS)
    return list(
        User.objects.filter(
            memberships__site=site,
            is_active=True,
            availability=User.Availability.ONLINE,
            connections__last_seen_at__gte=cutoff,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def site_member_list(*, site: Site) -> list[User]:
    """Active members of `site`, for the dashboard's assign control."""
    return list(
        User.objects.filter(memberships__site=site, is_active=True).order_by("display_name", "email", "pk")
    )


def membership_routing_candidates(*, site: Site) -> QuerySet[Membership]:
    """Memberships of `site` whose user is online, the longest without a new conversation first.

    Online as in `site_online_agents`. Presence is an EXISTS, not a join, so
    the query stays free of DISTINCT and can be locked (FOR UPDATE).
    """
    cutoff = timezone.now() - timedelta(seconds=settings.CHAT_PRESENCE_TTL_SECONDS)
    live = AgentConnection.objects.filter(user_id=OuterRef("user_id"), last_seen_at__gte=cutoff)
    return (
        Membership.objects.filter(
            Exists(live), site=site, user__is_active=True, user__availability=User.Availability.ONLINE
        )
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    )


def membership_is_last_owner(*, membership: Membership) -> bool:
    """Whether `membership` is the only owner of its site (a site always keeps one)."""
    if membership.role != Membership.Role.OWNER:
        return False
    return (
        not Membership.objects.filter(site_id=membership.site_id, role=Membership.Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )
