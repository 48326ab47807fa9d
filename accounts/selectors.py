"""Reads across accounts relations."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Membership, Site, User


def site_get_by_key(*, key: str) -> Site | None:
    return Site.objects.filter(key=key).first()


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
