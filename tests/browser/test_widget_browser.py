"""The visitor widget (static/widget/widget.js) in Chromium against a real daphne.

The host page is served from another origin than daphne, as on a customer's
site. The widget script tag carries `data-test-open-shadow="1"`, the test hook
that attaches its shadow root in open mode so Playwright's CSS selectors can
pierce it (real embeds get a closed one).

daphne is a separate process with its own channel layer, so the agent side is
a real `/ws/agent/` socket opened by a logged-in agent's browser context: a
service called in this process would store the reply but its event would never
reach daphne's consumers.
"""

import gzip
import json
import uuid

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from conversations.models import Conversation, Message, Visitor

PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 10_000

# The only localStorage keys the widget may write (see the inventory atop widget.js).
TOKEN_KEY = "chatplatform.{key}.token"
OPEN_KEY = "chatplatform.{key}.open"


def widget_html(server_url: str, site_key: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo shop</title>
  <style>body {{ font: 16px serif; margin: 40px; }} div, button {{ color: red !important; }}</style>
</head>
<body>
  <h1>Demo shop</h1>
  <p>Everything you need, delivered.</p>
  <script src="{server_url}/widget.js" data-site-key="{site_key}" data-lang="en"
          data-test-open-shadow="1" async></script>
</body>
</html>"""


@pytest.fixture
def site(transactional_db):
    # The host page's origin is only known once it is served; `embed` sets it.
    return site_create(name="Demo shop", origins=["https://placeholder.example"])


@pytest.fixture
def agent(site):
    return agent_create(
        site=site, email="alice@demo.example", name="Alice", role=Membership.Role.AGENT, password=PASSWORD
    )


@pytest.fixture
def embed(host_page, daphne_server):
    """Serve a host page embedding the widget of `site`; allow its origin unless told not to."""

    def serve(site, *, allow_origin: bool = True) -> str:
        url = host_page("")
        url.html = widget_html(daphne_server.url, site.key)
        if allow_origin:
            site.allowed_origins = url.origin
            site.save(update_fields=["allowed_origins"])
        return url

    return serve


class AgentSocket:
    """A logged-in agent's `/ws/agent/` socket, opened from a page on daphne's own origin."""

    def __init__(self, browser, server, agent):
        client = Client()
        client.force_login(agent)
        session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.context = browser.new_context()
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session_id, "url": server.url}]
        )
        self.page = self.context.new_page()
        self.page.goto(f"{server.url}/healthz")
        self.welcome = self.page.evaluate(
            """(url) => new Promise((resolve, reject) => {
                const ws = new WebSocket(url);
                window.__frames = [];
                window.__ws = ws;
                ws.onmessage = (e) => {
                    const f = JSON.parse(e.data);
                    window.__frames.push(f);
                    if (f.type === "welcome") resolve(f);
                };
                ws.onclose = () => reject(new Error("agent socket closed"));
                setTimeout(() => reject(new Error("no welcome on the agent socket")), 10000);
            })""",
            f"{server.ws_url}/ws/agent/",
        )

    def request(self, frame: dict) -> dict:
        """Send a frame with a client_id; return its message.ack or error."""
        return self.page.evaluate(
            """(frame) => new Promise((resolve, reject) => {
                const ws = window.__ws;
                const onMessage = (e) => {
                    const f = JSON.parse(e.data);
                    if (f.client_id === frame.client_id && (f.type === "message.ack" || f.type === "error")) {
                        ws.removeEventListener("message", onMessage);
                        resolve(f);
                    }
                };
                ws.addEventListener("message", onMessage);
                ws.send(JSON.stringify(frame));
                setTimeout(() => reject(new Error("no answer to " + frame.type)), 10000);
            })""",
            frame,
        )

    def reply(self, conversation_id: int, body: str) -> dict:
        frame = {"type": "message.send", "conversation": conversation_id, "client_id": str(uuid.uuid4())}
        ack = self.request({**frame, "body": body})
        assert ack["type"] == "message.ack", ack
        return ack

    def send(self, frame: dict) -> None:
        self.page.evaluate("(frame) => window.__ws.send(JSON.stringify(frame))", frame)

    def frames(self, type_: str) -> list[dict]:
        return self.page.evaluate("(t) => window.__frames.filter((f) => f.type === t)", type_)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def agent_socket(chromium, daphne_server, agent):
    sock = AgentSocket(chromium, daphne_server, agent)
    yield sock
    sock.close()


def wait_connected(page) -> None:
    """The widget got `welcome` (it renders the connection state on its root)."""
    expect(page.locator(".cp[data-connection=connected]")).to_have_count(1, timeout=TIMEOUT_MS)


def open_chat(page) -> None:
    page.locator(".cp-launcher").click()
    expect(page.locator(".cp-win")).to_be_visible()


def send_message(page, text: str) -> None:
    box = page.locator(".cp-input")
    box.fill(text)
    box.press("Enter")


def visitor_bubbles(page):
    return page.locator(".cp-m-visitor .cp-bubble")


def storage_keys(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).sort()")


# --- tests ------------------------------------------------------------------------------


def test_widget_js_is_served_small_and_cross_origin(daphne_server, transactional_db):
    import urllib.request

    with urllib.request.urlopen(f"{daphne_server.url}/widget.js", timeout=5) as response:
        body = response.read()
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert response.headers.get("Set-Cookie") is None
    assert len(gzip.compress(body)) < 25_000


def test_visitor_and_agent_talk_in_real_time(page, embed, site, agent, agent_socket):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    open_chat(page)

    # The agent's dashboard socket is open, so the widget shows them online.
    expect(page.locator(".cp-title")).to_have_text("Demo shop")
    expect(page.locator(".cp-status")).to_have_text("Alice · Online")
    expect(page.locator(".cp-av")).to_contain_text("A")
    expect(page.locator(".cp-offline")).to_be_hidden()

    send_message(page, "Hello, do you ship to Prague?\nAnd to Brno?")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".cp-input")).to_have_value("")

    message = Message.objects.get()
    assert message.author_type == Message.Author.VISITOR
    assert message.body == "Hello, do you ship to Prague?\nAnd to Brno?"
    assert Visitor.objects.filter(site=site).count() == 1

    # The agent sees the visitor type, and the visitor sees the agent type.
    page.locator(".cp-input").press_sequentially("Than")
    agent_socket.page.wait_for_function(
        "() => window.__frames.some((f) => f.type === 'typing' && f.author === 'visitor' && f.is_typing)",
        timeout=TIMEOUT_MS,
    )
    agent_socket.send({"type": "typing", "conversation": message.conversation_id, "is_typing": True})
    expect(page.locator(".cp-typing")).to_have_text("Alice is typing…", timeout=TIMEOUT_MS)

    agent_socket.reply(message.conversation_id, "Yes, we ship to the whole Czech Republic.")
    agent_bubble = page.locator(".cp-m-agent .cp-bubble")
    expect(agent_bubble).to_have_text(["Yes, we ship to the whole Czech Republic."], timeout=TIMEOUT_MS)
    expect(page.locator(".cp-m-agent .cp-m-name")).to_have_text("Alice")
    expect(page.locator(".cp-typing")).to_be_hidden()
    # The ack and the message.new echo both arrived; each message is shown once.
    expect(visitor_bubbles(page)).to_have_text(["Hello, do you ship to Prague?\nAnd to Brno?"])
    assert Message.objects.count() == 2


def test_nothing_is_stored_before_the_visitor_opens_the_chat(page, embed, site):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    expect(page.locator(".cp-launcher")).to_be_visible()

    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("sessionStorage.length") == 0
    assert page.context.cookies() == []
    assert Visitor.objects.count() == 0  # no session.start before opening

    open_chat(page)
    key = site.key
    page.wait_for_function(
        "(k) => localStorage.getItem(k) !== null", arg=TOKEN_KEY.format(key=key), timeout=TIMEOUT_MS
    )
    assert storage_keys(page) == sorted([TOKEN_KEY.format(key=key), OPEN_KEY.format(key=key)])
    assert page.evaluate("(k) => localStorage.getItem(k)", OPEN_KEY.format(key=key)) == "1"
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("sessionStorage.length") == 0
    assert page.context.cookies() == []
    assert Visitor.objects.count() == 1

    # Closing the window forgets only that it was open.
    page.locator(".cp-x").click()
    expect(page.locator(".cp-win")).to_be_hidden()
    assert storage_keys(page) == [TOKEN_KEY.format(key=key)]


def test_a_reload_resumes_the_conversation_and_offline_sends_arrive_once(page, embed, site):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    send_message(page, "First message")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)

    page.reload()
    # The window re-opens by itself and the history is shown exactly once.
    expect(page.locator(".cp-win")).to_be_visible(timeout=TIMEOUT_MS)
    expect(visitor_bubbles(page)).to_have_text(["First message"], timeout=TIMEOUT_MS)
    wait_connected(page)
    page.wait_for_timeout(500)  # a late duplicate would show up here
    expect(visitor_bubbles(page)).to_have_count(1)
    assert Visitor.objects.count() == 1  # resumed with the stored token, not a new visitor

    page.context.set_offline(True)
    expect(page.locator(".cp[data-connection=disconnected]")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".cp-conn")).to_have_text("Reconnecting…")
    send_message(page, "Sent while offline")
    expect(page.locator(".cp-m-visitor[data-status=sending] .cp-bubble")).to_have_text("Sent while offline")
    page.wait_for_timeout(1000)
    assert not Message.objects.filter(body="Sent while offline").exists()

    page.context.set_offline(False)
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(2, timeout=TIMEOUT_MS)
    expect(page.locator(".cp-conn")).to_be_hidden()
    page.wait_for_timeout(500)
    expect(visitor_bubbles(page)).to_have_text(["First message", "Sent while offline"])
    assert Message.objects.filter(body="Sent while offline").count() == 1
    assert list(Message.objects.order_by("seq").values_list("seq", "body")) == [
        (1, "First message"),
        (2, "Sent while offline"),
    ]
    assert Conversation.objects.count() == 1


def test_an_unknown_token_is_forgotten_and_a_new_session_started(page, embed, site):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    token_key, open_key = TOKEN_KEY.format(key=site.key), OPEN_KEY.format(key=site.key)
    # As after an erasure: the browser still holds a token the server no longer knows.
    page.evaluate(
        "([t, o]) => { localStorage.setItem(t, 'erased-token'); localStorage.setItem(o, '1'); }",
        [token_key, open_key],
    )
    page.reload()
    expect(page.locator(".cp-win")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "(k) => ![null, 'erased-token'].includes(localStorage.getItem(k))", arg=token_key, timeout=TIMEOUT_MS
    )
    assert Visitor.objects.count() == 1
    send_message(page, "Still works")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    assert Message.objects.get().conversation.visitor == Visitor.objects.get()


def test_agent_replies_raise_a_badge_while_the_window_is_closed(page, embed, site, agent, agent_socket):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    send_message(page, "Is the blue vase in stock?")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    expect(page.locator(".cp-win")).to_be_hidden()

    conversation_id = Message.objects.get().conversation_id
    agent_socket.reply(conversation_id, "Yes, two left.")
    expect(page.locator(".cp-badge")).to_have_text("1", timeout=TIMEOUT_MS)
    # A reply missed while offline arrives by sync after the reconnect, window still closed.
    page.context.set_offline(True)
    expect(page.locator(".cp[data-connection=disconnected]")).to_have_count(1, timeout=TIMEOUT_MS)
    agent_socket.reply(conversation_id, "Shall I reserve one?")
    page.context.set_offline(False)
    expect(page.locator(".cp-badge")).to_have_text("2", timeout=TIMEOUT_MS)
    expect(page.locator(".cp-launcher")).to_have_attribute("aria-label", "Open chat — 2 unread messages")

    page.locator(".cp-launcher").click()
    expect(page.locator(".cp-badge")).to_be_hidden()
    expect(page.locator(".cp-m-agent .cp-bubble")).to_have_text(["Yes, two left.", "Shall I reserve one?"])


def test_a_message_whose_ack_was_lost_is_stored_and_shown_once(page, embed, site):
    """The socket dies after the server stored a message but before the widget heard back."""
    url = embed(site)
    sent_client_ids: list[str] = []
    dropped: list[dict] = []

    def route(ws):
        server = ws.connect_to_server()

        def page_to_server(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send":
                sent_client_ids.append(frame["client_id"])
            server.send(message)

        def server_to_page(message):
            frame = json.loads(message)
            if not dropped and frame.get("type") in ("message.ack", "message.new"):
                dropped.append(frame)
                ws.close()
                server.close()
                return
            ws.send(message)

        ws.on_message(page_to_server)
        server.on_message(server_to_page)

    page.route_web_socket(f"**/ws/visitor/{site.key}/", route)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    send_message(page, "Did this arrive?")

    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    assert dropped, "the first ack/echo should have been dropped"
    page.wait_for_timeout(500)
    expect(visitor_bubbles(page)).to_have_text(["Did this arrive?"])
    assert Message.objects.filter(body="Did this arrive?").count() == 1
    assert sent_client_ids and len(set(sent_client_ids)) == 1  # any re-send reused the client_id


def test_messages_typed_after_a_rate_limited_one_wait_behind_it(page, embed, site):
    """The server refuses the second message (`rate_limited`); the third, typed meanwhile, must wait."""
    url = embed(site)
    refused: list[str] = []

    def route(ws):
        server = ws.connect_to_server()

        def page_to_server(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send" and frame["body"] == "two" and not refused:
                refused.append(frame["client_id"])
                ws.send(
                    json.dumps(
                        {
                            "type": "error",
                            "code": "rate_limited",
                            "detail": "Too many messages.",
                            "retry_after": 1,
                            "client_id": frame["client_id"],
                        }
                    )
                )
                return
            server.send(message)

        ws.on_message(page_to_server)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(f"**/ws/visitor/{site.key}/", route)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    send_message(page, "one")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    send_message(page, "two")
    page.wait_for_timeout(300)  # the refusal is in
    assert refused
    send_message(page, "three")

    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(3, timeout=TIMEOUT_MS)
    expect(visitor_bubbles(page)).to_have_text(["one", "two", "three"])
    assert list(Message.objects.order_by("seq").values_list("body", flat=True)) == ["one", "two", "three"]


def test_a_refused_message_is_marked_failed_and_retried_only_when_it_can_succeed(page, embed, site):
    """Error frames with a client_id mark that message failed; too-large bodies are not re-sent."""
    url = embed(site)
    retry_detail = "The server could not apply this frame; send it again."
    refuse_once = {"Will fail once": ("server_error", retry_detail)}
    refuse_always = {"Far too long": ("body_too_large", "A message has at most 5000 characters.")}
    sends: list[str] = []

    def route(ws):
        server = ws.connect_to_server()

        def page_to_server(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send":
                sends.append(frame["body"])
                refusal = refuse_once.pop(frame["body"], None) or refuse_always.get(frame["body"])
                if refusal:
                    code, detail = refusal
                    error = {"type": "error", "code": code, "detail": detail, "client_id": frame["client_id"]}
                    ws.send(json.dumps(error))
                    return
            server.send(message)

        ws.on_message(page_to_server)

    page.route_web_socket(f"**/ws/visitor/{site.key}/", route)
    page.goto(url)
    wait_connected(page)
    open_chat(page)

    send_message(page, "Will fail once")
    failed = page.locator(".cp-m-visitor[data-status=failed]")
    expect(failed).to_have_count(1, timeout=TIMEOUT_MS)
    expect(failed.locator(".cp-state")).to_have_text(f"Not sent: {retry_detail}")
    failed.get_by_role("button", name="Retry").click()
    sent = page.locator(".cp-m-visitor[data-status=sent] .cp-bubble")
    expect(sent).to_have_text(["Will fail once"], timeout=TIMEOUT_MS)
    assert Message.objects.filter(body="Will fail once").count() == 1

    send_message(page, "Far too long")
    expect(failed).to_have_count(1, timeout=TIMEOUT_MS)
    expect(failed.locator(".cp-state")).to_have_text("Not sent: A message has at most 5000 characters.")
    # A reconnect re-sends pending messages, but not one the server can never accept.
    page.context.set_offline(True)
    expect(page.locator(".cp[data-connection=disconnected]")).to_have_count(1, timeout=TIMEOUT_MS)
    page.context.set_offline(False)
    wait_connected(page)
    page.wait_for_timeout(500)
    assert sends.count("Far too long") == 1
    # "Edit" gives the text back to the visitor instead.
    failed.get_by_role("button", name="Edit").click()
    expect(failed).to_have_count(0)
    expect(page.locator(".cp-input")).to_have_value("Far too long")
    expect(visitor_bubbles(page)).to_have_text(["Will fail once"])


def test_message_text_is_shown_as_text_never_as_html(page, embed, site, agent, agent_socket):
    site.name = "<b>Shop</b><img src=x onerror=alert(3)>"
    site.save(update_fields=["name"])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    url = embed(site)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    expect(page.locator(".cp-title")).to_have_text("<b>Shop</b><img src=x onerror=alert(3)>")

    attack = "<img src=x onerror=alert(1)>"
    send_message(page, attack)
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    conversation_id = Message.objects.get().conversation_id
    agent_socket.reply(conversation_id, "<script>alert(2)</script><a href=javascript:alert(4)>x</a>")

    expect(page.locator(".cp-m-agent .cp-bubble")).to_have_text(
        "<script>alert(2)</script><a href=javascript:alert(4)>x</a>", timeout=TIMEOUT_MS
    )
    expect(visitor_bubbles(page)).to_have_text([attack])
    # Only the agent avatar may be an <img>; nothing from a message or the site name became markup.
    assert page.locator(".cp-msgs img, .cp-msgs script, .cp-msgs a, .cp-title img, .cp-title b").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_a_page_on_an_origin_the_site_does_not_allow_gets_no_connection(page, embed, site):
    sockets: list[dict] = []

    def on_websocket(ws):
        record = {"url": ws.url, "frames": [], "error": None}
        ws.on("framereceived", lambda payload: record["frames"].append(payload))
        ws.on("socketerror", lambda error: record.__setitem__("error", error))
        sockets.append(record)

    page.on("websocket", on_websocket)
    url = embed(site, allow_origin=False)
    page.goto(url)
    expect(page.locator(".cp-launcher")).to_be_visible()
    page.wait_for_timeout(3000)

    # The handshake is refused (403) and retried with back-off, never in a tight loop.
    assert 1 <= len(sockets) <= 6, sockets
    assert all(s["url"].endswith(f"/ws/visitor/{site.key}/") for s in sockets)
    assert all(s["frames"] == [] for s in sockets)
    assert all(s["error"] for s in sockets)
    expect(page.locator(".cp[data-connection=disconnected]")).to_have_count(1)

    open_chat(page)
    expect(page.locator(".cp-conn")).to_have_text("Connecting…")
    send_message(page, "Anyone there?")
    expect(page.locator(".cp-m-visitor[data-status=sending]")).to_have_count(1)
    assert Visitor.objects.count() == 0
    assert Message.objects.count() == 0
    assert storage_keys(page) == [OPEN_KEY.format(key=site.key)]  # no token: there was no session


def test_the_offline_hint_shows_when_no_agent_is_online(page, embed, site):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    open_chat(page)
    expect(page.locator(".cp-status")).to_have_text("Offline")
    expect(page.locator(".cp-offline")).to_have_text(
        "No agent is online right now — leave a message and we'll reply here."
    )
    expect(page.locator(".cp-av")).to_have_text("D")  # the site's initial when nobody is online


def test_the_launcher_works_with_the_keyboard(page, embed, site):
    url = embed(site)
    page.goto(url)
    wait_connected(page)
    launcher = page.locator(".cp-launcher")
    expect(launcher).to_have_attribute("aria-label", "Open chat")
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".cp-win")).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".cp-input")).to_be_focused()

    page.keyboard.type("line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    expect(page.locator(".cp-input")).to_have_value("line one\nline two")

    page.keyboard.press("Escape")
    expect(page.locator(".cp-win")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_widget_works_on_a_page_with_a_strict_content_security_policy(page, embed, site, daphne_server):
    url = embed(site)
    policy = (
        f"default-src 'none'; script-src {daphne_server.url}; style-src 'self'; "
        f"connect-src {daphne_server.ws_url}; img-src {daphne_server.url}"
    )
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    url.html = url.html.replace('<meta charset="utf-8">', f'<meta charset="utf-8">\n  {meta}')
    violations: list[str] = []

    def on_console(msg):
        if "Content Security Policy" in msg.text:
            violations.append(msg.text)

    page.on("console", on_console)
    page.goto(url)
    wait_connected(page)
    launcher = page.locator(".cp-launcher")
    expect(launcher).to_have_css("background-color", "rgb(37, 99, 235)")
    expect(launcher).to_have_css("position", "fixed")
    open_chat(page)
    send_message(page, "Hello from a locked-down page")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    # One violation: the host page's own inline <style>. The widget caused none.
    assert len(violations) == 1, violations


def test_the_window_fills_a_phone_screen(chromium, embed, site):
    context = chromium.new_context(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(embed(site))
        wait_connected(page)
        page.locator(".cp-launcher").tap()
        box = page.locator(".cp-win").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 375, "height": 667}
        expect(page.locator(".cp-launcher")).to_be_hidden()
        page.locator(".cp-x").tap()
        expect(page.locator(".cp-win")).to_be_hidden()
    finally:
        context.close()
