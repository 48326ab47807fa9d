"""The dashboard in the agent's language, in a real Chromium against a real daphne.

An agent whose browser asks for German gets the German dashboard, including the
strings dashboard.js writes at run time (from the JavaScript catalog); the
language picker in the top bar switches to Czech. Set I18N_SCREENSHOT=/tmp/de.png
to keep a picture of the German dashboard.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard_browser import (
    PASSWORD,
    TIMEOUT_MS,
    collect_errors,
    message_bubble,
    row,
)

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def german_page(chromium):
    context = chromium.new_context(locale="de-DE", viewport={"width": 1280, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_german_browser_gets_the_german_dashboard_and_can_switch_to_czech(
    daphne_server, german_page, alice, shop, visitors
):
    page = german_page
    errors = collect_errors(page)
    page.goto(f"{daphne_server.url}/dashboard/")
    expect(page.locator("h1.login-title")).to_have_text("Melden Sie sich bei Ihrem Posteingang an")
    page.fill("input[name=username]", "alice@shop.example")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    expect(page).to_have_url(f"{daphne_server.url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    # A string dashboard.js sets once the socket is up.
    expect(page.locator("#connection-status .conn-text")).to_have_text("Verbunden", timeout=TIMEOUT_MS)
    expect(page.locator("#logout-button")).to_have_text("Abmelden")

    visitor = visitors(shop)
    first = visitor.say("Guten Tag, ist jemand da?")
    r = row(page, visitor.conversation_id)
    expect(r).to_be_visible(timeout=TIMEOUT_MS)
    expect(r.locator(".conv-assignee")).to_have_text("Sie")  # built by dashboard.js

    r.locator("a").click()
    expect(message_bubble(page, first["id"])).to_have_text("Guten Tag, ist jemand da?")
    expect(page.locator("#connection-status .conn-text")).to_have_text("Verbunden", timeout=TIMEOUT_MS)
    expect(page.locator("#close-conversation")).to_have_text("Gespräch beenden")

    # Live message while the conversation is open, then an internal note built by dashboard.js.
    second = visitor.say("Meine Bestellung fehlt.")
    expect(message_bubble(page, second["id"])).to_have_text("Meine Bestellung fehlt.", timeout=TIMEOUT_MS)
    page.click("#mode-note")
    expect(page.locator("#composer-input")).to_have_attribute(
        "placeholder", "Interne Notiz schreiben, nur Agenten sehen sie …"
    )
    expect(page.locator("#composer-send")).to_have_text("Notiz hinzufügen")
    page.fill("#composer-input", "Kunde seit 2019")
    page.keyboard.press("Enter")
    note = page.locator("#messages li.note").last
    expect(note.locator(".note-label")).to_have_text("Interne Notiz")
    expect(note).to_have_attribute("data-note-id", re.compile(r"^\d+$"), timeout=TIMEOUT_MS)
    expect(note.locator(".msg-author")).to_have_text("Sie")
    page.click(".switch-track")
    expect(page.locator("#availability-label")).to_have_text("Abwesend")
    page.click(".switch-track")
    expect(page.locator("#availability-label")).to_have_text("Online")

    if os.environ.get("I18N_SCREENSHOT"):
        page.screenshot(path=os.environ["I18N_SCREENSHOT"])

    # The top bar's picker: the page comes back in Czech, and so do the run-time strings.
    page.select_option("#language-select", "cs")
    expect(page.locator("html")).to_have_attribute("lang", "cs", timeout=TIMEOUT_MS)
    expect(page).to_have_url(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    expect(page.locator("#close-conversation")).to_have_text("Uzavřít konverzaci")
    expect(page.locator("#connection-status .conn-text")).to_have_text("Připojeno", timeout=TIMEOUT_MS)
    expect(page.locator("#messages li.note .note-label")).to_have_text("Interní poznámka")
    page.click("#mode-note")
    expect(page.locator("#composer-send")).to_have_text("Přidat poznámku")
    assert errors == []
