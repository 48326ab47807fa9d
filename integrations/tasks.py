from celery import shared_task
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.selectors import webhook_delivery_ids_due
from integrations.services import webhook_delivery_attempt

# Deliveries the beat task re-enqueues per run (every 5 minutes).
REQUEUE_BATCH = 500


@shared_task
def webhook_delivery_send_task(delivery_id: int) -> str | None:
    """One attempt; a failed one that has attempts left is scheduled again with its backoff.

    Trap: with CELERY_TASK_ALWAYS_EAGER the countdown is ignored and the retry
    runs at once; it finds the delivery not yet due and does nothing, so tests
    drive later attempts through the service.
    """
    delivery = webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.status == WebhookDelivery.Status.PENDING and delivery.next_attempt_at:
        countdown = max(0.0, (delivery.next_attempt_at - timezone.now()).total_seconds())
        webhook_delivery_send_task.apply_async(args=[delivery_id], countdown=countdown)
    return delivery.status


@shared_task
def webhook_deliveries_requeue_task() -> int:
    """Re-enqueue due deliveries whose task was lost; a duplicate task finds nothing to claim."""
    delivery_ids = webhook_delivery_ids_due(limit=REQUEUE_BATCH)
    for delivery_id in delivery_ids:
        webhook_delivery_send_task.delay(delivery_id)
    return len(delivery_ids)
