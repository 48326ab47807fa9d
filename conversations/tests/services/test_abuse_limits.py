"""Abuse limits of the widget, at the service level (issue 12, item 2; the socket ones are in
tests/security/test_abuse_limits.py). Observed before: one client created about 67 conversations
(visitor + message each) per second, and every one mailed the site."""

import pytest
from django.core.cache import cache

from conversations.models import Conversation, Message, Visitor
from conversations.services import ChatError, VisitorPost, messages_post_by_visitors, visitor_session_start

ADDRESS = "198.51.100.7"


@pytest.fixture
def limits(settings):
    def set_limit(name, count, seconds=60):
        settings.CHAT_LIMITS = {**settings.CHAT_LIMITS, name: (count, seconds)}

    cache.clear()
    return set_limit


def test_new_visitors_per_address_are_limited_and_told_when_to_retry(site_a, limits):
    limits("new_visitors_per_address", 3)
    for _ in range(3):
        visitor_session_start(site=site_a, token=None, ip=ADDRESS)
    with pytest.raises(ChatError) as refused:
        visitor_session_start(site=site_a, token=None, ip=ADDRESS)

    assert refused.value.code == "rate_limited" and 1 <= refused.value.retry_after <= 60
    assert Visitor.objects.count() == 3
    visitor_session_start(site=site_a, token=None, ip="198.51.100.8")  # another address is not held up
    assert Visitor.objects.count() == 4


def test_new_visitors_per_site_are_limited(site_a, site_b, limits):
    limits("new_visitors_per_site", 2)
    for i in range(2):
        visitor_session_start(site=site_a, token=None, ip=f"203.0.113.{i}")
    with pytest.raises(ChatError):
        visitor_session_start(site=site_a, token=None, ip="203.0.113.9")
    visitor_session_start(site=site_b, token=None, ip="203.0.113.9")


def test_a_resumed_session_is_not_counted(site_a, limits):
    limits("new_visitors_per_address", 1)
    _, token, _ = visitor_session_start(site=site_a, token=None, ip=ADDRESS)
    for _ in range(5):
        visitor_session_start(site=site_a, token=token, ip=ADDRESS)


def test_new_conversations_per_address_are_limited_and_nothing_accepted_is_lost(site_a, limits):
    limits("new_conversations_per_address", 2)
    visitors = [visitor_session_start(site=site_a, token=None, ip=ADDRESS)[0] for _ in range(3)]

    results = messages_post_by_visitors(
        [VisitorPost(v, f"c{i}", f"hello {i}", address=ADDRESS) for i, v in enumerate(visitors)]
    )

    assert [isinstance(r, tuple) for r in results] == [True, True, False]
    assert results[2].code == "rate_limited" and results[2].retry_after >= 1
    assert Conversation.objects.count() == 2 and Message.objects.count() == 2
    # A second message of an accepted visitor opens nothing and is not limited.
    again = messages_post_by_visitors([VisitorPost(visitors[0], "c9", "more", address=ADDRESS)])
    assert isinstance(again[0], tuple) and Message.objects.count() == 3


def test_new_conversations_per_site_are_limited(site_a, limits):
    limits("new_conversations_per_site", 1)
    first, second = (visitor_session_start(site=site_a, token=None, ip=f"203.0.113.{i}")[0] for i in (1, 2))
    results = messages_post_by_visitors(
        [
            VisitorPost(first, "a", "hi", address="203.0.113.1"),
            VisitorPost(second, "b", "hi", address="203.0.113.2"),
        ]
    )
    assert isinstance(results[0], tuple) and results[1].code == "rate_limited"


def test_offline_e_mails_per_site_and_hour_are_limited_but_the_chats_are_kept(
    site_a, limits, mailoutbox, django_capture_on_commit_callbacks
):
    site_a.notification_email = "team@a.example"
    site_a.save(update_fields=["notification_email"])
    limits("site_emails", 2, 3600)
    visitors = [visitor_session_start(site=site_a, token=None, ip=f"203.0.113.{i}")[0] for i in range(4)]

    with django_capture_on_commit_callbacks(execute=True):
        for i, visitor in enumerate(visitors):
            messages_post_by_visitors([VisitorPost(visitor, f"c{i}", "anyone?", address=f"203.0.113.{i}")])

    assert len(mailoutbox) == 2 and Conversation.objects.filter(offline=True).count() == 4


def test_limit_keys_hold_no_address(site_a, limits, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    limits("new_visitors_per_address", 5)
    visitor_session_start(site=site_a, token=None, ip=ADDRESS)
    keys = [key for key in cache._cache]  # LocMemCache's own store
    assert keys and not any(ADDRESS in key or "198.51" in key for key in keys)
