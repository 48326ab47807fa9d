"""Every write to API tokens, webhook endpoints and webhook deliveries.

Webhooks, in short: `webhook_event_queue` runs inside the transaction that
stored a conversation or message and writes one pending delivery row per
subscribed endpoint (event type and object id, nothing else); after commit a
Celery task calls `webhook_delivery_attempt` once per attempt. The payload is
built at send time from the live rows, so whatever was erased or purged in
between is not sent (the delivery is `skipped`). Retries follow RETRY_DELAYS.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Site, User
from conversations.models import Conversation, Message
from integrations import outbound, schema
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent

logger = logging.getLogger("integrations")

# Waits before the 2nd … 7th attempt: the first attempt goes out at once, then up to six retries
# over about 8.6 hours (docs/api.md).
RETRY_DELAYS = (10, 60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600)
MAX_ATTEMPTS = 1 + len(RETRY_DELAYS)
# A worker that claimed a delivery holds it this long; if it dies mid-attempt, the delivery is
# due again afterwards and the beat task re-enqueues it. Far longer than one attempt can take.
CLAIM_SECONDS = 5 * 60
# last_used_at is written at most this often per token, not on every request.
TOKEN_TOUCH_SECONDS = 60
USER_AGENT = "chatplatform-webhooks/1"


class IntegrationError(ValueError):
    """A refusal shown to the admin user (bad URL, unknown event)."""


# --- API tokens -------------------------------------------------------------


def api_token_create(*, site: Site, name: str, created_by: User | None) -> tuple[ApiToken, str]:
    """Create a token and return it with its clear value, which is never stored or shown again."""
    token = ApiToken(site=site, name=name.strip(), created_by=created_by)
    clear = token.set_new_token()
    token.save()
    logger.info("api token created id=%s site=%s prefix=%s", token.pk, site.pk, token.prefix)
    return token, clear


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke for good; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
        logger.info("api token revoked id=%s site=%s", token.pk, token.site_id)
    return token


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used, at most once per TOKEN_TOUCH_SECONDS (one UPDATE)."""
    now = now or timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(seconds=TOKEN_TOUCH_SECONDS))
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)


# --- Webhook endpoints ------------------------------------------------------


def webhook_url_check(*, url: str, resolve: bool = True) -> None:
    """Raise IntegrationError unless `url` may receive webhooks.

    With WEBHOOK_ALLOW_PRIVATE_ADDRESSES off, the host must resolve to public
    addresses only. This is for a helpful message when the endpoint is saved;
    every delivery checks again at connect time (integrations.outbound).
    """
    try:
        outbound.url_check(url)
        if resolve and not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            outbound.resolve(parts.hostname, port, allow_private=False)
    except outbound.UnsupportedURL as exc:
        raise IntegrationError(str(exc)) from exc
    except outbound.AddressRefused as exc:
        raise IntegrationError(
            "This URL resolves to a private, loopback or link-local address, which this "
            "installation does not send webhooks to (WEBHOOK_ALLOW_PRIVATE_ADDRESSES)."
        ) from exc
    except OSError as exc:
        raise IntegrationError("The host name of this URL does not resolve.") from exc


def _clean_events(events: list[str]) -> list[str]:
    unknown = set(events) - set(WebhookEvent.values)
    if unknown:
        raise IntegrationError(f"Unknown events: {', '.join(sorted(unknown))}.")
    return [e for e in WebhookEvent.values if e in events]


def webhook_endpoint_create(
    *, site: Site, url: str, events: list[str], active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint with a server-generated secret; returns (endpoint, secret)."""
    webhook_url_check(url=url)
    endpoint = WebhookEndpoint(site=site, url=url, events=_clean_events(events), active=active)
    secret = endpoint.set_new_secret()
    endpoint.save()
    logger.info("webhook endpoint created id=%s site=%s", endpoint.pk, site.pk)
    return endpoint, secret


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, events: list[str], active: bool
) -> WebhookEndpoint:
    if url != WebhookEndpoint.objects.values_list("url", flat=True).get(pk=endpoint.pk):
        webhook_url_check(url=url)
    endpoint.url, endpoint.events, endpoint.active = url, _clean_events(events), active
    endpoint.save(update_fields=["url", "events", "active"])
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new secret, effective for the next attempt of every delivery (pending ones too)."""
    secret = endpoint.set_new_secret()
    endpoint.save(update_fields=["secret"])
    logger.info("webhook secret rotated endpoint=%s site=%s", endpoint.pk, endpoint.site_id)
    return secret


# --- Webhook deliveries -----------------------------------------------------


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    # Imported here: the task module imports this one.
    from integrations.tasks import webhook_delivery_send_task

    def enqueue() -> None:
        for delivery_id in delivery_ids:
            webhook_delivery_send_task.delay(delivery_id)

    # robust: the chat data is committed; if the broker is down, the beat task
    # (webhook_deliveries_requeue_task) finds the pending rows later.
    transaction.on_commit(enqueue, robust=True)


def webhook_event_queue(*, site_id: int, event: str, object_id: int) -> None:
    """Queue `event` about `object_id` for the site's active endpoints that subscribed to it.

    Call inside the transaction that wrote the object: the rows commit or roll
    back with it, and the tasks are enqueued only after commit. One query when
    no endpoint subscribed, two otherwise.
    """
    webhook_events_queue(event=event, objects=[(site_id, object_id)])


def webhook_events_queue(*, event: str, objects: list[tuple[int, int]]) -> None:
    """`webhook_event_queue` for many (site_id, object_id) at once: still one query, two with endpoints."""
    if event not in WebhookEvent.values:
        raise ValueError(f"Unknown webhook event {event!r}.")
    if not objects:
        return
    endpoints_by_site: dict[int, list[int]] = {}
    for pk, site_id, events in WebhookEndpoint.objects.filter(
        site_id__in={site_id for site_id, _ in objects}, active=True
    ).values_list("pk", "site_id", "events"):
        if event in events:
            endpoints_by_site.setdefault(site_id, []).append(pk)
    if not endpoints_by_site:
        return
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint_id=pk, event=event, object_id=object_id, next_attempt_at=now)
        for site_id, object_id in objects
        for pk in endpoints_by_site.get(site_id, [])
    )
    _enqueue_on_commit([d.pk for d in deliveries])


def _payload_data(delivery: WebhookDelivery) -> dict[str, Any] | None:
    """The `data` of the payload from the live rows, or None if it must not be sent.

    None when the object is gone (erased, purged) or its visitor restricted
    processing (Art. 18 GDPR: kept, but not passed on).
    """
    site_id = delivery.endpoint.site_id
    if delivery.event == WebhookEvent.MESSAGE_CREATED:
        msg = (
            Message.objects.filter(pk=delivery.object_id, conversation__site_id=site_id)
            .select_related(
                "author_agent", "conversation__site", "conversation__visitor", "conversation__assigned_agent"
            )
            .first()
        )
        if msg is None or msg.conversation.visitor.processing_restricted:
            return None
        return {"message": schema.message(msg), "conversation": schema.conversation(msg.conversation)}
    conv = (
        Conversation.objects.filter(pk=delivery.object_id, site_id=site_id)
        .select_related("site", "visitor", "assigned_agent")
        .first()
    )
    if conv is None or conv.visitor.processing_restricted:
        return None
    return {"conversation": schema.conversation(conv)}


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The X-Chatplatform-Signature value: HMAC-SHA256 of "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _request(delivery: WebhookDelivery, data: dict[str, Any], now: datetime) -> tuple[bytes, dict[str, str]]:
    payload = {
        "id": str(delivery.public_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": data,
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Chatplatform-Event": delivery.event,
        "X-Chatplatform-Delivery": str(delivery.public_id),
        "X-Chatplatform-Timestamp": timestamp,
        "X-Chatplatform-Signature": webhook_signature(
            secret=delivery.endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    return body, headers


def _finish(delivery: WebhookDelivery, status: str, now: datetime) -> WebhookDelivery:
    delivery.status, delivery.next_attempt_at, delivery.finished_at = status, None, now
    return delivery


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Make one attempt at a due delivery and record it; None if it is not due or not pending.

    1. Claim: a conditional UPDATE moves `next_attempt_at` CLAIM_SECONDS ahead,
       so a second task for the same delivery (the beat task re-enqueued it)
       finds nothing due and returns None. No transaction is held while sending.
    2. Build the payload from the live rows; nothing to send (see
       `_payload_data`) or an inactive endpoint: `skipped`, nothing sent.
    3. POST it, signed, with WEBHOOK_TIMEOUT_SECONDS.
    4. 2xx: `succeeded`. Otherwise, if attempts remain, `pending` with
       `next_attempt_at` after RETRY_DELAYS; else `failed`. A URL that is not
       allowed fails at once. The caller (the task) schedules the retry.
    """
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    data = _payload_data(delivery) if delivery.endpoint.active else None
    if data is None:
        _finish(delivery, WebhookDelivery.Status.SKIPPED, now).save()
        logger.info("webhook skipped delivery=%s event=%s", delivery.pk, delivery.event)
        return delivery

    body, headers = _request(delivery, data, now)
    status_code, error, permanent = None, "", False
    try:
        status_code = outbound.post(
            delivery.endpoint.url,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES,
        )
    except (outbound.UnsupportedURL, outbound.AddressRefused) as exc:
        error, permanent = type(exc).__name__, True
    except Exception as exc:  # any failure is recorded (its class only) and retried
        error = type(exc).__name__

    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status_code, error
    if status_code is not None and 200 <= status_code < 300:
        _finish(delivery, WebhookDelivery.Status.SUCCEEDED, now)
    elif permanent or delivery.attempts >= MAX_ATTEMPTS:
        _finish(delivery, WebhookDelivery.Status.FAILED, now)
    else:
        delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
        delivery.next_attempt_at = now + timedelta(seconds=delay)
    delivery.save()
    # Ids, codes and class names only: no URL (it may hold a token), no body.
    logger.info(
        "webhook attempt delivery=%s event=%s attempt=%d status_code=%s error=%s result=%s",
        delivery.pk,
        delivery.event,
        delivery.attempts,
        status_code,
        error or "-",
        delivery.status,
    )
    return delivery


def webhook_delivery_retry_now(*, delivery: WebhookDelivery) -> bool:
    """Make a failed or pending delivery due now and enqueue it; False for other states.

    A failed delivery gets one more attempt (it fails again at once if that one fails).
    """
    if delivery.status not in (WebhookDelivery.Status.FAILED, WebhookDelivery.Status.PENDING):
        return False
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), finished_at=None
        )
        _enqueue_on_commit([delivery.pk])
    return True
