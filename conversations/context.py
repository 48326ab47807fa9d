"""What the agent sees about a visitor's visit: the page they are on, their browser, and more with consent.

Functional (always, once the chat was opened): current page path and title,
browser, OS and device type from the User-Agent header. Analytics (only when
the visitor's latest consent record allows analytics): pages visited with time
on each, the referring site (its host only), screen size and the country of
the connection, looked up in the offline database of `geoip2fast`. The IP
address itself is never part of it; it is stored only as the site's IP
setting says (privacy.services.ip).
"""

import functools
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import ua_parser
from django.utils import timezone

from conversations import event_schema
from conversations.events import send_event_on_commit, site_agents_group
from conversations.models import Visitor
from conversations.services import ChatError
from privacy.models import ConsentRecord

logger = logging.getLogger(__name__)

MAX_PAGES = 20
SCREEN = re.compile(r"^\d{2,5}x\d{2,5}$")


def _text(value: object, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ChatError("invalid_field", f"`{field}` must be a string.")
    return " ".join(value.split())[:limit]


def _path(value: object, field: str) -> str:
    """A path on the site, without query string or fragment: those can carry personal data."""
    path = _text(value, field, 500)
    if not path.startswith("/"):
        raise ChatError("invalid_field", f"`{field}` must be a path starting with /.")
    return path.split("?", 1)[0].split("#", 1)[0]


def _pages(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ChatError("invalid_field", "`pages` must be a list.")
    pages = []
    for item in value[-MAX_PAGES:]:
        if not isinstance(item, dict):
            raise ChatError("invalid_field", "`pages` holds objects {p, t, d}.")
        started, seconds = item.get("t"), item.get("d", 0)
        if isinstance(started, bool) or not isinstance(started, int | float):
            raise ChatError("invalid_field", "`pages[].t` must be a time in milliseconds.")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ChatError("invalid_field", "`pages[].d` must be a number of seconds.")
        pages.append({"path": _path(item.get("p"), "pages[].p"), "at": int(started), "seconds": int(seconds)})
    return pages


def _referrer_host(value: object) -> str:
    url = _text(value, "referrer", 2000)
    if not url:
        return ""
    host = urlsplit(url).hostname or ""
    return host[:253]


@functools.lru_cache(maxsize=2048)
def describe_user_agent(user_agent: str) -> dict[str, str]:
    """Browser, OS and device type: families and major versions only."""
    parsed = ua_parser.parse(user_agent or "")
    browser = parsed.user_agent
    os_ = parsed.os
    device = parsed.device
    family = (device.family if device else "") or ""
    kind = "tablet" if "iPad" in family or "Tablet" in family else "desktop"
    if kind == "desktop" and (re.search(r"Mobile|iPhone|Android.+Mobile", user_agent or "")):
        kind = "mobile"
    return {
        "browser": " ".join(filter(None, [browser.family, browser.major])) if browser else "",
        "os": " ".join(filter(None, [os_.family, os_.major])) if os_ else "",
        "device": kind,
    }


@functools.cache
def _geoip():
    from geoip2fast import GeoIP2Fast

    return GeoIP2Fast(verbose=False)


def country_of(ip: str | None) -> str:
    """ISO country code of an address, "" when unknown (private ranges, lookup failure)."""
    if not ip:
        return ""
    try:
        code = _geoip().lookup(ip).country_code
    except Exception as exc:  # the lookup must never fail a visitor's frame
        logger.warning("country lookup failed error=%s", exc.__class__.__name__)
        return ""
    return code if isinstance(code, str) and len(code) == 2 and code.isalpha() else ""


def visitor_analytics_allowed(*, visitor: Visitor) -> bool:
    last = ConsentRecord.objects.filter(visitor=visitor).order_by("-created_at", "-pk").first()
    return bool(last and last.analytics)


def visitor_context_update(
    *, visitor: Visitor, frame: dict[str, Any], user_agent: str, ip: str | None
) -> dict[str, Any]:
    """Replace the visitor's context with what this page reports; tell the site's agents.

    The analytics part is kept only with the visitor's analytics consent on
    record, whatever the widget sends.
    """
    page = frame.get("page")
    if not isinstance(page, dict):
        raise ChatError("invalid_field", "`page` must be an object {path, title}.")
    context: dict[str, Any] = {
        "page": {
            "path": _path(page.get("path"), "page.path"),
            "title": _text(page.get("title"), "page.title", 200),
        },
        **describe_user_agent(user_agent[:1000]),
        "updated_at": timezone.now().isoformat(),
    }
    if visitor_analytics_allowed(visitor=visitor):
        screen = _text(frame.get("screen"), "screen", 11)
        context.update(
            pages=_pages(frame.get("pages")),
            referrer=_referrer_host(frame.get("referrer")),
            screen=screen if SCREEN.match(screen) else "",
            country=country_of(ip),
        )
    Visitor.objects.filter(pk=visitor.pk).update(context=context)
    visitor.context = context
    send_event_on_commit(
        site_agents_group(visitor.site_id),
        {"type": "visitor.updated", "visitor": event_schema.visitor_for_agent(visitor)},
    )
    return context
