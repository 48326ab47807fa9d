"""Agent tools of the dashboard in Chromium against a real daphne: transfer, canned responses, notes.

Set DASHBOARD_TOOLS_SCREENSHOT=/tmp/tools.png to keep a picture of a
conversation with a transfer, a note and the canned response list open.
"""

import os
import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create
from conversations.models import CannedResponse, Conversation, ConversationNote, Message
from tests.browser.test_dashboard_browser import (
    PASSWORD,
    TIMEOUT_MS,
    log_in,
    row,
    wait_live,
)
from tests.browser.test_widget_browser import open_chat, send_message, wait_connected, widget_html

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def bob(shop):
    return agent_create(
        site=shop, email="bob@shop.example", name="Bob", role=Membership.Role.AGENT, password=PASSWORD
    )


@pytest.fixture
def second_page(chromium):
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def test_an_agent_transfers_a_conversation_and_the_other_agent_sees_it_assigned(
    daphne_server, page, second_page, alice, bob, shop, visitors
):
    visitor = visitors(shop)
    visitor.say("I need to change my delivery address.")  # nobody online yet: it waits in the queue
    conversation_id = visitor.conversation_id

    log_in(second_page, daphne_server, "bob@shop.example")
    second_page.goto(f"{daphne_server.url}/dashboard/?view=mine")
    wait_live(second_page)
    expect(row(second_page, conversation_id)).to_have_count(0)

    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{conversation_id}/")
    wait_live(page)
    expect(page.locator("#current-assignee")).to_have_text("Unassigned")
    expect(page.locator("#assign-select option")).to_have_text(["Nobody (queue)", "Alice (you)", "Bob"])

    page.select_option("#assign-select", label="Bob")

    expect(page.locator("#current-assignee")).to_have_text("Assigned to Bob", timeout=TIMEOUT_MS)
    expect(page.locator("#assign-select")).to_be_enabled()
    expect(page.locator("#messages .msg-system .msg-bubble")).to_have_text(
        ["Alice transferred the chat to Bob."], timeout=TIMEOUT_MS
    )
    # Bob's "Mine" view gets the conversation live, marked as his.
    bob_row = row(second_page, conversation_id)
    expect(bob_row).to_be_visible(timeout=TIMEOUT_MS)
    expect(bob_row.locator(".conv-assignee")).to_have_text("You")
    bob_row.locator("a").click()
    expect(second_page.locator("#current-assignee")).to_have_text("Assigned to you")
    expect(second_page.locator("#assign-select")).to_have_value(str(bob.pk))

    pushed = visitor.recv_until(lambda f: f["type"] == "message.new" and f["message"]["author"] == "system")
    assert pushed["message"]["body"] == "Alice transferred the chat to Bob."
    assert Conversation.objects.get(pk=conversation_id).assigned_agent_id == bob.pk

    # Bob hands it back to the queue; Alice's header follows.
    wait_live(second_page)
    second_page.select_option("#assign-select", value="")
    expect(page.locator("#current-assignee")).to_have_text("Unassigned", timeout=TIMEOUT_MS)
    expect(page.locator("#assign-select")).to_have_value("")


def test_a_canned_response_is_inserted_with_a_slash_shortcut(daphne_server, page, alice, shop, visitors):
    CannedResponse.objects.create(site=shop, shortcut="hello", text="Hello! How can I help you today?")
    CannedResponse.objects.create(site=shop, shortcut="hours", text="We are open 9-17, Monday to Friday.")
    CannedResponse.objects.create(site=shop, shortcut="refund", text="Refunds take 5 working days.")
    visitor = visitors(shop)
    visitor.say("Hi")
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    wait_live(page)
    menu = page.locator("#canned-menu")
    box = page.locator("#composer-input")

    box.press_sequentially("/h")
    expect(menu).to_be_visible()
    expect(menu.locator(".canned-shortcut")).to_have_text(["/hello", "/hours"])
    expect(menu.locator("[aria-selected=true] .canned-shortcut")).to_have_text("/hello")
    box.press("ArrowDown")
    expect(menu.locator("[aria-selected=true] .canned-shortcut")).to_have_text("/hours")
    box.press("Tab")
    expect(box).to_have_value("We are open 9-17, Monday to Friday.")
    expect(menu).to_be_hidden()

    # Enter inserts (it does not send), then Enter sends.
    box.fill("")
    box.press_sequentially("/hel")
    expect(menu.locator(".canned-shortcut")).to_have_text(["/hello"])
    box.press("Enter")
    expect(box).to_have_value("Hello! How can I help you today?")
    assert not Message.objects.filter(author_type="agent").exists()
    box.press("Enter")
    pushed = visitor.recv_until(lambda f: f["type"] == "message.new" and f["message"]["author"] == "agent")
    assert pushed["message"]["body"] == "Hello! How can I help you today?"

    # A click inserts too; Escape closes the list; text that is not a shortcut opens nothing.
    box.press_sequentially("/")
    expect(menu.locator(".canned-item")).to_have_count(3)
    menu.locator(".canned-item", has_text="/refund").click()
    expect(box).to_have_value("Refunds take 5 working days.")
    box.fill("")
    box.press_sequentially("/ho")
    expect(menu).to_be_visible()
    box.press("Escape")
    expect(menu).to_be_hidden()
    box.fill("")
    box.press_sequentially("see /hello")
    expect(menu).to_be_hidden()


def test_a_note_is_shown_to_agents_and_never_in_the_widget(
    daphne_server, page, second_page, alice, bob, shop, host_page, chromium
):
    url = host_page("")
    url.html = widget_html(daphne_server.url, shop.key)
    shop.allowed_origins = url.origin
    shop.save(update_fields=["allowed_origins"])
    CannedResponse.objects.create(site=shop, shortcut="hello", text="Hello! How can I help you today?")
    CannedResponse.objects.create(site=shop, shortcut="hours", text="We are open 9-17, Monday to Friday.")

    widget_context = chromium.new_context()
    try:
        widget = widget_context.new_page()
        widget.goto(url)
        wait_connected(widget)
        open_chat(widget)
        send_message(widget, "Where is my parcel?")
        expect(widget.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
        conversation_id = Message.objects.get().conversation_id

        log_in(second_page, daphne_server, "bob@shop.example")
        second_page.goto(f"{daphne_server.url}/dashboard/c/{conversation_id}/")
        wait_live(second_page)
        log_in(page, daphne_server, "alice@shop.example")
        page.goto(f"{daphne_server.url}/dashboard/c/{conversation_id}/")
        wait_live(page)

        page.click("#mode-note")
        expect(page.locator("#composer")).to_have_class("composer is-note")
        page.fill("#composer-input", "Parcel lost by the courier, refund approved")
        page.keyboard.press("Enter")

        note = page.locator("#messages li.note")
        expect(note).to_have_count(1)
        # Pending ("Saving…") until the ack; then it carries the stored note's id.
        expect(note).to_have_attribute("data-note-id", re.compile(r"^\d+$"), timeout=TIMEOUT_MS)
        assert note.get_attribute("data-note-id") == str(ConversationNote.objects.get().pk)
        expect(note.locator(".note-bubble")).to_have_text("Parcel lost by the courier, refund approved")
        expect(note.locator(".note-label")).to_have_text("Internal note")
        # Yellow, unlike every chat bubble.
        assert note.locator(".note-bubble").evaluate("el => getComputedStyle(el).backgroundColor") == (
            "rgb(254, 249, 195)"
        )
        # Bob sees it live, by Alice.
        bob_note = second_page.locator("#messages li.note")
        expect(bob_note.locator(".note-bubble")).to_have_text(
            "Parcel lost by the courier, refund approved", timeout=TIMEOUT_MS
        )
        expect(bob_note.locator(".msg-author")).to_have_text("Alice")

        # Then a reply; once the widget shows it, the note would have arrived before it.
        page.click("#mode-reply")
        page.fill("#composer-input", "So sorry, we are refunding you.")
        page.keyboard.press("Enter")
        expect(widget.locator(".cp-m-agent .cp-bubble")).to_have_text(
            ["So sorry, we are refunding you."], timeout=TIMEOUT_MS
        )
        assert "Parcel lost" not in widget.locator("body").inner_text()
        shadow_html = (
            "() => [...document.querySelectorAll('*')].map(e => e.shadowRoot?.innerHTML || '').join('')"
        )
        assert "Parcel lost" not in widget.evaluate(shadow_html)

        # After a reload the server renders the note in the thread, among the messages.
        page.reload()
        wait_live(page)
        kinds = page.locator("#messages > li").evaluate_all("els => els.map(e => e.className.split(' ')[0])")
        assert kinds == ["msg", "note", "msg"]

        shot = os.environ.get("DASHBOARD_TOOLS_SCREENSHOT")
        if shot:
            page.set_viewport_size({"width": 1366, "height": 820})
            page.select_option("#assign-select", label="Bob")
            expect(page.locator("#current-assignee")).to_have_text("Assigned to Bob", timeout=TIMEOUT_MS)
            page.locator("#composer-input").press_sequentially("/h")
            expect(page.locator("#canned-menu")).to_be_visible()
            page.screenshot(path=shot)
    finally:
        widget_context.close()


NOTIFICATION_STUB = """
(() => {
  // Records what the page would show; the real one needs a user's answer to a browser prompt.
  window.__notifications = [];
  let permission = "default";
  class FakeNotification {
    constructor(title, options) { window.__notifications.push({title, ...options}); }
    static get permission() { return permission; }
    static requestPermission() { permission = "granted"; return Promise.resolve(permission); }
    close() {}
  }
  window.Notification = FakeNotification;
})();
"""


def test_notifications_are_asked_for_on_click_and_never_show_the_message(
    daphne_server, page, alice, bob, shop, visitors
):
    page.add_init_script(NOTIFICATION_STUB)
    log_in(page, daphne_server, "alice@shop.example")
    wait_live(page)
    button = page.locator("#notify-button")
    expect(button).to_have_text("Enable notifications")
    assert page.evaluate("localStorage.getItem('chatplatform.notifications')") is None

    button.click()

    expect(button).to_have_text("Notifications on")
    assert page.evaluate("localStorage.getItem('chatplatform.notifications')") == "on"
    # Visible tab: no notification, the inbox shows it.
    visitor = visitors(shop)
    visitor.say("First, while you look")
    expect(row(page, visitor.conversation_id)).to_be_visible(timeout=TIMEOUT_MS)
    assert page.evaluate("window.__notifications") == []

    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    visitor.say("My name is Jane Roe, card 4111 1111 1111 1111")
    page.wait_for_function("() => window.__notifications.length === 1", timeout=TIMEOUT_MS)
    (shown,) = page.evaluate("window.__notifications")
    assert shown["title"] == "Demo shop"
    assert shown["body"] == "New message"
    assert "Jane" not in str(shown) and "4111" not in str(shown)

    # A colleague's chat does not notify: hand this one to Bob, and let its visitor write again.
    page.evaluate("""() => {
        delete document.hidden;
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    wait_live(page)
    page.locator("#notify-button").click()  # the stub forgets its permission on navigation
    expect(page.locator("#notify-button")).to_have_text("Notifications on")
    page.select_option("#assign-select", label="Bob")
    expect(page.locator("#current-assignee")).to_have_text("Assigned to Bob", timeout=TIMEOUT_MS)
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    visitor.say("Hello again")
    expect(page.locator("#messages .msg-visitor .msg-bubble").last).to_have_text(
        "Hello again", timeout=TIMEOUT_MS
    )
    assert len(page.evaluate("window.__notifications")) == 0

    # The choice survives a reload; a click turns it off again.
    page.reload()
    expect(page.locator("#notify-button")).to_have_text("Enable notifications")  # the stub forgot permission
    page.locator("#notify-button").click()
    expect(page.locator("#notify-button")).to_have_text("Notifications on")
    page.locator("#notify-button").click()
    expect(page.locator("#notify-button")).to_have_text("Enable notifications")
    assert page.evaluate("localStorage.getItem('chatplatform.notifications')") is None
