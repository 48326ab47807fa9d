"""The client address of an HTTP request or a WebSocket scope (chatplatform.lib.client_address).

Login throttling, every per-address limit and the IP addresses stored for
visitors call these two functions and nothing else. daphne runs without
--proxy-headers, so the peer in the scope is the real TCP peer.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from chatplatform.lib.client_address import client_address, peer_is_trusted


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]
    return ",".join(values) if values else None


def request_client_address(request: HttpRequest) -> str | None:
    return client_address(
        peer=request.META.get("REMOTE_ADDR"),
        forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR"),
        trusted=settings.TRUSTED_PROXY_NETWORKS,
    )


def scope_client_address(scope: dict[str, Any]) -> str | None:
    client = scope.get("client")
    return client_address(
        peer=client[0] if client else None,
        forwarded_for=_header(scope, b"x-forwarded-for"),
        trusted=settings.TRUSTED_PROXY_NETWORKS,
    )


class TrustedProxyMiddleware:
    """Believe X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER) only from a trusted proxy.

    First in MIDDLEWARE: from an untrusted peer the header is dropped, so a client cannot make
    a plain-http request look secure.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted(peer=request.META.get("REMOTE_ADDR"), trusted=settings.TRUSTED_PROXY_NETWORKS):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
