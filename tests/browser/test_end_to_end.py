"""The whole product in Chromium: a visitor on a customer's page and an agent in the dashboard.

The host page is on another origin than the chat server, as on a real
customer site. Screenshots of both sides land in var/screenshots/.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from conversations.models import Message, Visitor
from tests.browser.test_dashboard_browser import PASSWORD, TIMEOUT_MS, log_in, wait_live

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shop_embedding_the_widget(host_page, server):
    """A customer page on another origin, embedding the widget of a site that allows that origin.

    The widget's shadow root is open (data-test-open-shadow) for the tests' selectors.
    Returns (page URL, site).
    """
    page = host_page("")
    site = site_create(name="Demo shop", origins=[page.origin])
    page.html = (
        "<!doctype html><meta charset=utf-8><title>Shop</title><h1>Demo shop</h1>"
        f'<script src="{server.url}/widget.js" data-site-key="{site.key}" data-lang="en" '
        'data-test-open-shadow="1" async></script>'
    )
    return page, site


@pytest.fixture
def embedded_shop(daphne_server, host_page, transactional_db):
    return shop_embedding_the_widget(host_page, daphne_server)


def test_a_visitor_writes_in_the_widget_and_an_agent_answers_in_the_dashboard(
    daphne_server, chromium, embedded_shop
):
    shop_page, site = embedded_shop
    agent_create(
        site=site, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The agent logs in and goes online.
    agent_ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    dashboard = agent_ctx.new_page()
    log_in(dashboard, daphne_server, "alice@shop.example")
    wait_live(dashboard)

    # The visitor sees Alice online, opens the chat and writes.
    visitor_ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    shop = visitor_ctx.new_page()
    shop.goto(shop_page)
    shop.click(".cp-launcher")
    expect(shop.locator(".cp-status")).to_contain_text("Alice", timeout=TIMEOUT_MS)
    shop.fill(".cp-input", "Do you ship to Brno?")
    shop.press(".cp-input", "Enter")
    expect(shop.locator(".cp-m-visitor .cp-bubble")).to_have_text("Do you ship to Brno?", timeout=TIMEOUT_MS)

    # It appears live in the agent's inbox; the agent opens it and answers.
    row = dashboard.locator("li.conv").filter(has_text="Do you ship to Brno?")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    row.locator("a").first.click()
    expect(dashboard).to_have_url(re.compile(r"/dashboard/c/\d+/"))
    expect(dashboard.locator("#messages")).to_contain_text("Do you ship to Brno?")
    dashboard.fill("#composer-input", "Yes, within two days.")
    dashboard.press("#composer-input", "Enter")

    # The visitor sees the answer, with the agent's name.
    answer = shop.locator(".cp-m-agent").filter(has_text="Yes, within two days.")
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    expect(answer.locator(".cp-m-name")).to_have_text("Alice")
    assert list(Message.objects.order_by("seq").values_list("author_type", "body")) == [
        ("visitor", "Do you ship to Brno?"),
        ("agent", "Yes, within two days."),
    ]

    shop.screenshot(path=SCREENSHOTS / "e2e-visitor.png")
    dashboard.screenshot(path=SCREENSHOTS / "e2e-dashboard.png")
    visitor_ctx.close()
    agent_ctx.close()


def test_an_erasure_takes_the_history_off_the_visitors_screen(daphne_server, chromium, embedded_shop):
    shop_page, site = embedded_shop
    agent_create(
        site=site, email="dpo@shop.example", name="Dora", role=Membership.Role.OWNER, password=PASSWORD
    )
    shop = chromium.new_context().new_page()
    shop.goto(shop_page)
    shop.click(".cp-launcher")
    shop.fill(".cp-input", "My address is Hauptstrasse 5")
    shop.press(".cp-input", "Enter")
    expect(shop.locator(".cp-m-visitor .cp-bubble")).to_have_text(
        "My address is Hauptstrasse 5", timeout=TIMEOUT_MS
    )
    public_id = Visitor.objects.get().public_id
    token_key = f"chatplatform.{site.key}.token"
    old_token = shop.evaluate("(key) => localStorage.getItem(key)", token_key)
    assert old_token

    dpo = chromium.new_context().new_page()
    dpo.goto(f"{daphne_server.url}/accounts/login/")
    dpo.fill("input[name=username]", "dpo@shop.example")
    dpo.fill("input[name=password]", PASSWORD)
    dpo.click("button[type=submit]")
    dpo.goto(f"{daphne_server.url}/privacy/dpo/subject/{public_id}/erase/")
    dpo.fill("input[name=confirm]", "ERASE")
    dpo.click("button:has-text('Erase')")
    expect(dpo.locator(".alert")).to_contain_text("Erased", timeout=TIMEOUT_MS)

    expect(shop.locator(".cp-m-system .cp-bubble")).to_have_text(
        "This chat history has been deleted.", timeout=TIMEOUT_MS
    )
    expect(shop.locator(".cp-m-visitor")).to_have_count(0)
    assert not Message.objects.exists()
    # The open widget may already have started a fresh session; the erased one is gone for good.
    assert shop.evaluate("(key) => localStorage.getItem(key)", token_key) != old_token
    shop.screenshot(path=SCREENSHOTS / "e2e-erased.png")
    dpo.screenshot(path=SCREENSHOTS / "e2e-dpo-erased.png")
    shop.context.close()
    dpo.context.close()


def test_a_restricted_visitor_is_told_why_a_message_was_not_stored(daphne_server, chromium, embedded_shop):
    shop_page, site = embedded_shop
    shop = chromium.new_context().new_page()
    shop.goto(shop_page)
    shop.click(".cp-launcher")
    shop.fill(".cp-input", "first")
    shop.press(".cp-input", "Enter")
    expect(shop.locator(".cp-m-visitor .cp-time")).to_have_count(1, timeout=TIMEOUT_MS)  # acked
    Visitor.objects.update(processing_restricted=True)

    shop.fill(".cp-input", "second")
    shop.press(".cp-input", "Enter")

    failed = shop.locator(".cp-m-visitor").filter(has_text="second")
    expect(failed.locator(".cp-state")).to_contain_text("restricted", timeout=TIMEOUT_MS)
    expect(failed.locator(".cp-act")).to_have_text("Edit")  # not retried: it would be refused again
    assert list(Message.objects.values_list("body", flat=True)) == ["first"]
    shop.context.close()


def test_the_agent_sees_who_the_visitor_is_and_where_with_consent_more(
    daphne_server, chromium, embedded_shop
):
    """Pre-chat answers and the visit context reach the dashboard's visitor panel, live."""
    shop_page, site = embedded_shop
    type(site).objects.filter(pk=site.pk).update(prechat_name="optional", prechat_email="required")
    shop_page.html = (
        "<!doctype html><meta charset=utf-8><title>Running shoes</title><h1>Shoes</h1>"
        "<script>window.chatplatform=function(){(chatplatform.q=chatplatform.q||[]).push(arguments)};"
        "chatplatform('consent', {analytics: true, marketing: false});</script>"
        f'<script src="{daphne_server.url}/widget.js" data-site-key="{site.key}" data-lang="en" '
        'data-test-open-shadow="1" async></script>'
    )
    agent_create(
        site=site, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )
    dashboard = chromium.new_context(viewport={"width": 1400, "height": 800}).new_page()
    log_in(dashboard, daphne_server, "alice@shop.example")
    wait_live(dashboard)

    shop = chromium.new_context().new_page()
    shop.goto(shop_page)
    shop.click(".cp-launcher")
    shop.fill(".cp-pre [name=name]", "Jo <b>Example</b>")
    shop.fill(".cp-pre [name=email]", "jo@example.org")
    shop.click(".cp-pre-go")
    shop.fill(".cp-input", "Which size?")
    shop.press(".cp-input", "Enter")

    row = dashboard.locator("li.conv").filter(has_text="Which size?")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    row.locator("a").first.click()
    panel = dashboard.locator("#visitor-info")
    expect(panel).to_contain_text("Jo <b>Example</b>")  # as text, never as markup
    expect(panel).to_contain_text("jo@example.org")
    expect(panel).to_contain_text("Running shoes · /")
    expect(panel.locator("#vi-pages li")).to_have_count(1)

    shop.reload()  # a new page: the panel follows live
    expect(panel.locator("#vi-pages li")).to_have_count(2, timeout=TIMEOUT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dashboard.screenshot(path=str(SCREENSHOTS / "dashboard-visitor-panel.png"))
