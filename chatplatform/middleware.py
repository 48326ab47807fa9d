"""Content-Security-Policy for every response Django renders (docs/security.md).

Django 5.2 has no CSP of its own; the rest of the security headers come from
SecurityMiddleware and XFrameOptionsMiddleware (settings.py). The policy allows
scripts and styles from this server only: no inline script, no inline style
attribute. A template that needs a `<style>` block marks it with
`nonce="{{ request.csp_nonce }}"`; the nonce is new for every response.
"""

import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject


def public_origins() -> tuple[str, str]:
    """PUBLIC_URL's origin and its WebSocket origin (ws:// or wss://)."""
    parts = urlsplit(settings.PUBLIC_URL)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc}", f"{ws_scheme}://{parts.netloc}"


def content_security_policy(nonce: str) -> str:
    origin, ws_origin = public_origins()
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": f"'self' 'nonce-{nonce}'",
        # Agent photos and site logos are absolute URLs on PUBLIC_URL; the favicon is a data: URL.
        "img-src": f"'self' data: {origin}",
        "connect-src": f"'self' {ws_origin}",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = SimpleLazyObject(lambda: secrets.token_urlsafe(16))
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        )
        # A view may set its own policy (none does today); keep it.
        if "Content-Security-Policy" not in response and header not in response:
            response[header] = content_security_policy(str(nonce))
        return response


class NoStoreByDefaultMiddleware:
    """`Cache-Control: no-store` on every response whose view did not choose a policy.

    Dashboard pages, transcript exports, the API and the admin carry personal data; no browser or
    proxy cache should keep them. Views meant to be cached (widget.js) set their own header, and
    static files never reach this (WhiteNoise answers first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response
