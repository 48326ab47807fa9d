"""Consent states in Chromium: what the widget stores and sends for each (issue #4).

The host page is on another origin than daphne, as on a customer's site. Its
cookie banner is played by calls to chatplatform('consent', ...), queued with
the stub from docs/consent.md before the widget loads.
"""

import json

import pytest
from playwright.sync_api import expect

from accounts.models import Site
from accounts.services import site_create
from conversations.models import Conversation
from privacy.models import ConsentRecord
from privacy.storage_inventory import STORAGE_ITEMS
from tests.browser.test_widget_browser import (
    TIMEOUT_MS,
    open_chat,
    send_message,
    storage_keys,
    wait_connected,
)

STUB = (
    "window.chatplatform=window.chatplatform||function(){"
    "(window.chatplatform.q=window.chatplatform.q||[]).push(arguments)};"
)


def page_html(server_url: str, site_key: str, *, consent=None, wait=False, lang="en") -> str:
    call = f"chatplatform('consent', {json.dumps(consent)});" if consent is not None else ""
    wait_attr = ' data-consent="wait"' if wait else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body>
  <h1>Shop</h1><a id="next" href="/other">Next page</a>
  <script>{STUB}{call}</script>
  <script src="{server_url}/widget.js" data-site-key="{site_key}" data-lang="{lang}"
          data-test-open-shadow="1"{wait_attr} async></script>
</body></html>"""


@pytest.fixture
def site(transactional_db):
    return site_create(name="Demo shop", origins=["https://placeholder.example"])


@pytest.fixture
def shop(host_page, daphne_server, site):
    """Serve the shop at / and /other with the given consent call; allow its origin."""

    def serve(**options) -> str:
        url = host_page("")
        url.html = page_html(daphne_server.url, site.key, **options)
        url.routes["/other"] = ("text/html; charset=utf-8", url.html.encode())
        site.allowed_origins = url.origin
        site.save(update_fields=["allowed_origins"])
        return url

    return serve


def key(site, item_id: str) -> str:
    return f"chatplatform.{site.key}.{item_id}"


def allowed_keys(site, *, analytics: bool, marketing: bool) -> set[str]:
    consented = {"functional", *(["analytics"] if analytics else []), *(["marketing"] if marketing else [])}
    return {item.name(site.key) for item in STORAGE_ITEMS if item.category in consented}


def wait_for(condition, what: str) -> None:
    import time

    for _ in range(100):  # bounded: 10 s
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


STATES = [
    None,  # the page never calls the consent API
    {"analytics": False, "marketing": False},
    {"analytics": True, "marketing": False},
    {"analytics": False, "marketing": True},
    {"analytics": True, "marketing": True},
]


@pytest.mark.parametrize("consent", STATES, ids=["no-call", "none", "analytics", "marketing", "both"])
def test_storage_stays_inside_the_inventory_for_each_consent_state(page, shop, site, consent):
    analytics = bool(consent and consent["analytics"])
    marketing = bool(consent and consent["marketing"])
    page.goto(shop(consent=consent))
    wait_connected(page)

    # Before the chat is opened: only what the visitor consented to, nothing functional.
    before = set(storage_keys(page))
    expected = {key(site, "pages")} if analytics else set()
    assert before == expected | ({key(site, "visits")} if marketing else set())
    assert page.evaluate("document.cookie") == ""

    open_chat(page)
    send_message(page, "Hello")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    page.locator("#next").click()
    wait_connected(page)

    after = set(storage_keys(page))
    assert after <= allowed_keys(site, analytics=analytics, marketing=marketing)
    assert {key(site, "token"), key(site, "open")} <= after
    assert (key(site, "pages") in after) is analytics and (key(site, "visits") in after) is marketing
    assert page.evaluate("document.cookie") == ""
    if analytics:
        pages = json.loads(page.evaluate(f"localStorage.getItem('{key(site, 'pages')}')"))
        assert [p["p"] for p in pages] == ["/", "/other"]  # paths only, never query strings

    # The server holds consent only when the page gave it, with the notice then shown.
    if consent is None:
        assert not ConsentRecord.objects.exists()
    else:
        wait_for(lambda: ConsentRecord.objects.exists(), "the consent record")
        record = ConsentRecord.objects.select_related("notice_version").get()
        assert (record.analytics, record.marketing) == (analytics, marketing)
        assert record.notice_version.version == 1
    conversation = Conversation.objects.select_related("notice_version").get()
    assert (conversation.notice_version.version, conversation.notice_language) == (1, "en")


def test_withdrawal_deletes_what_the_categories_wrote(page, shop, site):
    page.goto(shop(consent={"analytics": True, "marketing": True}))
    wait_connected(page)
    open_chat(page)
    wait_for(lambda: ConsentRecord.objects.exists(), "the consent record")

    page.evaluate("chatplatform('consent', {analytics: false, marketing: false})")

    assert set(storage_keys(page)) <= allowed_keys(site, analytics=False, marketing=False)
    wait_for(lambda: ConsentRecord.objects.count() == 2, "the withdrawal record")
    latest = ConsentRecord.objects.order_by("-pk").first()
    assert (latest.analytics, latest.marketing) == (False, False)


def test_with_data_consent_wait_nothing_starts_before_the_banner_answers(page, shop, site):
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(shop(wait=True))
    page.wait_for_load_state("networkidle")

    assert page.locator("chatplatform-widget").count() == 0
    assert sockets == [] and storage_keys(page) == []

    page.evaluate("chatplatform('consent', {analytics: false, marketing: false})")

    wait_connected(page)
    assert len(sockets) == 1 and storage_keys(page) == []


@pytest.mark.parametrize(
    "lang,expected", [("en", "Demo shop processes your messages"), ("de", "Demo shop verarbeitet")]
)
def test_the_notice_shows_before_the_first_message_in_the_visitors_language(
    page, shop, site, daphne_server, lang, expected
):
    page.goto(shop(lang=lang))
    wait_connected(page)
    open_chat(page)

    notice = page.locator(".cp-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(expected)
    link = notice.locator("a")
    assert link.get_attribute("href") == f"http://localhost:8000/privacy/{site.key}/"
    assert link.get_attribute("rel") == "noopener noreferrer"


def test_the_automated_message_needs_marketing_consent(page, shop, site):
    Site.objects.filter(pk=site.pk).update(auto_message="Need help choosing?", auto_message_delay_seconds=0)
    page.goto(shop(consent={"analytics": False, "marketing": False}))
    wait_connected(page)
    page.wait_for_timeout(1000)
    assert page.locator(".cp-bubble-auto").is_hidden()

    page.goto(shop(consent={"analytics": False, "marketing": True}))
    wait_connected(page)
    bubble = page.locator(".cp-bubble-auto")
    expect(bubble).to_be_visible(timeout=TIMEOUT_MS)
    expect(bubble).to_contain_text("Need help choosing?")
    bubble.locator(".cp-auto-text").click()
    expect(page.locator(".cp-win")).to_be_visible()
