"""A transcript to an address the visitor did not give in a form: confirmed by a link first.

In Chromium, in German on a phone, against a daphne that writes its mail to files: the widget
asks for the transcript, says to check the inbox, the confirmation mail holds none of the chat,
its page sends nothing when opened, and its button sends the transcript. Screenshots land in
var/screenshots/.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_owner_admin_browser import PHONE, assert_accessible
from tests.browser.test_widget_browser import TIMEOUT_MS, open_chat, send_message, wait_connected, widget_html

pytestmark = pytest.mark.usefixtures("transactional_db")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def sent_mail(mail_dir: Path) -> list[str]:
    return [m for f in sorted(mail_dir.iterdir()) for m in f.read_text().split("-" * 79) if m.strip()]


def test_a_transcript_to_a_new_address_waits_for_its_confirmation_link(
    start_daphne, chromium, host_page, tmp_path
):
    from accounts.services import site_create

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    server = start_daphne({"EMAIL_URL": f"filemail:///{mail_dir}"})
    site = site_create(name="Demo shop", origins=["https://placeholder.example"])
    url = host_page("")
    url.html = widget_html(server.url, site.key).replace('data-lang="en"', 'data-lang="de"')
    site.allowed_origins = url.origin
    site.save(update_fields=["allowed_origins"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(**PHONE, locale="de-DE", extra_http_headers={"Accept-Language": "de"})
    page = context.new_page()

    page.goto(url)
    wait_connected(page)
    open_chat(page)
    send_message(page, "Bitte den Verlauf für meine Unterlagen")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)
    page.locator(".cp-tr-open").click()
    page.locator(".cp-tr input").fill("kunde@example.org")
    page.locator(".cp-tr button").click()
    expect(page.locator(".cp-tr-msg")).to_contain_text("Postfach", timeout=TIMEOUT_MS)
    page.screenshot(path=SCREENSHOTS / "widget-transcript-confirm-de-phone.png")

    [confirmation] = sent_mail(mail_dir)
    assert "kunde@example.org" in confirmation and "Unterlagen" not in confirmation
    link = next(line for line in confirmation.splitlines() if "/transcript/" in line).strip()
    link = server.url + link.removeprefix("http://localhost:8000")

    confirm = context.new_page()
    confirm.goto(link)
    expect(confirm.locator("h1")).to_have_text("Ihr Chatverlauf")
    assert_accessible(confirm, "transcript confirmation page")
    confirm.screenshot(path=SCREENSHOTS / "transcript-confirm-page-de-phone.png")
    assert len(sent_mail(mail_dir)) == 1  # opening the link sent nothing
    confirm.click("button[type=submit]")
    expect(confirm.locator("h1")).to_have_text("Der Chatverlauf ist unterwegs")
    mails = sent_mail(mail_dir)
    # Two mails now (file names order them by time only to the second): the link, then the chat.
    assert len(mails) == 2 and sum("Unterlagen" in m for m in mails) == 1
    context.close()
