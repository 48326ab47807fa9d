import pytest

from conversations.services import conversation_close, message_post_by_agent, message_post_by_visitor
from integrations.models import WebhookDelivery
from integrations.services import webhook_endpoint_create, webhook_event_queue
from integrations.tests.conftest import ALL_EVENTS


def deliveries():
    return list(WebhookDelivery.objects.order_by("pk").values_list("event", "object_id", "status"))


def test_it_queues_a_created_conversation_and_its_first_message(endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    assert deliveries() == [
        ("conversation.created", message.conversation_id, "pending"),
        ("message.created", message.pk, "pending"),
    ]


def test_it_queues_every_message_and_the_close(endpoint, visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    WebhookDelivery.objects.all().delete()

    reply, _ = message_post_by_agent(
        agent=bob, conversation_id=first.conversation_id, client_id="a", body="Yo"
    )
    conversation_close(agent=bob, conversation_id=first.conversation_id)

    system_message = first.conversation.messages.order_by("seq").last()
    assert deliveries() == [
        ("message.created", reply.pk, "pending"),
        ("conversation.closed", first.conversation_id, "pending"),
        ("message.created", system_message.pk, "pending"),
    ]


def test_it_stores_no_message_text_or_contact_data(endpoint, visitor):
    type(visitor).objects.filter(pk=visitor.pk).update(email="jo@example.org")
    message_post_by_visitor(visitor=visitor, client_id="c1", body="My secret order wombat-quokka")

    stored = repr(list(WebhookDelivery.objects.values()))
    assert "wombat" not in stored and "jo@example.org" not in stored


def test_it_queues_only_for_active_subscribed_endpoints_of_the_site(site_a, site_b, receiver, visitor):
    webhook_endpoint_create(site=site_a, url=receiver.url, events=["conversation.closed"])
    webhook_endpoint_create(site=site_a, url=receiver.url, events=ALL_EVENTS, active=False)
    webhook_endpoint_create(site=site_b, url=receiver.url, events=ALL_EVENTS)
    messages_only, _ = webhook_endpoint_create(site=site_a, url=receiver.url, events=["message.created"])

    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    assert list(WebhookDelivery.objects.values_list("endpoint", "event", "object_id")) == [
        (messages_only.pk, "message.created", message.pk)
    ]


def test_it_writes_nothing_when_the_post_rolls_back(endpoint, visitor, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("announce failed")

    monkeypatch.setattr("conversations.services._announce_message", fail)

    with pytest.raises(RuntimeError):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    assert not WebhookDelivery.objects.exists()


def test_it_enqueues_the_task_only_after_commit(
    endpoint, visitor, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("integrations.tasks.webhook_delivery_send_task.delay", sent.append)

    with django_capture_on_commit_callbacks() as callbacks:
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
        assert sent == []
    for callback in callbacks:
        callback()

    assert sent == list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))


def test_it_costs_one_query_when_no_endpoint_subscribed(site_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        webhook_event_queue(site_id=site_a.pk, event="message.created", object_id=1)


def test_it_costs_two_queries_for_any_number_of_endpoints(site_a, receiver, django_assert_num_queries):
    for _ in range(3):
        webhook_endpoint_create(site=site_a, url=receiver.url, events=ALL_EVENTS)

    with django_assert_num_queries(2):
        webhook_event_queue(site_id=site_a.pk, event="message.created", object_id=1)

    assert WebhookDelivery.objects.count() == 3
