"""Logging out in one tab ends the dashboard's live socket in the others, which land on the login page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from tests.browser.test_dashboard_browser import PASSWORD, log_in, wait_live

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_a_logout_in_another_tab_signs_the_dashboard_out(daphne_server, chromium):
    shop = site_create(name="Demo shop", origins=["https://shop.example"])
    agent_create(
        site=shop, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )
    context = chromium.new_context()
    try:
        first = context.new_page()
        log_in(first, daphne_server, "alice@shop.example")
        wait_live(first)

        second = context.new_page()
        second.goto(f"{daphne_server.url}/dashboard/")
        wait_live(second)
        second.click("#logout-button")
        expect(second).to_have_url(re.compile(r"/accounts/login/"))

        # The server closed the first tab's socket (4003); its reconnect is refused and it reloads.
        expect(first).to_have_url(re.compile(r"/accounts/login/"), timeout=20_000)
    finally:
        context.close()
