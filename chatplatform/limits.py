"""Abuse limits: fixed-window counters in Django's cache, shared by every process.

The cache is Redis in production (REDIS_URL: every daphne and worker counts together) and the
process's memory in the embedded mode (one process). A key names the limit, a keyed hash of
what is counted (a client address, a site id, an e-mail address: never the value itself, which
may be personal data) and the window; it expires with the window.

Each limit is a `Limit(name, count, seconds)` read from settings (docs/security.md lists them).
`limit_take` counts one event and raises `LimitExceeded` with the seconds until the window ends;
an event that was refused still counts, so hammering does not shorten the wait.
"""

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


class LimitExceeded(Exception):
    def __init__(self, limit: Limit, retry_after: int):
        super().__init__(f"{limit.name}: over {limit.count} per {limit.seconds} s")
        self.limit = limit
        self.retry_after = retry_after


def _digest(subject: str) -> str:
    key = f"chatplatform.limits:{settings.SECRET_KEY}".encode()
    return hmac.new(key, subject.encode(), hashlib.sha256).hexdigest()[:32]


def limit_take(limit: Limit, subject: object, *, now: float | None = None) -> None:
    """Count one event of `subject` under `limit`; raise LimitExceeded when it is over.

    A limit with `count` 0 or less is off.
    """
    if limit.count <= 0 or subject is None:
        return
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = f"limit:{limit.name}:{_digest(str(subject))}:{window}"
    cache.add(key, 0, timeout=limit.seconds + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.seconds + 5)
        used = 1
    if used > limit.count:
        raise LimitExceeded(limit, max(1, math.ceil((window + 1) * limit.seconds - now)))


def setting_limit(name: str) -> Limit:
    """The limit `name` from settings.CHAT_LIMITS: {"name": (count, seconds)}."""
    count, seconds = settings.CHAT_LIMITS[name]
    return Limit(name, count, seconds)


# --- Concurrent counts (open sockets), not rates ---------------------------------------------


def gauge_enter(name: str, subject: object, *, maximum: int, ttl: int) -> bool:
    """Count one more open thing of `subject`; False (and not counted) when `maximum` are open.

    A process that dies without `gauge_leave` leaves its counts behind until `ttl` seconds after
    the last change, so set `ttl` a little over the longest life of what is counted between
    heartbeats, or accept that a crash blocks an address that briefly.
    """
    if maximum <= 0 or subject is None:
        return True
    key = f"gauge:{name}:{_digest(str(subject))}"
    cache.add(key, 0, timeout=ttl)
    try:
        value = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=ttl)
        value = 1
    cache.touch(key, ttl)
    if value > maximum:
        gauge_leave(name, subject)
        return False
    return True


def gauge_leave(name: str, subject: object) -> None:
    if subject is None:
        return
    key = f"gauge:{name}:{_digest(str(subject))}"
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, timeout=60)
    except ValueError:
        pass
