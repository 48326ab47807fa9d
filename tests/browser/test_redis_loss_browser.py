"""The widget and the dashboard in Chromium when Redis loses its data under a production-mode daphne.

Redis forgetting every group membership (a restart without persistence, or
FLUSHALL) must not leave either side open and deaf: the server closes their
sockets with 4012, refuses new ones with 4013 while Redis is away, and both
pages reconnect and go on live (docs/protocol.md).
"""

import json
import time

import pytest
import redis
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create
from tests import live
from tests.browser.test_dashboard_browser import PASSWORD, TIMEOUT_MS, log_in, wait_live
from tests.browser.test_end_to_end import SCREENSHOTS, shop_embedding_the_widget
from tests.test_faults import CLOSE_RECONNECT, CLOSE_UNAVAILABLE, RedisProcess


@pytest.fixture
def redis_server(start_daphne):
    with live.private_redis() as url:
        live.require(url, "no redis-server for a private Redis")
        server = start_daphne({"REDIS_URL": url})
        yield server, url
        server.stop()  # before its Redis goes away


def count_sockets(page) -> list:
    opened = []
    page.on("websocket", lambda ws: opened.append(ws.url))
    return opened


def test_both_sides_reconnect_and_stay_live_after_redis_lost_its_groups(
    redis_server, host_page, chromium, transactional_db
):
    server, redis_url = redis_server
    shop_page, site = shop_embedding_the_widget(host_page, server)
    agent_create(
        site=site, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )
    dashboard = chromium.new_context().new_page()
    dashboard_sockets = count_sockets(dashboard)
    log_in(dashboard, server, "alice@shop.example")
    wait_live(dashboard)
    shop = chromium.new_context().new_page()
    shop_sockets = count_sockets(shop)
    shop.goto(shop_page)
    shop.click(".cp-launcher")
    shop.fill(".cp-input", "Before the flush")
    shop.press(".cp-input", "Enter")
    row = dashboard.locator("li.conv").filter(has_text="Before the flush")
    expect(row).to_be_visible(timeout=TIMEOUT_MS)
    row.locator("a").first.click()
    expect(dashboard.locator("#messages")).to_contain_text("Before the flush", timeout=TIMEOUT_MS)
    wait_live(dashboard)
    before = len(dashboard_sockets), len(shop_sockets)

    redis.Redis.from_url(redis_url).flushall()

    # Both pages open a new socket (the server closed theirs with 4012) ...
    for _ in range(300):  # Playwright reports new sockets only while it is called: poll with its waits
        if len(dashboard_sockets) > before[0] and len(shop_sockets) > before[1]:
            break
        dashboard.wait_for_timeout(100)
    assert len(dashboard_sockets) > before[0] and len(shop_sockets) > before[1], (
        f"sockets opened before/after: {before} / {(len(dashboard_sockets), len(shop_sockets))}"
    )
    wait_live(dashboard)
    # ... and live messages flow again both ways.
    shop.fill(".cp-input", "After the flush")
    shop.press(".cp-input", "Enter")
    expect(dashboard.locator("#messages")).to_contain_text("After the flush", timeout=TIMEOUT_MS)
    dashboard.fill("#composer-input", "Still here.")
    dashboard.press("#composer-input", "Enter")
    expect(shop.locator(".cp-m-agent").filter(has_text="Still here.")).to_be_visible(timeout=TIMEOUT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shop.screenshot(path=SCREENSHOTS / "redis-loss-visitor.png")
    dashboard.screenshot(path=SCREENSHOTS / "redis-loss-dashboard.png")
    shop.context.close()
    dashboard.context.close()


# Records every socket a page opens (Date.now() times): when it was ready (the dashboard's
# `welcome`, the widget's `session`), and when and with which code it closed.
SOCKET_LOG_SCRIPT = """
(() => {
  const Native = window.WebSocket;
  const sockets = (window.__sockets = []);
  function Recorded(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const entry = { url: String(url), ready: null, closed: null, code: null };
    const readyType = entry.url.indexOf("/ws/agent/") >= 0 ? "welcome" : "session";
    sockets.push(entry);
    ws.addEventListener("message", (ev) => {
      let frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      if (frame && frame.type === readyType && entry.ready === null) entry.ready = Date.now();
    });
    ws.addEventListener("close", (ev) => { entry.closed = Date.now(); entry.code = ev.code; });
    return ws;
  }
  Recorded.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Recorded[name] = Native[name];
  window.WebSocket = Recorded;
})();
"""

RESTARTS = 20
LIVE_WITHIN_MS = 5000
# How long Redis stays away, in turn: from a blink to longer than the clients' backoff takes to
# reach its cap (0.5 + 1 + 2 s), so that an attempt falls at every point of the schedule.
OUTAGES_SECONDS = (0.2, 0.6, 1.5, 4.0)


def sockets_of(page) -> list[dict]:
    return page.evaluate("window.__sockets")


def now_ms() -> int:
    return int(time.time() * 1000)


def wait_until(page, predicate, timeout_s: float) -> bool:
    """Poll `predicate()` with Playwright's waits (they deliver its events) for at most `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(50)
    return True


@pytest.mark.timeout(240)
def test_widget_and_dashboard_are_live_within_5_s_of_redis_returning_in_each_of_20_restarts(
    start_daphne, host_page, chromium, transactional_db
):
    """Redis killed and started again 20 times under a running daphne (no persistence: all lost).

    Each time, both pages' sockets are closed with 4012 (and refused with 4013 while Redis is
    away, never a 1006 or 1011); within 5 s of Redis answering again each page is ready on a
    new socket; and on that socket a message crosses each way live. Every wait is bounded.
    """
    redis_process = RedisProcess()
    live.require(redis_process.binary, "no redis-server to restart")
    redis_process.start()
    server = start_daphne({"REDIS_URL": redis_process.url})
    pages = []
    try:
        shop_page, site = shop_embedding_the_widget(host_page, server)
        agent_create(
            site=site, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
        )
        dashboard_context, shop_context = chromium.new_context(), chromium.new_context()
        pages = [dashboard_context, shop_context]
        for context in pages:
            context.add_init_script(SOCKET_LOG_SCRIPT)
        dashboard = dashboard_context.new_page()
        log_in(dashboard, server, "alice@shop.example")
        wait_live(dashboard)
        shop = shop_context.new_page()
        shop.goto(shop_page)
        shop.click(".cp-launcher")
        shop.fill(".cp-input", "Before the restarts")
        shop.press(".cp-input", "Enter")
        row = dashboard.locator("li.conv").filter(has_text="Before the restarts")
        expect(row).to_be_visible(timeout=TIMEOUT_MS)
        row.locator("a").first.click()
        expect(dashboard.locator("#messages")).to_contain_text("Before the restarts", timeout=TIMEOUT_MS)
        wait_live(dashboard)

        runs = []
        for restart in range(RESTARTS):
            run = {"restart": restart, "outage_s": OUTAGES_SECONDS[restart % len(OUTAGES_SECONDS)]}
            runs.append(run)
            seen = {"dashboard": len(sockets_of(dashboard)), "widget": len(sockets_of(shop))}
            redis_process.kill()

            def closed_both() -> bool:
                return all(sockets_of(p)[-1]["closed"] is not None for p in (dashboard, shop))

            assert wait_until(dashboard, closed_both, 10), f"a socket stayed open without Redis: {runs}"
            dashboard.wait_for_timeout(run["outage_s"] * 1000)
            redis_process.start()
            back_at = now_ms()

            def ready(page) -> dict | None:
                latest = sockets_of(page)[-1]
                return latest if latest["ready"] is not None and latest["closed"] is None else None

            wait_until(dashboard, lambda: ready(dashboard) and ready(shop), 15)
            for name, page in (("dashboard", dashboard), ("widget", shop)):
                socket = ready(page)
                run[f"{name}_ms"] = None if socket is None else socket["ready"] - back_at
                closes = sockets_of(page)[seen[name] - 1 :]
                run[f"{name}_closes"] = [s["code"] for s in closes if s["closed"] is not None]
            assert run["dashboard_ms"] is not None and run["widget_ms"] is not None, (
                f"not ready again 15 s after Redis came back: {json.dumps(runs)}"
            )
            assert max(run["dashboard_ms"], run["widget_ms"]) <= LIVE_WITHIN_MS, json.dumps(runs)
            for name in ("dashboard", "widget"):
                codes = run[f"{name}_closes"]
                assert codes and codes[0] == CLOSE_RECONNECT, json.dumps(runs)
                assert set(codes) <= {CLOSE_RECONNECT, CLOSE_UNAVAILABLE}, json.dumps(runs)

            # Live on those sockets: a message each way, and neither page opened another socket.
            sockets_now = len(sockets_of(dashboard)), len(sockets_of(shop))
            question, reply = f"Visitor probe {restart:02d}.", f"Agent probe {restart:02d}."
            shop.fill(".cp-input", question)
            shop.press(".cp-input", "Enter")
            expect(dashboard.locator("#messages")).to_contain_text(question, timeout=5000)
            dashboard.fill("#composer-input", reply)
            dashboard.press("#composer-input", "Enter")
            expect(shop.locator(".cp-m-agent").filter(has_text=reply)).to_be_visible(timeout=5000)
            assert (len(sockets_of(dashboard)), len(sockets_of(shop))) == sockets_now, json.dumps(runs)
            assert ready(dashboard) and ready(shop), json.dumps(runs)

        log = server.log_path.read_text(errors="replace")
        assert "Traceback" not in log and "Exception inside application" not in log, server.log_tail()
        slowest = max(max(r["dashboard_ms"], r["widget_ms"]) for r in runs)
        print(f"{RESTARTS} restarts: live again after at most {slowest} ms; {json.dumps(runs)}")
    finally:
        for context in pages:
            context.close()
        server.stop()  # before its Redis goes away
        redis_process.kill()
