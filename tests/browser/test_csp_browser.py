"""The Content-Security-Policy in a real Chromium: pages load and work with no violation.

The dashboard's own browser tests (test_dashboard_browser.py) run under the same policy
and fail on any console error, so a violation there fails them too.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.services import agent_create, site_create
from tests.browser.test_dashboard_browser import PASSWORD, log_in, wait_live

pytestmark = pytest.mark.usefixtures("transactional_db")

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def owner():
    shop = site_create(name="Demo shop", origins=["https://shop.example"])
    user = agent_create(
        site=shop, email="alice@shop.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )
    user.is_staff = user.is_superuser = True
    user.save()
    return user, shop


def watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_console(msg) -> None:
        # The admin has no <link rel=icon>, so Chromium asks for /favicon.ico and gets a 404.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(msg.text)

    page.on("console", on_console)
    return errors


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__csp || []")


def test_it_loads_the_dashboard_under_the_policy_without_violations(daphne_server, page, owner):
    errors = watch(page)
    response = page.goto(f"{daphne_server.url}/accounts/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    log_in(page, daphne_server, "alice@shop.example")
    wait_live(page)  # the WebSocket connected: connect-src allows it
    expect(page.locator("#agent-name")).to_have_text("Alice")
    assert violations(page) == []
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/privacy/dpo/",
        "/privacy/dpa/",
        "/admin/",
        "/admin/accounts/site/{site_pk}/change/",
        "/admin/accounts/user/{user_pk}/change/",
        "/sites/{site_key}/preview/",
    ],
)
def test_it_loads_other_pages_without_violations(daphne_server, page, owner, path):
    user, shop = owner
    errors = watch(page)
    log_in(page, daphne_server, "alice@shop.example")
    page.goto(daphne_server.url + path.format(site_pk=shop.pk, user_pk=user.pk, site_key=shop.key))
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.wait_for_load_state("load")
    assert violations(page) == []
    assert errors == []


def test_it_reports_a_violation_when_a_page_tries_inline_script(daphne_server, page, owner):
    # The listener works: an injected inline script is blocked and reported.
    watch(page)
    page.goto(f"{daphne_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.ran") is None
    assert any(v.startswith("script-src") for v in violations(page))
