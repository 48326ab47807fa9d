"""The beat task and `manage.py purge_expired` run the same purge."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from conversations.models import Conversation, Message, Visitor
from conversations.services import message_post_by_visitor, visitor_create
from privacy import tasks
from privacy.models import AuditLogEntry


def expired_chat(site):
    visitor, _ = visitor_create(site=site)
    message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello")
    long_ago = timezone.now() - timedelta(days=site.retention_days + 1)
    Conversation.objects.filter(visitor=visitor).update(last_message_at=long_ago, created_at=long_ago)
    Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=long_ago)


def purge_output(*args) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_counts_per_site_and_deletes(site_a, site_b):
    expired_chat(site_a)

    output = purge_output()

    assert f"Site A (site {site_a.pk}): deleted 1 conversations, 1 messages, 1 visitors" in output
    assert f"Site B (site {site_b.pk}): deleted 0 conversations, 0 messages, 0 visitors" in output
    assert not Message.objects.exists() and not Visitor.objects.exists()
    assert AuditLogEntry.objects.get().details == {"conversations": 1, "messages": 1, "visitors": 1}


def test_the_command_with_dry_run_only_counts(site_a):
    expired_chat(site_a)

    output = purge_output("--dry-run")

    assert f"Site A (site {site_a.pk}): would delete 1 conversations, 1 messages, 1 visitors" in output
    assert Message.objects.count() == 1 and not AuditLogEntry.objects.exists()


def test_the_beat_task_runs_the_same_purge(site_a):
    expired_chat(site_a)

    result = tasks.retention_purge_task.delay().get()

    assert result == {site_a.pk: {"conversations": 1, "messages": 1, "visitors": 1}}
    assert not Message.objects.exists()


def test_the_task_and_the_command_call_retention_purge_only(site_a, monkeypatch):
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return {}

    monkeypatch.setattr("privacy.tasks.retention_purge", fake)
    monkeypatch.setattr("privacy.management.commands.purge_expired.retention_purge", fake)

    tasks.retention_purge_task.delay()
    purge_output("--dry-run")

    assert calls == [{}, {"dry_run": True}]


def test_the_beat_schedule_runs_the_purge_hourly():
    from chatplatform.celery import app

    entry = app.conf.beat_schedule["retention-purge"]
    assert entry["task"] == tasks.retention_purge_task.name
    assert entry["schedule"].hour == set(range(24)) and entry["schedule"].minute == {17}
