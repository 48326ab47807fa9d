"""XSS payloads render as text in the admin, the DPO pages, the dashboard and the export's HTML."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils.html import escape

from accounts.models import User
from conversations.models import Visitor
from conversations.services import message_post_by_visitor
from privacy.services.subjects import data_subject_export
from tests.security.payloads import XSS_PAYLOADS

pytestmark = pytest.mark.django_db

SPECIAL = set("<>\"'&")


def assert_not_raw(html: str, payload: str) -> None:
    if SPECIAL & set(payload):
        assert payload not in html
    assert not re.search(r"""href=["']?\s*javascript:""", html, re.IGNORECASE)
    assert "49 $" not in html  # {{7*7}} was not evaluated


def assert_shown_as_text(html: str, payload: str) -> None:
    assert_not_raw(html, payload)
    assert escape(payload) in html


@pytest.fixture
def superuser(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture(params=XSS_PAYLOADS)
def payload(request):
    return request.param


@pytest.fixture
def hostile(payload, site_a, bob, visitor):
    """Visitor name and e-mail, a message body and an agent's display name all set to `payload`."""
    # Stored directly: this tests output escaping, whatever input validation lets through.
    Visitor.objects.filter(pk=visitor.pk).update(name=payload, email=payload, phone=payload)
    User.objects.filter(pk=bob.pk).update(display_name=payload)
    visitor.refresh_from_db()
    message, _ = message_post_by_visitor(visitor=visitor, client_id="x1", body=payload)
    return visitor, message.conversation


def test_the_admin_shows_payloads_as_text(superuser, hostile, payload, bob):
    visitor, conversation = hostile
    shown = [
        "/admin/accounts/user/",  # display name column
        f"/admin/accounts/user/{bob.pk}/change/",  # display name box
        f"/admin/conversations/conversation/{conversation.pk}/change/",  # the message
    ]
    for path in shown:
        response = superuser.get(path)
        assert response.status_code == 200, path
        assert_shown_as_text(response.content.decode(), payload)
    for path in ["/admin/conversations/visitor/", f"/admin/conversations/visitor/{visitor.pk}/change/"]:
        response = superuser.get(path)
        assert response.status_code == 200, path
        assert_not_raw(response.content.decode(), payload)


def test_the_dpo_pages_show_payloads_as_text(superuser, hostile, payload):
    visitor, _ = hostile
    html = superuser.get(f"/privacy/dpo/subject/{visitor.public_id}/").content.decode()
    assert_shown_as_text(html, payload)
    search = superuser.get("/privacy/dpo/", {"q": payload}).content.decode()
    assert payload not in search or not (SPECIAL & set(payload))


def test_the_dashboard_conversation_page_shows_payloads_as_text(hostile, payload, alice):
    _, conversation = hostile
    client = Client()
    client.force_login(alice)
    html = client.get(f"/dashboard/c/{conversation.pk}/").content.decode()
    assert_shown_as_text(html, payload)


def test_the_export_html_shows_payloads_as_text(hostile, payload):
    visitor, _ = hostile
    html = render_to_string("privacy/export.html", {"data": data_subject_export(visitor=visitor)})
    assert_shown_as_text(html, payload)
