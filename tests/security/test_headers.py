"""Security headers on every kind of page Django serves (docs/security.md)."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PAGES = [
    "/accounts/login/",
    "/dashboard/",
    "/admin/",
    "/admin/accounts/site/",
    "/privacy/dpo/",
    "/privacy/dpa/",
    "/api/v1/conversations",
    "/healthz",
]


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.fixture
def owner_client(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client = Client()
    client.force_login(alice)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_it_sends_the_security_headers_on(owner_client, path):
    response = owner_client.get(path)
    assert response.status_code < 500
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{22}'", policy["script-src"])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_it_allows_the_websocket_and_images_of_public_url(client, settings):
    settings.PUBLIC_URL = "https://chat.example.com"
    policy = directives(client.get("/accounts/login/"))
    assert policy["connect-src"] == "'self' wss://chat.example.com"
    assert policy["img-src"] == "'self' data: https://chat.example.com"
    settings.PUBLIC_URL = "http://localhost:8000"
    assert directives(client.get("/accounts/login/"))["connect-src"] == "'self' ws://localhost:8000"


def test_it_uses_a_new_nonce_for_every_response(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")
    assert directives(first)["style-src"] != directives(second)["style-src"]


def test_it_puts_the_nonce_on_inline_style_blocks(owner_client):
    response = owner_client.get("/privacy/dpo/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert re.search(r"<style(?! nonce=)", html) is None


def test_it_keeps_widget_js_loadable_from_other_origins(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_sends_hsts_on_https_requests_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/dashboard/", "/admin/accounts/site/", "/privacy/dpo/"]
)
def test_it_renders_no_inline_script_or_style_attribute(owner_client, site_a, path):
    html = owner_client.get(path, follow=True).content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html) is None
    assert re.search(r"\sstyle=\"", html) is None
    assert re.search(r"\son[a-z]+=\"", html) is None


def test_it_renders_the_site_admin_and_widget_preview_without_inline_styles(owner_client, site_a, alice):
    for path in [f"/admin/accounts/site/{site_a.pk}/change/", f"/sites/{site_a.key}/preview/"]:
        html = owner_client.get(path).content.decode()
        assert re.search(r"\sstyle=\"", html) is None, path
        assert re.search(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", html) is None
