"""The agent dashboard in a real Chromium against a real daphne.

Visitors talk to the server the way the widget does, over
`/ws/visitor/<key>/`: daphne runs in its own process, so events of a message
stored from this test process would never reach the agent's socket (with the
in-memory channel layer they stay in this process). The socket path is the
real one anyway.

Set DASHBOARD_SCREENSHOT=/tmp/dashboard.png to keep a picture of the inbox
with a conversation open.
"""

import json
import os
import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from conversations.models import Conversation, Message

pytestmark = pytest.mark.usefixtures("transactional_db")

PASSWORD = "correct horse battery staple"
SHOP_ORIGIN = "https://shop.example"
TIMEOUT_MS = 10_000


class VisitorSocket:
    """A visitor as the widget is one: its own socket, a session, messages by client_id."""

    def __init__(self, ws):
        self.ws = ws
        self.frames: list[dict] = []
        assert self.recv_until(lambda f: f["type"] == "welcome")
        self.send({"type": "session.start"})
        assert self.recv_until(lambda f: f["type"] == "session")["token"]
        self.conversation_id: int | None = None

    def send(self, frame: dict) -> None:
        self.ws.send(json.dumps(frame))

    def recv_until(self, predicate, timeout: float = 10) -> dict:
        """The first frame (seen before or arriving now) that matches."""
        for frame in self.frames:
            if predicate(frame):
                self.frames.remove(frame)
                return frame
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching frame within {timeout} s; got {self.frames!r}")
            frame = json.loads(self.ws.recv(timeout=left))
            if predicate(frame):
                return frame
            self.frames.append(frame)

    def say(self, body: str) -> dict:
        """Send a message and wait for its ack; returns the stored message object."""
        client_id = str(uuid.uuid4())
        self.send({"type": "message.send", "client_id": client_id, "body": body})
        ack = self.recv_until(lambda f: f["type"] == "message.ack" and f["client_id"] == client_id)
        self.conversation_id = ack["message"]["conversation"]
        return ack["message"]

    def typing(self, is_typing: bool = True) -> None:
        self.send({"type": "typing", "is_typing": is_typing})


def log_in(page: Page, server, email: str) -> None:
    page.goto(f"{server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{server.url}/dashboard/")


def wait_live(page: Page) -> None:
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "live", timeout=TIMEOUT_MS)


def collect_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def row(page: Page, conversation_id: int):
    return page.locator(f"li.conv[data-conversation-id='{conversation_id}']")


def message_bubble(page: Page, message_id: int):
    return page.locator(f"#messages li[data-message-id='{message_id}'] .msg-bubble")


def test_it_logs_in_and_shows_a_new_visitor_message_live_in_the_inbox(
    daphne_server, page, alice, shop, visitors
):
    errors = collect_errors(page)
    log_in(page, daphne_server, "alice@shop.example")
    expect(page.locator(".brand")).to_contain_text("Chatplatform")
    expect(page.locator("#agent-name")).to_have_text("Alice")
    expect(page.locator("#inbox-empty")).to_be_visible()
    expect(page.locator(".pane-empty")).to_be_visible()
    wait_live(page)

    visitor = visitors(shop)
    visitor.say("Hello, is anyone there?")

    r = row(page, visitor.conversation_id)
    expect(r).to_be_visible(timeout=TIMEOUT_MS)
    expect(r.locator(".conv-preview-text")).to_have_text("Hello, is anyone there?")
    expect(r.locator(".conv-site")).to_have_text("Demo shop")
    # Round robin: alice is the site's only online agent, so the new chat is hers.
    expect(r.locator(".conv-assignee")).to_have_text("You")
    expect(r.locator(".conv-unread")).to_have_text("1")
    expect(page.locator("#inbox-count")).to_have_text("1")
    expect(page.locator("#inbox-empty")).to_be_hidden()
    expect(page).to_have_title("(1) Inbox — Chatplatform")

    # A plain link to the server-rendered conversation; viewing it clears the badges.
    r.locator("a").click()
    expect(page).to_have_url(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    expect(page.locator("#messages .msg-visitor .msg-bubble")).to_have_text(["Hello, is anyone there?"])
    expect(page).to_have_title("Inbox — Chatplatform")
    expect(row(page, visitor.conversation_id).locator(".conv-unread")).to_be_hidden()
    assert errors == []

    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto(f"{daphne_server.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))


def test_it_shows_visitor_messages_live_in_the_open_conversation_and_stores_the_reply(
    daphne_server, page, alice, shop, visitors
):
    errors = collect_errors(page)
    visitor = visitors(shop)
    first = visitor.say("My order has not arrived.")
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    expect(message_bubble(page, first["id"])).to_have_text("My order has not arrived.")
    wait_live(page)

    # Typing indicator, then a live message with markup and a line break, rendered as text.
    visitor.typing(True)
    expect(page.locator("#typing-indicator")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#typing-indicator")).to_contain_text("Visitor is typing")
    body = 'Order <b>#10442</b>\n<img src=x onerror="window.pwned=1">'
    second = visitor.say(body)
    bubble = message_bubble(page, second["id"])
    expect(bubble).to_have_text(body, timeout=TIMEOUT_MS)
    assert bubble.evaluate("el => el.children.length") == 0
    assert page.evaluate("window.pwned") is None
    assert bubble.evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    expect(page.locator("#typing-indicator")).to_be_hidden()
    assert page.locator("#messages li.msg").count() == 2

    # The agent replies; the bubble turns from pending into the stored message.
    page.fill("#composer-input", "Sorry about that!\nLet me check.")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-input")).to_have_value("")
    mine = page.locator("#messages li.msg-agent.is-mine")
    expect(mine).to_have_count(1)
    expect(mine).to_have_attribute("data-message-id", re.compile(r"^\d+$"), timeout=TIMEOUT_MS)
    expect(mine.locator(".msg-bubble")).to_have_text("Sorry about that!\nLet me check.")
    expect(page.locator(".msg.is-pending")).to_have_count(0)

    pushed = visitor.recv_until(lambda f: f["type"] == "message.new" and f["message"]["author"] == "agent")
    assert pushed["message"]["body"] == "Sorry about that!\nLet me check."
    assert pushed["message"]["agent"]["name"] == "Alice"

    reply = Message.objects.get(conversation_id=visitor.conversation_id, author_type=Message.Author.AGENT)
    assert reply.body == "Sorry about that!\nLet me check."
    assert reply.author_agent_id == alice.pk
    assert reply.seq == 3
    assert Conversation.objects.get(pk=visitor.conversation_id).assigned_agent_id == alice.pk
    expect(page.locator("#current-assignee")).to_have_text("Assigned to you", timeout=TIMEOUT_MS)
    expect(row(page, visitor.conversation_id).locator(".conv-assignee")).to_have_text("You")

    # Sanity: every message exactly once after all that.
    seqs = page.locator("#messages li.msg").evaluate_all("els => els.map(e => Number(e.dataset.seq))")
    assert seqs == [1, 2, 3]
    assert errors == []

    # The server-rendered history shows the same text, as text.
    page.reload()
    expect(message_bubble(page, second["id"])).to_have_text(body)
    assert message_bubble(page, second["id"]).evaluate("el => el.children.length") == 0
    assert page.evaluate("window.pwned") is None
    wait_live(page)

    shot = os.environ.get("DASHBOARD_SCREENSHOT")
    if shot:
        other = visitors(shop)
        other.say("Hi! Do you ship to Austria?")
        expect(row(page, other.conversation_id)).to_be_visible(timeout=TIMEOUT_MS)
        page.set_viewport_size({"width": 1366, "height": 820})
        expect(page.locator("li.conv.is-new")).to_have_count(0)  # the arrival flash is over
        page.screenshot(path=shot)


def test_it_closes_the_conversation(daphne_server, page, alice, shop, visitors):
    visitor = visitors(shop)
    visitor.say("Thanks, that is all.")
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    wait_live(page)
    expect(row(page, visitor.conversation_id)).to_be_visible()

    page.click("#close-conversation")

    expect(page.locator("#current-status")).to_have_text("Closed", timeout=TIMEOUT_MS)
    expect(page.locator("#closed-note")).to_be_visible()
    expect(page.locator("#composer")).to_be_hidden()
    expect(page.locator("#close-conversation")).to_be_hidden()
    expect(page.locator("#messages .msg-system .msg-bubble")).to_have_text(["Alice closed the conversation."])
    expect(row(page, visitor.conversation_id)).to_have_count(0)
    expect(page.locator("#inbox-empty")).to_be_visible()

    conversation = Conversation.objects.get(pk=visitor.conversation_id)
    assert conversation.status == Conversation.Status.CLOSED
    assert conversation.closed_at is not None
    pushed = visitor.recv_until(lambda f: f["type"] == "conversation.updated")
    assert pushed["conversation"]["status"] == "closed"

    # Reloaded, it is still shown closed, and not in the inbox.
    page.reload()
    expect(page.locator("#current-status")).to_have_text("Closed")
    expect(page.locator("#composer")).to_be_hidden()
    expect(row(page, visitor.conversation_id)).to_have_count(0)


def test_it_counts_unread_messages_of_another_conversation_in_the_title(
    daphne_server, page, alice, shop, visitors
):
    first, second = visitors(shop), visitors(shop)
    first.say("I am the open one.")
    second.say("I was here before.")
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{first.conversation_id}/")
    wait_live(page)
    expect(page).to_have_title("Inbox — Chatplatform")

    second.say("Hello?")
    second.say("Anyone?")

    expect(page).to_have_title("(2) Inbox — Chatplatform", timeout=TIMEOUT_MS)
    other = row(page, second.conversation_id)
    expect(other.locator(".conv-unread")).to_have_text("2")
    expect(other.locator(".conv-preview-text")).to_have_text("Anyone?")
    # The busiest conversation moves to the top.
    top_row = page.locator("li.conv").first
    expect(top_row).to_have_attribute("data-conversation-id", str(second.conversation_id))
    # Messages of the conversation being read do not count.
    first.say("Still here.")
    expect(page.locator("#messages .msg-bubble").last).to_have_text("Still here.", timeout=TIMEOUT_MS)
    expect(page).to_have_title("(2) Inbox — Chatplatform")

    other.locator("a").click()
    expect(page).to_have_url(f"{daphne_server.url}/dashboard/c/{second.conversation_id}/")
    expect(page).to_have_title("Inbox — Chatplatform")
    expect(row(page, second.conversation_id).locator(".conv-unread")).to_be_hidden()
    wait_live(page)

    # With the tab in the background, messages of the open conversation count too.
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    second.say("Are you there?")
    expect(page).to_have_title("(1) Inbox — Chatplatform", timeout=TIMEOUT_MS)
    page.evaluate("""() => {
        delete document.hidden;
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(page).to_have_title("Inbox — Chatplatform")


def test_it_hides_conversations_of_other_sites(daphne_server, chromium, alice, shop, visitors):
    other_site = site_create(name="Other shop", origins=["https://other.example"])
    agent_create(
        site=other_site,
        email="charlie@other.example",
        name="Charlie",
        role=Membership.Role.AGENT,
        password=PASSWORD,
    )
    ours = visitors(shop)
    ours.say("A question for Demo shop.")
    theirs = visitors(other_site, origin="https://other.example")
    theirs.say("A question for Other shop.")

    context = chromium.new_context()
    try:
        page = context.new_page()
        log_in(page, daphne_server, "charlie@other.example")
        expect(row(page, theirs.conversation_id)).to_be_visible()
        expect(row(page, ours.conversation_id)).to_have_count(0)
        expect(page.locator("li.conv")).to_have_count(1)

        response = page.goto(f"{daphne_server.url}/dashboard/c/{ours.conversation_id}/")
        assert response is not None and response.status == 404

        page.goto(f"{daphne_server.url}/dashboard/")
        wait_live(page)
        # Live events stay within the site: send to Demo shop first, then to
        # Other shop; once the second arrived the first would have too.
        ours.say("Demo shop again.")
        theirs.say("Other shop again.")
        expect(row(page, theirs.conversation_id).locator(".conv-preview-text")).to_have_text(
            "Other shop again.", timeout=TIMEOUT_MS
        )
        expect(row(page, ours.conversation_id)).to_have_count(0)
        assert "Demo shop" not in page.content()
    finally:
        context.close()


def test_it_marks_a_refused_reply_as_failed_and_retries_it_with_the_same_client_id(
    daphne_server, page, alice, shop, visitors
):
    """The first send of a reply gets a `server_error`; Retry sends the same client_id again."""
    visitor = visitors(shop)
    visitor.say("Hello")
    sent: list[dict] = []
    refused: list[str] = []

    def route(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send":
                sent.append(frame)
                if not refused:
                    refused.append(frame["client_id"])
                    ws.send(
                        json.dumps(
                            {
                                "type": "error",
                                "code": "server_error",
                                "detail": "The server could not apply this frame; send it again.",
                                "client_id": frame["client_id"],
                            }
                        )
                    )
                    return
            server.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r"/ws/agent/$"), route)
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
    wait_live(page)

    page.fill("#composer-input", "Second try works")
    page.click("#composer-send")
    failed = page.locator("#messages li.msg.is-failed")
    expect(failed).to_have_count(1, timeout=TIMEOUT_MS)
    expect(failed.locator(".msg-status")).to_contain_text("Not sent")
    assert not Message.objects.filter(conversation_id=visitor.conversation_id, author_type="agent").exists()

    failed.locator(".msg-retry").click()
    expect(page.locator("#messages li.msg.is-failed")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.locator("#messages li.msg-agent[data-message-id]")).to_have_count(1, timeout=TIMEOUT_MS)
    assert [f["client_id"] for f in sent] == [refused[0], refused[0]]
    stored = Message.objects.get(conversation_id=visitor.conversation_id, author_type="agent")
    assert (stored.client_id, stored.body) == (refused[0], "Second try works")
