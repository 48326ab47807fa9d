import pytest

from accounts.models import Site
from accounts.services import agent_connection_open
from conversations.contact import visitor_contact_give
from conversations.models import Conversation
from conversations.services import message_post_by_visitor
from privacy.services.subjects import data_subject_erase

pytestmark = pytest.mark.django_db


@pytest.fixture
def notifying(site_a):
    Site.objects.filter(pk=site_a.pk).update(notification_email="team@a.example")
    site_a.refresh_from_db()
    return site_a


def post_first_message(visitor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Do you ship to Vienna?")
    return Conversation.objects.get(pk=message.conversation_id)


def test_a_conversation_opened_with_nobody_online_is_flagged_and_emailed(
    notifying, visitor, mailoutbox, django_capture_on_commit_callbacks
):
    visitor.site = notifying
    visitor_contact_give(visitor=visitor, values={"email": "jo@example.org"}, offline=True)

    conversation = post_first_message(visitor, django_capture_on_commit_callbacks)

    assert conversation.offline
    [mail] = mailoutbox
    assert mail.to == ["team@a.example"] and mail.reply_to == ["jo@example.org"]
    assert mail.subject == "New chat message on Site A"  # no visitor data in headers
    assert "Do you ship to Vienna?" in mail.body and "jo@example.org" in mail.body
    assert f"/dashboard/c/{conversation.pk}/" in mail.body


def test_with_an_agent_online_nothing_is_flagged_or_sent(
    notifying, visitor, bob, mailoutbox, django_capture_on_commit_callbacks
):
    visitor.site = notifying
    agent_connection_open(agent=bob, channel_name="test.bob")

    conversation = post_first_message(visitor, django_capture_on_commit_callbacks)

    assert not conversation.offline and mailoutbox == []


def test_without_a_notification_address_it_is_flagged_but_not_sent(
    visitor, mailoutbox, django_capture_on_commit_callbacks
):
    conversation = post_first_message(visitor, django_capture_on_commit_callbacks)

    assert conversation.offline and mailoutbox == []


def test_an_erased_conversation_is_not_emailed_later(notifying, visitor, alice, mailoutbox):
    from conversations.offline import conversation_offline_email_send

    visitor.site = notifying
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    data_subject_erase(visitor=visitor, requested_by=alice)

    assert conversation_offline_email_send(conversation_id=message.conversation_id) is False
    assert mailoutbox == []
