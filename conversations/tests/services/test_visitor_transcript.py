import pytest

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
                visitor=visitor, conversation_id=chat, to="x@example.org"
            )

    assert exc.value.code == "rate_limited" and len(mailoutbox) == 1


@pytest.mark.parametrize("to", ["", "nope", "jo@example.org\r\nBcc: all@example.org", None])
def test_bad_addresses_are_refused(visitor, chat, to):
    with pytest.raises(ChatError) as exc:
        conversation_transcript_request_by_visitor(visitor=visitor, conversation_id=chat, to=to)
    assert exc.value.code == "invalid_field"


def test_another_visitors_conversation_is_not_found(site_a, chat):
    other = Visitor.objects.create(site=site_a, token_hash="x" * 64)

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
