"""A site owner runs their site in the Django admin, in Chromium against a real daphne.

The owner (no staff flag, no permission ticked) logs in to the admin, changes the widget colour
and the retention of their site, creates an API token and invites an agent; the agent accepts
the invitation on a phone, in German, and answers a chat. Nowhere in the admin does the owner
see anything of another site. axe-core checks the pages; screenshots land in var/screenshots/.
"""

import email
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from accounts.models import Membership, Site, User
from accounts.services import agent_create, site_create
from conversations.services import message_post_by_visitor, visitor_create
from integrations.models import ApiToken
from tests.browser.test_dashboard_browser import PASSWORD, SHOP_ORIGIN, TIMEOUT_MS, VisitorSocket, wait_live

pytestmark = pytest.mark.usefixtures("transactional_db")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
MARK = "ZZBQX"  # five letters: no random token in a page holds them by chance
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
AGENT_PASSWORD = "dana chooses a long passphrase"


def assert_accessible(page: Page, where: str, *, impacts=("critical", "serious")) -> None:
    # No preload: axe would re-fetch @import-ed stylesheets relative to the page, not the sheet.
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    found = [v for v in results.response["violations"] if v["impact"] in impacts]
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    assert not found, f"{where}: axe-core found {summary}"


def assert_nothing_of_b(page: Page, where: str) -> None:
    text = page.content()
    assert MARK not in text and MARK.lower() not in text, f"{where} shows site B's data"


def invitation_link(mail_dir: Path, address: str) -> str:
    for path in sorted(mail_dir.iterdir()):
        for raw in path.read_text().split("-" * 79):
            if f"To: {address}" in raw:
                message = email.message_from_string(raw.strip())
                body = message.get_payload(decode=True).decode()
                return re.search(r"http://\S+/accounts/invitation/\S+/", body).group(0)
    raise AssertionError(f"no invitation mail to {address} in {mail_dir}")


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def server(start_daphne, mail_dir):
    # django-environ keeps what follows "filemail://" minus one slash: "//abs" is the absolute path.
    return start_daphne({"EMAIL_URL": f"filemail:///{mail_dir}"})


@pytest.fixture
def tenants(transactional_db):
    shop = site_create(name="Demo shop", origins=[SHOP_ORIGIN])
    owner = agent_create(site=shop, email="alice@shop.example", name="Alice", role="owner", password=PASSWORD)
    other = site_create(name=f"{MARK} Other shop", origins=["https://zzbqx.example"])
    agent_create(
        site=other, email="zzbqx-owner@other.example", name=f"{MARK} Owner", role="owner", password=PASSWORD
    )
    visitor, _ = visitor_create(site=other)
    message_post_by_visitor(visitor=visitor, client_id="b1", body=f"{MARK} a secret of the other shop")
    return shop, owner, other


def test_an_owner_configures_the_site_and_invites_an_agent_who_answers_a_chat(
    tenants, server, chromium, mail_dir
):
    shop, owner, other = tenants
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()

    admin.goto(f"{server.url}/admin/")
    admin.fill("input[name=username]", owner.email)
    admin.fill("input[name=password]", PASSWORD)
    admin.click("input[type=submit]")
    expect(admin.locator("#site-name")).to_contain_text("Live chat administration")
    assert_nothing_of_b(admin, "admin index")
    admin.screenshot(path=SCREENSHOTS / "owner-admin-index.png", full_page=True)

    # The site's widget colour and retention.
    admin.goto(f"{server.url}/admin/accounts/site/")
    assert_nothing_of_b(admin, "site list")
    admin.click("text=Demo shop")
    admin.fill("input[name=theme_color]", "#0f766e")
    admin.fill("input[name=retention_days]", "90")
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was changed successfully")
    shop.refresh_from_db()
    assert (shop.theme_color, shop.retention_days) == ("#0f766e", 90)

    # An API token, shown once.
    admin.goto(f"{server.url}/admin/integrations/apitoken/add/")
    assert_nothing_of_b(admin, "token form")
    admin.select_option("select[name=site]", str(shop.pk))
    admin.fill("input[name=name]", "CRM")
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("cpat_")
    assert ApiToken.objects.get().site == shop

    # Invite an agent.
    admin.goto(f"{server.url}/admin/accounts/membership/add/")
    assert_nothing_of_b(admin, "invitation form")
    assert_accessible(admin, "invitation form")
    admin.select_option("select[name=site]", str(shop.pk))
    admin.fill("input[name=email]", "dana@shop.example")
    admin.select_option("select[name=role]", "agent")
    admin.click("input[name=_save]")
    expect(admin.locator(".messagelist")).to_contain_text("was added successfully")
    admin.screenshot(path=SCREENSHOTS / "owner-admin-team.png", full_page=True)

    # Nothing of the other site anywhere the owner can go.
    for path in (
        "/admin/accounts/user/",
        "/admin/accounts/membership/",
        "/admin/conversations/conversation/",
        "/admin/conversations/visitor/",
        "/admin/privacy/auditlogentry/",
        f"/admin/accounts/site/{other.pk}/change/",
    ):
        admin.goto(f"{server.url}{path}")
        assert_nothing_of_b(admin, path)

    # The agent accepts on a phone, in German, and lands in the dashboard.
    link = invitation_link(mail_dir, "dana@shop.example")
    assert link.startswith("http://localhost:8000/accounts/invitation/")  # PUBLIC_URL of the tests
    link = server.url + link.removeprefix("http://localhost:8000")
    agent = chromium.new_context(
        **PHONE, locale="de-DE", extra_http_headers={"Accept-Language": "de"}
    ).new_page()
    agent.goto(link)
    expect(agent.locator("h1")).to_have_text("Treten Sie Ihrem Team bei")
    assert_accessible(agent, "invitation page")
    agent.screenshot(path=SCREENSHOTS / "invitation-accept-de-phone.png", full_page=True)
    agent.fill("input[name=display_name]", "Dana")
    agent.fill("input[name=new_password1]", AGENT_PASSWORD)
    agent.fill("input[name=new_password2]", AGENT_PASSWORD)
    agent.click("button[type=submit]")
    expect(agent).to_have_url(f"{server.url}/dashboard/")
    wait_live(agent)
    assert User.objects.get(email="dana@shop.example").display_name == "Dana"

    # A visitor writes; round robin gives the chat to Dana, the only member online; she answers.
    with connect(f"{server.ws_url}/ws/visitor/{shop.key}/", origin=SHOP_ORIGIN, open_timeout=10) as ws:
        visitor = VisitorSocket(ws)
        visitor.say("Hallo, haben Sie Größe 42?")
        row = agent.locator(f"li.conv[data-conversation-id='{visitor.conversation_id}']")
        expect(row).to_be_visible(timeout=TIMEOUT_MS)
        row.click()
        agent.fill("#composer-input", "Ja, in Blau und Grün.")
        agent.keyboard.press("Enter")
        reply = visitor.recv_until(lambda f: f["type"] == "message.new" and f["message"]["author"] == "agent")
        assert reply["message"]["body"] == "Ja, in Blau und Grün."
        assert reply["message"]["agent"]["name"] == "Dana"
    assert_accessible(agent, "dashboard (phone, de)")
    agent.screenshot(path=SCREENSHOTS / "invited-agent-dashboard-de-phone.png", full_page=True)
    assert Membership.objects.get(user__email="dana@shop.example").site == shop
    assert Site.objects.count() == 2


def test_an_agent_edits_the_account_page_in_english_on_a_desktop_and_in_german_on_a_phone(
    tenants, daphne_server, chromium
):
    shop, owner, _other = tenants
    for name, context_options in (
        ("en-desktop", {"viewport": {"width": 1280, "height": 900}}),
        ("de-phone", {**PHONE, "locale": "de-DE", "extra_http_headers": {"Accept-Language": "de"}}),
    ):
        page = chromium.new_context(**context_options).new_page()
        page.goto(f"{daphne_server.url}/accounts/login/")
        page.fill("input[name=username]", owner.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{daphne_server.url}/dashboard/")
        page.click("#account-link")
        expect(page).to_have_url(f"{daphne_server.url}/dashboard/account/")
        page.fill("input[name=display_name]", f"Alice {name}")
        page.click("#profile-form button[type=submit]")
        expect(page.locator(".alert")).to_be_visible()
        assert_accessible(page, f"account page {name}")
        page.screenshot(path=SCREENSHOTS / f"account-{name}.png", full_page=True)
        owner.refresh_from_db()
        assert owner.display_name == f"Alice {name}"
        if name == "de-phone":
            expect(page.locator("h1")).to_have_text("Ihr Konto")
        page.context.close()
