import re

import pytest
from django.utils import timezone

from conversations.models import Conversation, Visitor
from conversations.services import (
    ChatError,
    conversation_note_add,
    conversation_transcript_request_by_visitor,
    message_post_by_agent,
    message_post_by_visitor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(visitor, bob):
    Visitor.objects.filter(pk=visitor.pk).update(email="Jo@Example.org")  # given in the contact form
    visitor.refresh_from_db()
    first, _ = message_post_by_visitor(visitor=visitor, client_id="v1", body="Where is my parcel?")
    message_post_by_agent(
        agent=bob, conversation_id=first.conversation_id, client_id="a1", body="On its way."
    )
    conversation_note_add(
        agent=bob, conversation_id=first.conversation_id, client_id="n1", body="VIP, be nice"
    )
    return first.conversation_id


def test_it_emails_the_messages_but_never_the_notes(
    visitor, chat, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to="jo@example.org")

    [mail] = mailoutbox
    assert mail.to == ["jo@example.org"] and mail.subject == "Your chat with Site A"
    assert "Where is my parcel?" in mail.body and "On its way." in mail.body
    assert "VIP" not in mail.body
    assert Conversation.objects.get(pk=chat).transcript_sent_at is not None


def test_a_second_request_within_minutes_is_refused(
    visitor, chat, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to="jo@example.org")
        with pytest.raises(ChatError) as exc:
            conversation_transcript_request_by_visitor(
                visitor=visitor, conversation_id=chat, to="jo@example.org"
            )

    assert exc.value.code == "rate_limited" and len(mailoutbox) == 1


@pytest.mark.parametrize("to", ["", "nope", "jo@example.org\r\nBcc: all@example.org", None])
def test_bad_addresses_are_refused(visitor, chat, to):
    with pytest.raises(ChatError) as exc:
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to=to)
    assert exc.value.code == "invalid_field"


def test_another_visitors_conversation_is_not_found(site_a, chat):
    other = Visitor.objects.create(site=site_a, token_hash="x" * 64, email="jo@example.org")

    with pytest.raises(ChatError) as exc:
        conversation_transcript_request_by_visitor(visitor=other, conversation_id=chat, to="jo@example.org")

    assert exc.value.code == "not_found"


def test_a_restricted_visitor_gets_nothing_sent(visitor, chat, mailoutbox):
    Visitor.objects.filter(pk=visitor.pk).update(processing_restricted=True)

    with pytest.raises(ChatError) as exc:
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to="jo@example.org")

    assert exc.value.code == "processing_restricted" and mailoutbox == []
    assert Conversation.objects.get(pk=chat).transcript_sent_at is None


def test_the_transcript_is_written_in_the_widgets_language(
    visitor, chat, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transcript_request_by_visitor(
            visitor=visitor, conversation_id=chat, to="jo@example.org", lang="de"
        )

    [mail] = mailoutbox
    assert mail.subject == "Ihr Chat mit Site A"
    assert mail.body.startswith("Verlauf eines Chats auf Site A mit ")
    assert "Begonnen " in mail.body and "Where is my parcel?" in mail.body
    assert "Transcript of" not in mail.body


@pytest.mark.parametrize("lang", [None, "", "xx", 42, "zz-DE"])
def test_an_unknown_language_gets_the_default_one(
    visitor, chat, mailoutbox, django_capture_on_commit_callbacks, lang
):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transcript_request_by_visitor(
            visitor=visitor, conversation_id=chat, to="jo@example.org", lang=lang
        )

    [mail] = mailoutbox
    assert mail.subject == "Your chat with Site A" and mail.body.startswith("Transcript of a chat on Site A")


def test_another_address_gets_only_a_confirmation_link_with_nothing_the_requester_wrote(
    visitor, chat, mailoutbox, client, django_capture_on_commit_callbacks
):
    """Observed: any address was accepted, so the widget mailed an attacker's text anywhere."""
    with django_capture_on_commit_callbacks(execute=True):
        outcome = conversation_transcript_request_by_visitor(
            visitor=visitor, conversation_id=chat, to="victim@example.com", lang="de"
        )

    [confirmation] = mailoutbox
    assert outcome == "confirm" and confirmation.to == ["victim@example.com"]
    assert "Where is my parcel?" not in confirmation.body and "On its way." not in confirmation.body
    assert "Site A" in confirmation.subject and "bestätigen" in confirmation.subject.lower()
    path = re.search(r"https?://[^/]+(/transcript/\S+)", confirmation.body).group(1)
    assert client.get(path).status_code == 200 and len(mailoutbox) == 1  # opening sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(path.split("?")[0], {"lang": "de"})
    assert b"unterwegs" in page.content
    [_, transcript] = mailoutbox
    assert transcript.to == ["victim@example.com"] and "Where is my parcel?" in transcript.body
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(path.split("?")[0])
    assert b"does not work any more" in again.content and len(mailoutbox) == 2


def test_a_confirmation_link_expires(visitor, chat, mailoutbox, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to="x@example.com")
    path = re.search(r"https?://[^/]+(/transcript/[^?\s]+)", mailoutbox[0].body).group(1)
    Conversation.objects.filter(pk=chat).update(transcript_confirm_expires_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    assert len(mailoutbox) == 1


def test_the_relay_loop_of_the_issue_sends_no_text_of_the_attacker(
    site_a, mailoutbox, settings, django_capture_on_commit_callbacks
):
    """Ten new sessions, each one message and a transcript to one address: before, ten mails with
    the attacker's text. Now at most the daily limit of confirmation links, with no such text."""
    from conversations.services import visitor_create

    settings.CHAT_LIMITS = {**settings.CHAT_LIMITS, "transcripts_per_address": (3, 86400)}
    codes = []
    for i in range(10):
        attacker, _ = visitor_create(site=site_a)
        first, _ = message_post_by_visitor(visitor=attacker, client_id=f"a{i}", body="BUY CHEAP PILLS")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                codes.append(
                    conversation_transcript_request_by_visitor(
                        visitor=attacker, conversation_id=first.conversation_id, to="victim@example.com"
                    )
                )
        except ChatError as exc:
            codes.append(exc.code)
    assert codes == ["confirm"] * 3 + ["rate_limited"] * 7
    assert len(mailoutbox) == 3 and not any("PILLS" in m.body or "PILLS" in m.subject for m in mailoutbox)


def test_transcripts_per_address_and_day_are_limited(
    site_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from conversations.services import visitor_create

    settings.CHAT_LIMITS = {**settings.CHAT_LIMITS, "transcripts_per_address": (3, 86400)}
    refused = []
    for i in range(5):  # five chats of visitors who all gave the same address
        visitor, _ = visitor_create(site=site_a)
        Visitor.objects.filter(pk=visitor.pk).update(email="jo@example.org")
        visitor.refresh_from_db()
        first, _ = message_post_by_visitor(visitor=visitor, client_id=f"v{i}", body="Hi")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                conversation_transcript_request_by_visitor(
                    visitor=visitor, conversation_id=first.conversation_id, to="jo@example.org"
                )
        except ChatError as exc:
            refused.append((exc.code, exc.retry_after > 0))
    assert len(mailoutbox) == 3 and refused == [("rate_limited", True)] * 2
