"""The DPO pages in a real Chromium against a real daphne: an erasure reaches the open dashboard."""

import contextlib
import re

import pytest
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from tests.browser.test_dashboard_browser import PASSWORD, SHOP_ORIGIN, TIMEOUT_MS, VisitorSocket, log_in, row

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_an_erasure_on_the_dpo_page_ends_the_widget_and_clears_the_open_dashboard(daphne_server, page):
    shop = site_create(name="Demo shop", origins=[SHOP_ORIGIN])
    agent_create(
        site=shop, email="olga@shop.example", name="Olga", role=Membership.Role.OWNER, password=PASSWORD
    )
    with contextlib.ExitStack() as stack:
        ws = stack.enter_context(
            connect(f"{daphne_server.ws_url}/ws/visitor/{shop.key}/", origin=SHOP_ORIGIN, open_timeout=10)
        )
        visitor = VisitorSocket(ws)
        visitor.say("please forget me")
        log_in(page, daphne_server, "olga@shop.example")
        page.goto(f"{daphne_server.url}/dashboard/c/{visitor.conversation_id}/")
        expect(page.locator("#connection-status")).to_have_attribute("data-state", "live", timeout=TIMEOUT_MS)
        expect(row(page, visitor.conversation_id)).to_have_count(1)
        public_id = page.locator("#pane .avatar-visitor").get_attribute("data-visitor-id")

        dpo = page.context.new_page()
        dpo.goto(f"{daphne_server.url}/privacy/dpo/")
        dpo.fill("input[name=q]", public_id)
        dpo.click("button:has-text('Search')")
        dpo.click("table.data a")
        dpo.click("text=Erase this visitor")
        expect(dpo.locator("#erase-counts")).to_contain_text("1 conversation with 1 message")
        dpo.fill("input[name=confirm]", "ERASE")
        dpo.click("button:has-text('Erase')")
        expect(dpo.locator(".alert")).to_contain_text("Erased: 1 conversation, 1 message")

        assert visitor.recv_until(lambda f: f["type"] == "session.ended") == {
            "type": "session.ended",
            "reason": "erased",
        }
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.close_code == 4001
        expect(page).to_have_url(re.compile(r"/dashboard/$"), timeout=TIMEOUT_MS)
        expect(row(page, visitor.conversation_id)).to_have_count(0)
