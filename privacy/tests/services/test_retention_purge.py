import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Site
from conversations.models import Conversation, Message, Visitor
from conversations.services import message_post_by_visitor, visitor_create
from privacy.models import AuditLogEntry, DataSubjectRequest
from privacy.services.retention import retention_purge

NOW = datetime(2026, 11, 27, 3, 17, tzinfo=UTC)
SECRET = "my card number is 4111 1111 1111 1111"


class Killed(Exception):
    """Stands in for the process dying mid-run."""


def chat(site, *, days_ago: int, messages: int = 2, visitor=None, restricted=False):
    """A visitor (new unless given) and a conversation last active `days_ago` days before NOW."""
    if visitor is None:
        visitor, _ = visitor_create(site=site)
    for i in range(messages):
        message_post_by_visitor(visitor=visitor, client_id=f"c{Message.objects.count()}-{i}", body=SECRET)
    conversation = Conversation.objects.filter(visitor=visitor).latest("pk")
    when = NOW - timedelta(days=days_ago)
    # Closed, so that the visitor's next chat opens a new conversation.
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=when, created_at=when - timedelta(hours=1), status="closed"
    )
    Visitor.objects.filter(pk=visitor.pk).update(
        last_seen_at=when, processing_restricted=restricted, created_at=when
    )
    return visitor, conversation


@pytest.fixture
def two_sites(site_a, site_b):
    """Site A keeps 14 days, site B 365."""
    site_a.retention_days, site_b.retention_days = 14, 365
    site_a.save()
    site_b.save()
    return site_a, site_b


def test_it_deletes_what_expired_and_keeps_what_did_not_across_sites(two_sites):
    site_a, site_b = two_sites
    old_a, old_a_conv = chat(site_a, days_ago=15)
    recent_a, recent_a_conv = chat(site_a, days_ago=13)
    mid_b, mid_b_conv = chat(site_b, days_ago=15)
    old_b, old_b_conv = chat(site_b, days_ago=366, messages=3)

    result = retention_purge(now=NOW)

    assert result == {
        site_a.pk: {"conversations": 1, "messages": 2, "visitors": 1},
        site_b.pk: {"conversations": 1, "messages": 3, "visitors": 1},
    }
    assert set(Conversation.objects.values_list("pk", flat=True)) == {recent_a_conv.pk, mid_b_conv.pk}
    assert set(Visitor.objects.values_list("pk", flat=True)) == {recent_a.pk, mid_b.pk}
    assert set(Message.objects.values_list("conversation_id", flat=True)) == {recent_a_conv.pk, mid_b_conv.pk}


def test_a_conversation_without_messages_expires_by_its_creation_time(two_sites):
    site_a, _ = two_sites
    visitor, _ = visitor_create(site=site_a)
    Conversation.objects.create(site=site_a, visitor=visitor)
    Conversation.objects.update(created_at=NOW - timedelta(days=20))
    Visitor.objects.update(last_seen_at=NOW - timedelta(days=20))

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 1, "messages": 0, "visitors": 1}
    assert not Conversation.objects.exists()


def test_it_keeps_an_expired_visitor_who_still_has_a_recent_conversation(two_sites):
    site_a, _ = two_sites
    visitor, old = chat(site_a, days_ago=30)
    _, recent = chat(site_a, days_ago=2, visitor=visitor)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=NOW - timedelta(days=30))

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 1, "messages": 2, "visitors": 0}
    assert list(Conversation.objects.values_list("pk", flat=True)) == [recent.pk]
    assert Visitor.objects.filter(pk=visitor.pk).exists()


def test_a_visitor_left_without_messages_is_kept_for_23_hours_after_last_seen(two_sites):
    site_a, _ = two_sites
    visitor, _ = chat(site_a, days_ago=30)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=NOW - timedelta(hours=22))

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 1, "messages": 2, "visitors": 0}
    assert Visitor.objects.filter(pk=visitor.pk).exists()
    assert retention_purge(now=NOW + timedelta(hours=2))[site_a.pk]["visitors"] == 1


def test_a_visitor_who_never_wrote_is_deleted_within_a_day_whatever_the_retention(two_sites):
    """Observed: visitors that never wrote were kept for the full retention (365 days by default)."""
    from conversations.services import visitor_create

    site_a, _ = two_sites
    Site.objects.filter(pk=site_a.pk).update(retention_days=365)
    silent, _ = visitor_create(site=site_a)
    Visitor.objects.filter(pk=silent.pk).update(last_seen_at=NOW - timedelta(hours=23, minutes=1))
    fresh, _ = visitor_create(site=site_a)
    Visitor.objects.filter(pk=fresh.pk).update(last_seen_at=NOW - timedelta(hours=1))

    assert retention_purge(now=NOW, dry_run=True)[site_a.pk]["visitors"] == 1
    assert retention_purge(now=NOW)[site_a.pk]["visitors"] == 1
    assert not Visitor.objects.filter(pk=silent.pk).exists() and Visitor.objects.filter(pk=fresh.pk).exists()


def test_it_leaves_everything_of_a_restricted_visitor(two_sites):
    site_a, _ = two_sites
    restricted, conversation = chat(site_a, days_ago=400, restricted=True)

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 0, "messages": 0, "visitors": 0}
    assert Visitor.objects.filter(pk=restricted.pk).exists()
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_it_leaves_other_sites_untouched(two_sites):
    site_a, site_b = two_sites
    chat(site_a, days_ago=20)
    _, kept = chat(site_b, days_ago=20)

    result = retention_purge(now=NOW)

    assert result[site_b.pk] == {"conversations": 0, "messages": 0, "visitors": 0}
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditLogEntry.objects.filter(site=site_b).exists()


def test_a_second_run_deletes_nothing(two_sites):
    site_a, _ = two_sites
    chat(site_a, days_ago=20)

    retention_purge(now=NOW)
    again = retention_purge(now=NOW)

    assert again[site_a.pk] == {"conversations": 0, "messages": 0, "visitors": 0}
    assert AuditLogEntry.objects.filter(action="purge").count() == 1


def test_it_works_through_several_batches(two_sites, settings):
    settings.PRIVACY_PURGE_BATCH_SIZE = 2
    site_a, _ = two_sites
    for _ in range(5):
        chat(site_a, days_ago=20)
    _, kept = chat(site_a, days_ago=1)

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 5, "messages": 10, "visitors": 5}
    assert list(Conversation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert Visitor.objects.count() == 1


def test_a_run_killed_after_a_batch_is_finished_by_the_next_run(two_sites, settings, monkeypatch):
    settings.PRIVACY_PURGE_BATCH_SIZE = 2
    site_a, _ = two_sites
    for _ in range(5):
        chat(site_a, days_ago=20)
    from privacy.services import retention

    real_batch, calls = retention._purge_conversation_batch, []

    def dies_on_second_batch(*args):
        calls.append(1)
        if len(calls) == 2:
            raise Killed
        return real_batch(*args)

    monkeypatch.setattr(retention, "_purge_conversation_batch", dies_on_second_batch)
    with pytest.raises(Killed):
        retention_purge(now=NOW)
    assert Conversation.objects.count() == 3
    monkeypatch.undo()

    assert retention_purge(now=NOW)[site_a.pk] == {"conversations": 3, "messages": 6, "visitors": 5}
    assert not Conversation.objects.exists() and not Visitor.objects.exists()


def test_a_dry_run_deletes_nothing_and_reports_the_same_counts(two_sites, settings):
    settings.PRIVACY_PURGE_BATCH_SIZE = 2
    site_a, site_b = two_sites
    for _ in range(3):
        chat(site_a, days_ago=20)
    visitor, _ = chat(site_a, days_ago=30)
    chat(site_a, days_ago=2, visitor=visitor)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=NOW - timedelta(days=30))
    chat(site_a, days_ago=400, restricted=True)
    chat(site_b, days_ago=400)
    before = (Conversation.objects.count(), Message.objects.count(), Visitor.objects.count())

    dry = retention_purge(now=NOW, dry_run=True)

    assert (Conversation.objects.count(), Message.objects.count(), Visitor.objects.count()) == before
    assert not AuditLogEntry.objects.exists()
    assert dry == retention_purge(now=NOW)
    assert dry[site_a.pk] == {"conversations": 4, "messages": 8, "visitors": 3}


def test_it_writes_one_audit_entry_per_site_with_counts_only(two_sites):
    site_a, site_b = two_sites
    chat(site_a, days_ago=20)
    chat(site_a, days_ago=20)
    chat(site_b, days_ago=400)

    retention_purge(now=NOW)

    entries = {e.site_id: e for e in AuditLogEntry.objects.filter(action="purge")}
    assert set(entries) == {site_a.pk, site_b.pk}
    entry = entries[site_a.pk]
    assert entry.actor is None and entry.actor_label == "system" and entry.subject_ref == ""
    assert entry.details == {"conversations": 2, "messages": 4, "visitors": 2}


def test_an_erased_subject_request_keeps_its_reference(two_sites):
    site_a, _ = two_sites
    visitor, _ = chat(site_a, days_ago=20)
    request = DataSubjectRequest.objects.create(
        site=site_a, visitor=visitor, subject_ref="ref", kind="access"
    )

    retention_purge(now=NOW)

    request.refresh_from_db()
    assert request.visitor is None and request.subject_ref == "ref"


def test_its_logs_hold_counts_and_no_message_text(two_sites, caplog):
    site_a, _ = two_sites
    chat(site_a, days_ago=20)

    with caplog.at_level(logging.DEBUG):
        retention_purge(now=NOW)

    purge_records = [r for r in caplog.records if r.name == "privacy.retention"]
    assert purge_records and "messages=2" in purge_records[0].getMessage()
    assert all(SECRET not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("expired", [1, 6])
def test_a_batch_takes_the_same_queries_whatever_its_size(two_sites, settings, expired):
    settings.PRIVACY_PURGE_BATCH_SIZE = 10
    site_a, site_b = two_sites
    site_b.delete()
    for _ in range(expired):
        chat(site_a, days_ago=20, messages=3)

    with CaptureQueriesContext(connection) as queries:
        retention_purge(now=NOW)

    # 1 for the sites, 8 for the conversation batch (notes cascade), 8 for the visitor batch (consent
    # records cascade), 1 for the audit entry.
    assert len(queries) == 18
