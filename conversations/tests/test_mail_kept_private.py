"""No mail in a log: the embedded mode keeps each mail as an owner-only file, erased with its subject.

Observed before: EMAIL_URL defaulted to consolemail://, so the worker's log held whole transcripts,
offline-form names, e-mails and phone numbers, and still did after the subject was erased.
"""

import logging
import os
import time

import pytest

from chatplatform.mail import stored_mail_prune
from conversations.offline import conversation_offline_email_send
from conversations.services import (
    conversation_transcript_send_to_visitor,
    message_post_by_visitor,
)
from privacy.services.retention import retention_purge
from privacy.services.subjects import data_subject_erase

SECRET = "zorblat-mail-secret-7bq3"


@pytest.fixture
def kept(settings, tmp_path):
    settings.EMAIL_BACKEND = "chatplatform.mail.PrivateFileEmailBackend"
    settings.EMBEDDED_MAIL_DIR = tmp_path / "mail"
    return tmp_path / "mail"


@pytest.fixture
def chat(visitor, site_a):
    from conversations.models import Visitor

    Visitor.objects.filter(pk=visitor.pk).update(name="Quixwell", email="quix@marker.example")
    message, _ = message_post_by_visitor(visitor=visitor, client_id="m1", body=f"my {SECRET}")
    site_a.notification_email = "team@a.example"
    site_a.save(update_fields=["notification_email"])
    return message.conversation_id


def test_a_kept_mail_is_an_owner_only_file_and_the_log_holds_only_a_count(kept, chat, caplog):
    caplog.set_level(logging.DEBUG)

    conversation_transcript_send_to_visitor(conversation_id=chat, to="quix@marker.example", lang="en")
    conversation_offline_email_send(conversation_id=chat)

    files = sorted(kept.iterdir())
    assert len(files) == 2
    assert kept.stat().st_mode & 0o777 == 0o700
    assert all(f.stat().st_mode & 0o777 == 0o600 for f in files)
    assert SECRET in files[0].read_text() + files[1].read_text()
    for needle in (SECRET, "quix@marker.example", "Quixwell", "team@a.example"):
        assert needle not in caplog.text, needle
    assert "count=1" in caplog.text


def test_an_erasure_deletes_the_kept_mails_about_the_subject(
    kept, chat, visitor, alice, site_a, django_capture_on_commit_callbacks
):
    from conversations.services import visitor_create

    other, _ = visitor_create(site=site_a)
    other_message, _ = message_post_by_visitor(visitor=other, client_id="o1", body="someone else")
    conversation_transcript_send_to_visitor(conversation_id=chat, to="quix@marker.example")
    conversation_transcript_send_to_visitor(conversation_id=other_message.conversation_id, to="o@x.example")

    with django_capture_on_commit_callbacks(execute=True):
        data_subject_erase(visitor=visitor, requested_by=alice)

    left = [f.read_text() for f in kept.iterdir()]
    assert len(left) == 1 and SECRET not in left[0] and "someone else" in left[0]


def test_retention_deletes_the_kept_mails_of_expired_conversations_and_old_ones(
    kept, chat, site_a, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    conversation_transcript_send_to_visitor(conversation_id=chat, to="quix@marker.example")
    with django_capture_on_commit_callbacks(execute=True):
        retention_purge(now=timezone.now() + timedelta(days=site_a.retention_days + 1))
    assert list(kept.iterdir()) == []

    stale = kept / "none-1-old.eml"
    stale.write_text("x")
    os.utime(stale, (time.time() - 8 * 86400, time.time() - 8 * 86400))
    assert stored_mail_prune(max_age_seconds=7 * 86400) == 1 and not stale.exists()
