"""Retention: delete what each site keeps longer than its `retention_days`.

What is deleted, per site, with cutoff = now - site.retention_days:

1. Conversations whose last activity is before the cutoff, with all their
   messages and internal notes (notes cascade with the conversation). Last
   activity is `last_message_at` (indexed), or `created_at` for a
   conversation that never got a message.
2. Then visitors whose `last_seen_at` (indexed) is before the cutoff and who
   have no conversation left. For a visitor who never wrote (no conversation at
   all) the cutoff is CHAT_SILENT_VISITOR_HOURS (23) ago when that is later: a
   widget opened without a message leaves no row for longer than a day (the
   purge runs hourly), however long the site keeps chats.

Everything of a visitor with `processing_restricted` (Art. 18) is skipped:
restricted data is kept until the restriction is lifted.

Why real deletes: the documented window is a promise to the site's visitors.
An archive table (Zulip's approach) or a soft-delete flag would keep the data
past it, in backups and dumps too. Only counts survive, in one audit entry per
site that lost data (action "purge", actor "system").

Batches: at most PRIVACY_PURGE_BATCH_SIZE conversations (or visitors) at a
time, oldest first by the indexed timestamp, each batch in its own
transaction. A run that is killed loses at most the batch in flight, and the
next run picks up where it stopped, because a batch is found by the same
expiry query that the previous batches emptied: running twice deletes nothing
the second time. The rows of a batch are locked (SELECT ... FOR UPDATE on
PostgreSQL), so a message posted at that moment either lands before (and the
conversation, active again, is no longer expired) or waits for the batch.

Messages of a batch go in one DELETE ... WHERE conversation_id IN (...).
Nothing references a message, so Django's `QuerySet.delete()` takes its fast
path and sends exactly that one query, without loading the messages (as fast
as `_raw_delete`, but it would stop being fast, not correct, if a relation to
Message were added). Conversations and visitors are then deleted through the
ORM too: a few queries per batch, not per row, and relations such as
DataSubjectRequest.visitor (SET NULL) are honoured.

Mails this server keeps a copy of (the embedded mode's files, chatplatform.mail)
go with their conversation, and in any case after EMBEDDED_MAIL_DAYS.

Logs and audit entries hold counts and site ids only, never message text or
contact data. `dry_run` counts what a run would delete and changes nothing.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Site
from chatplatform.mail import stored_mail_delete, stored_mail_prune
from conversations.models import Conversation, Message, Visitor
from privacy.models import AuditLogEntry
from privacy.services.audit import audit_record

logger = logging.getLogger("privacy.retention")

Counts = dict[str, int]


def _expired(cutoff: datetime) -> Q:
    return Q(last_message_at__lt=cutoff) | Q(last_message_at__isnull=True, created_at__lt=cutoff)


def _conversations_expired(site: Site, cutoff: datetime) -> QuerySet[Conversation]:
    return Conversation.objects.filter(
        _expired(cutoff), site=site, visitor__processing_restricted=False
    ).order_by("last_message_at", "pk")


def _visitors_expired(site: Site, cutoff: datetime, *, keeping: QuerySet[Conversation]) -> QuerySet[Visitor]:
    """Expired visitors with none of the conversations in `keeping`."""
    return Visitor.objects.filter(
        ~Exists(keeping.filter(visitor_id=OuterRef("pk"))),
        site=site,
        last_seen_at__lt=cutoff,
        processing_restricted=False,
    ).order_by("last_seen_at", "pk")


def _purge_conversation_batch(site: Site, cutoff: datetime, size: int) -> tuple[int, int]:
    """Delete one batch of expired conversations; returns (conversations, messages)."""
    with transaction.atomic():
        ids = list(
            _conversations_expired(site, cutoff)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return 0, 0
        messages, _ = Message.objects.filter(conversation_id__in=ids).delete()
        conversations, _ = Conversation.objects.filter(pk__in=ids).delete()
        transaction.on_commit(lambda: stored_mail_delete(conversation_ids=ids))
    return conversations, messages


def _purge_visitor_batch(site: Site, cutoff: datetime, size: int) -> int:
    with transaction.atomic():
        ids = list(
            _visitors_expired(site, cutoff, keeping=Conversation.objects.all())
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return 0
        # Also clears DataSubjectRequest.visitor (SET NULL); the request keeps its subject_ref.
        _, per_model = Visitor.objects.filter(pk__in=ids).delete()
    return per_model.get(Visitor._meta.label, 0)


def _site_count(site: Site, cutoff: datetime, visitor_cutoff: datetime) -> Counts:
    conversations = _conversations_expired(site, cutoff)
    unexpired = Conversation.objects.exclude(_expired(cutoff))
    return {
        "conversations": conversations.count(),
        "messages": Message.objects.filter(conversation__in=conversations).count(),
        "visitors": _visitors_expired(site, visitor_cutoff, keeping=unexpired).count(),
    }


def _site_purge(site: Site, cutoff: datetime, visitor_cutoff: datetime, size: int) -> Counts:
    counts = {"conversations": 0, "messages": 0, "visitors": 0}
    while True:
        conversations, messages = _purge_conversation_batch(site, cutoff, size)
        counts["conversations"] += conversations
        counts["messages"] += messages
        if conversations < size:
            break
    while True:
        visitors = _purge_visitor_batch(site, visitor_cutoff, size)
        counts["visitors"] += visitors
        if visitors < size:
            break
    return counts


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> dict[int, Counts]:
    """Delete every site's expired conversations, messages and visitors (see the module docstring).

    Returns {site_id: {"conversations": n, "messages": n, "visitors": n}} for
    every site; with `dry_run`, the counts a real run would delete now.
    """
    now = now or timezone.now()
    size = settings.PRIVACY_PURGE_BATCH_SIZE
    if size < 1:
        raise ValueError("PRIVACY_PURGE_BATCH_SIZE must be at least 1.")
    result: dict[int, Counts] = {}
    for site in Site.objects.order_by("pk"):
        cutoff = now - timedelta(days=site.retention_days)
        # Visitors with no conversation left: the later of the two cutoffs (see the docstring).
        visitor_cutoff = max(cutoff, now - timedelta(hours=settings.CHAT_SILENT_VISITOR_HOURS))
        if dry_run:
            counts = _site_count(site, cutoff, visitor_cutoff)
        else:
            counts = _site_purge(site, cutoff, visitor_cutoff, size)
        result[site.pk] = counts
        logger.info(
            "retention purge%s site=%s conversations=%d messages=%d visitors=%d",
            " (dry run)" if dry_run else "",
            site.pk,
            counts["conversations"],
            counts["messages"],
            counts["visitors"],
        )
        if not dry_run and any(counts.values()):
            audit_record(action=AuditLogEntry.Action.PURGE, site=site, details=counts)
    if not dry_run:
        # The embedded mode's copies of sent mail (chatplatform.mail) live EMBEDDED_MAIL_DAYS at most.
        stored_mail_prune(max_age_seconds=settings.EMBEDDED_MAIL_DAYS * 86400)
    return result
