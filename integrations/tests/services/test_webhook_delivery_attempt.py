import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.models import Visitor
from conversations.services import message_post_by_visitor
from integrations.models import WebhookDelivery
from integrations.services import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
)
from integrations.tests.conftest import ALL_EVENTS
from privacy.services.retention import retention_purge
from privacy.services.subjects import data_subject_erase


def verify(request: dict, secret: str) -> bool:
    """What a receiver does (docs/api.md): recompute the HMAC over "<timestamp>.<raw body>"."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    timestamp = headers["x-chatplatform-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256)
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(
        "sha256=" + expected.hexdigest(), headers["x-chatplatform-signature"]
    )


def message_delivery(message) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event="message.created", object_id=message.pk)


def test_it_posts_a_signed_payload_that_the_receiver_verifies(receiver, endpoint_and_secret, visitor):
    endpoint, secret = endpoint_and_secret
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi there")
    delivery = message_delivery(message)

    result = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert result.status == "succeeded" and result.attempts == 1 and result.last_status_code == 200
    (request,) = receiver.requests
    assert verify(request, secret)
    assert not verify(request, "whsec_wrong")
    assert request["path"] == "/hooks/chat?src=test"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["x-chatplatform-event"] == "message.created"
    assert headers["x-chatplatform-delivery"] == str(delivery.public_id)
    assert headers["content-type"] == "application/json"
    payload = json.loads(request["body"])
    assert payload["id"] == str(delivery.public_id) and payload["event"] == "message.created"
    assert payload["created_at"] == delivery.created_at.isoformat()
    assert payload["data"]["message"]["body"] == "Hi there" and payload["data"]["message"]["seq"] == 1
    assert payload["data"]["conversation"]["id"] == message.conversation_id


def test_it_sends_the_conversation_for_conversation_events(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = WebhookDelivery.objects.get(event="conversation.created")

    webhook_delivery_attempt(delivery_id=delivery.pk)

    data = receiver.json()["data"]
    assert set(data) == {"conversation"}
    assert data["conversation"]["id"] == message.conversation_id
    assert data["conversation"]["visitor"] == {"id": str(visitor.public_id), "label": visitor.label}


def test_it_signs_with_the_secret_of_the_moment(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint)

    webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert verify(receiver.requests[0], new_secret)


def test_it_retries_with_backoff_after_a_500_and_succeeds_on_the_next_attempt(receiver, endpoint, visitor):
    receiver.statuses[:] = [500, 200]
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = message_delivery(message)
    start = timezone.now()

    failed = webhook_delivery_attempt(delivery_id=delivery.pk, now=start)

    assert (failed.status, failed.attempts, failed.last_status_code) == ("pending", 1, 500)
    assert failed.next_attempt_at == start + timedelta(seconds=RETRY_DELAYS[0])
    # Not due yet: a duplicate task does nothing.
    assert webhook_delivery_attempt(delivery_id=delivery.pk, now=start + timedelta(seconds=5)) is None
    assert len(receiver.requests) == 1

    succeeded = webhook_delivery_attempt(delivery_id=delivery.pk, now=failed.next_attempt_at)

    assert (succeeded.status, succeeded.attempts, succeeded.last_status_code) == ("succeeded", 2, 200)
    assert succeeded.next_attempt_at is None and succeeded.finished_at is not None
    assert [r["body"] for r in receiver.requests][0] == receiver.requests[1]["body"]


def test_it_gives_up_after_the_last_attempt_following_the_schedule(receiver, endpoint, visitor):
    receiver.statuses[:] = [503] * MAX_ATTEMPTS
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = message_delivery(message)
    now, waits = timezone.now(), []

    for _ in range(MAX_ATTEMPTS):
        result = webhook_delivery_attempt(delivery_id=delivery.pk, now=now)
        if result.status == "pending":
            waits.append((result.next_attempt_at - now).total_seconds())
            now = result.next_attempt_at

    assert waits == [10, 60, 300, 1800, 7200, 21600]
    assert (result.status, result.attempts, result.last_status_code) == ("failed", MAX_ATTEMPTS, 503)
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_it_records_only_the_class_of_a_network_error(endpoint, visitor):
    # A port nobody listens on: the connection is refused.
    type(endpoint).objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/hook")
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    result = webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert result.status == "pending" and result.last_status_code is None
    assert result.last_error == "ConnectionRefusedError"


def test_it_treats_a_redirect_as_a_failure(receiver, endpoint, visitor):
    receiver.statuses[:] = [302]
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    result = webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert result.status == "pending" and result.last_status_code == 302 and len(receiver.requests) == 1


def test_it_skips_and_sends_nothing_after_the_visitor_was_erased(receiver, endpoint, visitor, alice):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Please forget me")
    data_subject_erase(visitor=visitor, requested_by=alice)

    results = [webhook_delivery_attempt(delivery_id=d.pk) for d in WebhookDelivery.objects.all()]

    assert [r.status for r in results] == ["skipped", "skipped"]
    assert receiver.requests == []
    assert all(r.attempts == 0 and r.finished_at for r in results)


def test_it_skips_what_retention_purged(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    retention_purge(now=timezone.now() + timedelta(days=400))

    results = [webhook_delivery_attempt(delivery_id=d.pk) for d in WebhookDelivery.objects.all()]

    assert {r.status for r in results} == {"skipped"} and receiver.requests == []


def test_it_skips_a_visitor_whose_processing_is_restricted(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    Visitor.objects.filter(pk=visitor.pk).update(processing_restricted=True)

    result = webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert result.status == "skipped" and receiver.requests == []


def test_it_skips_when_the_endpoint_was_deactivated(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    type(endpoint).objects.filter(pk=endpoint.pk).update(active=False)

    result = webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert result.status == "skipped" and receiver.requests == []


def test_it_refuses_private_addresses_when_they_are_disallowed(receiver, endpoint, visitor, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")

    result = webhook_delivery_attempt(delivery_id=message_delivery(message).pk)

    assert (result.status, result.last_error, result.attempts) == ("failed", "AddressRefused", 1)
    assert receiver.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        # IPv6 forms that embed an IPv4 address (issue 12: these were accepted).
        "http://[::127.0.0.1]/hook",  # IPv4-compatible
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
        "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 of 169.254.169.254
        "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo, client 10.0.0.1
        "http://[fec0::1]/hook",  # site-local
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
    ],
)
def test_it_refuses_to_save_an_endpoint_on_a_private_address_by_default(site_a, settings, url):
    from django.test import override_settings

    from chatplatform.settings import WEBHOOK_ALLOW_PRIVATE_ADDRESSES as production_default
    from integrations.services import IntegrationError

    assert production_default is False  # off unless DEBUG
    with override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=production_default):
        with pytest.raises(IntegrationError, match="private"):
            webhook_endpoint_create(site=site_a, url=url, events=ALL_EVENTS)


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34", "64:ff9b::5db8:d822",
     "2002:5db8:d822::1"],
)  # fmt: skip
def test_public_addresses_and_their_ipv6_wrappings_are_allowed(address):
    from integrations.outbound import is_public_address

    assert is_public_address(address)


@pytest.mark.parametrize(
    "url", ["ftp://example.com/hook", "file:///etc/passwd", "https://user:pw@example.com/", "http:///x"]
)
def test_it_refuses_urls_that_are_not_plain_http_or_https(site_a, url):
    from integrations.services import IntegrationError

    with pytest.raises(IntegrationError):
        webhook_endpoint_create(site=site_a, url=url, events=ALL_EVENTS)


def test_it_claims_a_delivery_once(receiver, endpoint, visitor):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = message_delivery(message)

    first = webhook_delivery_attempt(delivery_id=delivery.pk)
    again = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert first.status == "succeeded" and again is None and len(receiver.requests) == 1
