"""Fixtures shared by the dashboard's browser tests: the shop, its owner, and widget-like visitors."""

import contextlib

import pytest
from websockets.sync.client import connect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from tests.browser.test_dashboard_browser import PASSWORD, SHOP_ORIGIN, VisitorSocket


@pytest.fixture
def shop(transactional_db):
    return site_create(name="Demo shop", origins=[SHOP_ORIGIN])


@pytest.fixture
def alice(shop):
    return agent_create(
        site=shop, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )


@pytest.fixture
def visitors(daphne_server):
    """visitors(site, origin=SHOP_ORIGIN) opens a visitor socket; all close after the test."""
    with contextlib.ExitStack() as stack:

        def open_visitor(site, origin: str = SHOP_ORIGIN) -> VisitorSocket:
            url = f"{daphne_server.ws_url}/ws/visitor/{site.key}/"
            return VisitorSocket(stack.enter_context(connect(url, origin=origin, open_timeout=10)))

        yield open_visitor
