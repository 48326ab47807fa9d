"""XSS payloads as message bodies, agent names and visitor contact data show as text in Chromium.

Any JavaScript dialog fails the test; every bubble's text must equal its payload.
The visitor sends more messages at once than its rate limit allows, so the
widget's `rate_limited` retry is exercised too.
"""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from conversations.models import Conversation, Visitor
from tests.browser.test_dashboard_browser import log_in
from tests.browser.test_widget_browser import (
    PASSWORD,
    AgentSocket,
    open_chat,
    send_message,
    wait_connected,
    widget_html,
)
from tests.security.payloads import XSS_PAYLOADS

pytestmark = pytest.mark.usefixtures("transactional_db")

TIMEOUT_MS = 20_000
AGENT_NAME = '<img src=x onerror=alert("name")>"><svg onload=alert(2)>'


def fail_on_dialog(page: Page, dialogs: list[str]) -> None:
    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)


def test_payloads_render_as_text_in_the_widget_and_the_dashboard(chromium, daphne_server, host_page):
    site = site_create(name="Demo shop", origins=["https://placeholder.example"])
    hostile = agent_create(
        site=site, email="eve@demo.example", name=AGENT_NAME, role=Membership.Role.AGENT, password=PASSWORD
    )
    agent_create(
        site=site, email="ann@demo.example", name="Ann", role=Membership.Role.OWNER, password=PASSWORD
    )
    url = host_page("")
    url.html = widget_html(daphne_server.url, site.key)
    site.allowed_origins = url.origin
    site.save(update_fields=["allowed_origins"])
    dialogs: list[str] = []
    agent = AgentSocket(chromium, daphne_server, hostile)
    widget_context = chromium.new_context()
    dashboard_context = chromium.new_context()
    try:
        # --- the widget ---
        widget = widget_context.new_page()
        fail_on_dialog(widget, dialogs)
        widget.goto(url)
        wait_connected(widget)
        open_chat(widget)
        expect(widget.locator(".cp-status")).to_contain_text(AGENT_NAME)
        for payload in XSS_PAYLOADS:
            send_message(widget, payload)
        # More than CHAT_RATE_VISITOR_MESSAGES at once: the rest are retried after retry_after.
        expect(widget.locator(".cp-m-visitor[data-status=sent]")).to_have_count(
            len(XSS_PAYLOADS), timeout=TIMEOUT_MS
        )
        expect(widget.locator(".cp-m-visitor .cp-bubble")).to_have_text(XSS_PAYLOADS)

        conversation = Conversation.objects.get(site=site)
        Visitor.objects.filter(pk=conversation.visitor_id).update(
            name=XSS_PAYLOADS[0], email='"><svg onload=alert(3)>@x.example'
        )
        for payload in XSS_PAYLOADS[:5]:
            agent.reply(conversation.pk, payload)
        expect(widget.locator(".cp-m-agent .cp-bubble")).to_have_text(XSS_PAYLOADS[:5], timeout=TIMEOUT_MS)
        expect(widget.locator(".cp-m-agent .cp-m-name").first).to_have_text(AGENT_NAME)

        # --- the dashboard: server-rendered history, then a live message ---
        dashboard = dashboard_context.new_page()
        fail_on_dialog(dashboard, dialogs)
        page_errors: list[str] = []
        dashboard.on("pageerror", lambda exc: page_errors.append(str(exc)))
        log_in(dashboard, daphne_server, "ann@demo.example")
        dashboard.goto(f"{daphne_server.url}/dashboard/c/{conversation.pk}/")
        expect(dashboard.locator("#messages .msg-visitor .msg-bubble")).to_have_text(XSS_PAYLOADS)
        expect(dashboard.locator("#messages .msg-agent .msg-author").first).to_have_text(AGENT_NAME)
        assert page_errors == []
        expect(dashboard.locator("#connection-status")).to_have_attribute(
            "data-state", "live", timeout=TIMEOUT_MS
        )
        agent.reply(conversation.pk, XSS_PAYLOADS[1])
        expect(dashboard.locator("#messages .msg-agent .msg-bubble")).to_have_text(
            [*XSS_PAYLOADS[:5], XSS_PAYLOADS[1]], timeout=TIMEOUT_MS
        )
        for page in (widget, dashboard):
            assert page.evaluate("document.querySelectorAll('img[src=x], svg[onload], iframe').length") == 0
    finally:
        agent.close()
        widget_context.close()
        dashboard_context.close()
    assert dialogs == []
