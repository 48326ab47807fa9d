"""The pre-chat and offline forms of the widget in Chromium, against a real daphne."""

from playwright.sync_api import expect

from accounts.models import Site
from conversations.models import Conversation, Visitor
from tests.browser.test_widget_browser import (
    TIMEOUT_MS,
    embed,  # noqa: F401 (fixture)
    open_chat,
    send_message,
    site,  # noqa: F401 (fixture)
    wait_connected,
)


def configure(the_site, **fields) -> None:
    Site.objects.filter(pk=the_site.pk).update(**fields)
    the_site.refresh_from_db()


def field(page, name):
    return page.locator(f".cp-pre [name={name}]")


def test_the_prechat_form_asks_what_the_site_wants_before_the_first_message(page, embed, site):  # noqa: F811
    configure(site, prechat_name="optional", prechat_email="required")
    page.goto(embed(site))
    wait_connected(page)
    open_chat(page)

    form = page.locator(".cp-pre")
    expect(form).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(".cp-form")).to_be_hidden()
    expect(field(page, "phone")).to_be_hidden()
    expect(form.locator(".cp-field", has=page.locator("[name=name]"))).to_contain_text("(optional)")

    form.locator(".cp-pre-go").click()  # nothing filled in: refused in the browser
    email_field = form.locator(".cp-field", has=page.locator("[name=email]"))
    expect(email_field.locator(".cp-field-err")).to_have_text("Please fill in this field.")
    assert not Visitor.objects.exclude(email="").exists()

    field(page, "name").fill("Jo Example")
    field(page, "email").fill("jo@example.org")
    form.locator(".cp-pre-go").click()
    expect(page.locator(".cp-form")).to_be_visible(timeout=TIMEOUT_MS)
    send_message(page, "Hello with my details")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)

    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.email, visitor.phone) == ("Jo Example", "jo@example.org", "")

    page.reload()  # a returning visitor is not asked again
    wait_connected(page)
    expect(page.locator(".cp-m-visitor")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".cp-pre")).to_be_hidden()


def test_with_nobody_online_the_offline_form_opens_the_conversation(page, embed, site):  # noqa: F811
    configure(site, notification_email="team@shop.example")
    page.goto(embed(site))
    wait_connected(page)
    open_chat(page)

    form = page.locator(".cp-pre")
    expect(form).to_be_visible(timeout=TIMEOUT_MS)
    expect(form).to_contain_text("No agent is online right now")
    field(page, "email").fill("not an address")
    field(page, "message").fill("Please call me back about my order.")
    form.locator(".cp-pre-go").click()
    email_field = form.locator(".cp-field", has=page.locator("[name=email]"))
    expect(email_field.locator(".cp-field-err")).to_contain_text("valid e-mail")

    field(page, "email").fill("jo@example.org")
    form.locator(".cp-pre-go").click()

    expect(page.locator(".cp-m-visitor[data-status=sent] .cp-bubble")).to_have_text(
        "Please call me back about my order.", timeout=TIMEOUT_MS
    )
    expect(page.locator(".cp-log")).to_contain_text("Thank you!")
    conversation = Conversation.objects.select_related("visitor").get()
    assert conversation.offline and conversation.visitor.email == "jo@example.org"


def test_the_widget_takes_the_sites_colour_position_and_greeting(page, embed, site):  # noqa: F811
    configure(site, theme_color="#16a34a", widget_position="left", greeting="Servus! Fragen?")
    page.goto(embed(site))
    wait_connected(page)

    launcher = page.locator(".cp-launcher")
    # The launcher's background has a transition: wait for it to settle on the site's colour.
    expect(launcher).to_have_css("background-color", "rgb(22, 163, 74)", timeout=TIMEOUT_MS)
    assert launcher.bounding_box()["x"] < page.viewport_size["width"] / 2
    open_chat(page)
    expect(page.locator(".cp-intro")).to_have_text("Servus! Fragen?")
    assert page.locator(".cp-win").bounding_box()["x"] < page.viewport_size["width"] / 2


def test_the_visitor_gets_the_transcript_by_email(page, embed, site):  # noqa: F811
    page.goto(embed(site))
    wait_connected(page)
    open_chat(page)
    expect(page.locator(".cp-tools")).to_be_hidden()  # nothing to send yet
    send_message(page, "Keep this for me")
    expect(page.locator(".cp-m-visitor[data-status=sent]")).to_have_count(1, timeout=TIMEOUT_MS)

    page.locator(".cp-tr-open").click()
    page.locator(".cp-tr input").fill("jo@example.org")
    page.locator(".cp-tr button").click()

    # The visitor gave no address in a form: a confirmation link goes there first (no open relay).
    expect(page.locator(".cp-tr-msg")).to_contain_text("Check your inbox", timeout=TIMEOUT_MS)
    assert Conversation.objects.get().transcript_sent_at is not None
    page.locator(".cp-tr-open").click()  # again at once: refused with a reason
    page.locator(".cp-tr button").click()
    expect(page.locator(".cp-tr-msg")).to_contain_text("try again later", timeout=TIMEOUT_MS)
