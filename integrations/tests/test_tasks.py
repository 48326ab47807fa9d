from datetime import timedelta

from django.utils import timezone

from chatplatform.celery import app
from conversations.services import message_post_by_visitor
from integrations.models import WebhookDelivery
from integrations.services import RETRY_DELAYS
from integrations.tasks import webhook_deliveries_requeue_task, webhook_delivery_send_task


def test_it_delivers_after_commit_through_the_task(
    receiver, endpoint, visitor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    assert sorted(receiver.json(i)["event"] for i in range(2)) == ["conversation.created", "message.created"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_it_schedules_the_retry_with_its_countdown(receiver, endpoint, visitor, monkeypatch):
    receiver.statuses[:] = [500]
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = WebhookDelivery.objects.get(event="message.created", object_id=message.pk)
    scheduled = []
    monkeypatch.setattr(
        webhook_delivery_send_task, "apply_async", lambda args, countdown: scheduled.append((args, countdown))
    )

    assert webhook_delivery_send_task(delivery.pk) == "pending"

    ((args, countdown),) = scheduled
    assert args == [delivery.pk] and RETRY_DELAYS[0] - 2 <= countdown <= RETRY_DELAYS[0]


def test_an_eager_retry_finds_nothing_due_and_sends_nothing(receiver, endpoint, visitor):
    # With CELERY_TASK_ALWAYS_EAGER the retry runs at once, ignoring its countdown.
    receiver.statuses[:] = [500]
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = WebhookDelivery.objects.get(event="message.created", object_id=message.pk)

    webhook_delivery_send_task.delay(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == "pending" and len(receiver.requests) == 1


def test_the_beat_task_requeues_overdue_deliveries_only(receiver, endpoint, visitor, monkeypatch):
    message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    overdue, recent = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=overdue.pk).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    sent = []
    monkeypatch.setattr(webhook_delivery_send_task, "delay", sent.append)

    assert webhook_deliveries_requeue_task() == 1
    assert sent == [overdue.pk]


def test_the_beat_schedule_runs_the_requeue_task():
    entries = {e["task"] for e in app.conf.beat_schedule.values()}
    assert "integrations.tasks.webhook_deliveries_requeue_task" in entries
