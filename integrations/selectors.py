"""Reads for the API and the admin; access checks live here, one per object."""

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import roles
from accounts.models import Site, User
from chatplatform.lib.tokens import hash_token
from conversations.models import Conversation
from integrations.models import API_TOKEN_PREFIX, ApiToken, WebhookDelivery

# Larger ids cannot exist and would overflow a bigint parameter on PostgreSQL.
MAX_ID = 2**63 - 1
# A due delivery is left to its own task this long before the beat task re-enqueues it.
REQUEUE_GRACE_SECONDS = 120


def site_list_managed_by(*, user: User) -> QuerySet[Site]:
    """Sites whose integrations `user` may see and change: all for the operator, else owned/administered."""
    return roles.site_list_with_role(user=user, roles=roles.MANAGER_ROLES)


def api_token_get_by_secret(*, token: str) -> ApiToken | None:
    """The active token with this clear value, with its site; None for anything else."""
    if not token.startswith(API_TOKEN_PREFIX) or len(token) > 200:
        return None
    return (
        ApiToken.objects.filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .select_related("site")
        .first()
    )


def conversation_get_for_site(*, site: Site, conversation_id: int) -> Conversation | None:
    """The conversation if it belongs to `site`, else None (never tell which)."""
    if not 0 < conversation_id <= MAX_ID:
        return None
    return (
        Conversation.objects.filter(pk=conversation_id, site=site)
        .select_related("site", "visitor", "assigned_agent")
        .first()
    )


def conversation_page_for_site(
    *,
    site: Site,
    status: str | None,
    updated_since: datetime | None,
    after: tuple[datetime, int] | None,
    page_size: int,
) -> tuple[list[Conversation], bool]:
    """One page of the site's conversations, least recently active first, and whether more follow.

    Activity is the last message's time (closing adds a message), or creation for
    a conversation without one. Keyset pagination on (activity, id): a conversation
    that becomes active while a client pages comes again on a later page, so
    polling with `updated_since` misses nothing.
    """
    conversations = (
        Conversation.objects.filter(site=site)
        .select_related("site", "visitor", "assigned_agent")
        .annotate(activity=Coalesce("last_message_at", "created_at"))
    )
    if status:
        conversations = conversations.filter(status=status)
    if updated_since:
        conversations = conversations.filter(activity__gte=updated_since)
    if after:
        activity, pk = after
        conversations = conversations.filter(Q(activity__gt=activity) | Q(activity=activity, pk__gt=pk))
    rows = list(conversations.order_by("activity", "pk")[: page_size + 1])
    return rows[:page_size], len(rows) > page_size


def webhook_delivery_ids_due(*, now: datetime | None = None, limit: int) -> list[int]:
    """Pending deliveries overdue by REQUEUE_GRACE_SECONDS: their task was lost (worker restart)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=REQUEUE_GRACE_SECONDS)
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=cutoff)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
