"""Login throttling for /accounts/login/ and /admin/login/ (docs/security.md).

After LOGIN_FAILURE_LIMIT failed logins of one account from one address within
LOGIN_FAILURE_WINDOW_SECONDS, further logins of that pair are refused for
LOGIN_LOCKOUT_SECONDS, even with the right password. Counting per account *and*
address means an attacker elsewhere cannot lock a real agent out.

Counts live in the cache: Redis when REDIS_URL is set, so every daphne process
sees the same counts; process memory in the embedded mode (one process). The
address is never stored as such: the cache key is an HMAC (keyed with SECRET_KEY)
of e-mail and address, and it expires with the window or the lockout
(Art. 6(1)(f) GDPR: security; docs/privacy.md).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

_SALT = "accounts.login_throttle"


def _key(kind: str, *, username: str, ip: str | None) -> str:
    digest = salted_hmac(_SALT, f"{username.strip().lower()}|{ip or '-'}", algorithm="sha256").hexdigest()
    return f"login-{kind}:{digest}"


def login_lockout_remaining(*, username: str, ip: str | None) -> int:
    """Seconds until this account may log in again from this address; 0 when it may now."""
    until = cache.get(_key("lock", username=username, ip=ip))
    if until is None:
        return 0
    return max(0, int(until - time.time()) + 1)


def login_failure_record(*, username: str, ip: str | None) -> int:
    """Count a failed login; at the limit, lock the pair out. Returns the lockout seconds (0: none)."""
    key = _key("fail", username=username, ip=ip)
    cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)
        failures = 1
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return 0
    lockout = settings.LOGIN_LOCKOUT_SECONDS
    cache.set(_key("lock", username=username, ip=ip), time.time() + lockout, timeout=lockout)
    cache.delete(key)
    return lockout


def login_success_record(*, username: str, ip: str | None) -> None:
    """A successful login starts the count again."""
    cache.delete(_key("fail", username=username, ip=ip))
