"""The widget and the dashboard in Chromium when Redis loses its data under a production-mode daphne.

Redis forgetting every group membership (a restart without persistence, here
FLUSHALL) must not leave either side open and deaf: the server closes their
sockets with 4012, and both reconnect and go on live (docs/protocol.md).
"""

import pytest
import redis
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create
from tests import live
from tests.browser.test_dashboard_browser import PASSWORD, TIMEOUT_MS, log_in, wait_live
from tests.browser.test_end_to_end import SCREENSHOTS, shop_embedding_the_widget


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
