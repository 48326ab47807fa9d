"""Integrations hold no personal data: erasure and retention leave nothing of a visitor here."""

from datetime import timedelta

from django.utils import timezone

from conversations.services import message_post_by_visitor
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from integrations.services import webhook_delivery_attempt
from privacy.services.retention import retention_purge
from privacy.services.subjects import data_subject_erase

SECRET_WORDS = "Order wombat-quokka for Jo Doe"


def integration_rows() -> str:
    return repr([list(model.objects.values()) for model in (ApiToken, WebhookEndpoint, WebhookDelivery)])


def test_it_keeps_nothing_of_an_erased_visitor_and_sends_nothing(receiver, endpoint, visitor, alice, token_a):
    type(visitor).objects.filter(pk=visitor.pk).update(
        email="jo@example.org", name="Jo Doe", phone="+49 30 1234"
    )
    message_post_by_visitor(visitor=visitor, client_id="c1", body=SECRET_WORDS)

    data_subject_erase(visitor=visitor, requested_by=alice)
    for delivery in WebhookDelivery.objects.all():
        webhook_delivery_attempt(delivery_id=delivery.pk)

    rows = integration_rows()
    for value in ("wombat", "Jo Doe", "jo@example.org", "+49 30", str(visitor.public_id)):
        assert value not in rows
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"skipped"}
    assert receiver.requests == []


def test_it_keeps_nothing_of_purged_chats(receiver, endpoint, visitor):
    message_post_by_visitor(visitor=visitor, client_id="c1", body=SECRET_WORDS)

    retention_purge(now=timezone.now() + timedelta(days=400))

    assert "wombat" not in integration_rows()
