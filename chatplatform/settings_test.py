"""Test settings: the real settings plus the few things tests need to differ.

Used by pytest (pyproject.toml) and by the daphne processes that integration
tests start (tests/live.py), so that both use the same test database.
"""

import os

# The tests never read the .env `make run` writes (DEBUG=1 there would change defaults that
# CI, on a fresh clone, runs without).
os.environ.setdefault("CHAT_ENV_FILE", os.devnull)
# settings.py refuses to start without SECRET_KEY.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-use-in-production")
# ... and without EMAIL_URL; tests collect mail in memory (pytest-django's locmem outbox).
os.environ.setdefault("EMAIL_URL", "memorymail://")
# Every test's visitors come from 127.0.0.1: the per-address limits would end a suite that opens
# hundreds of sessions. The tests of the limits set them back (tests/security/test_abuse_limits.py).
for _name in ("NEW_VISITORS_PER_ADDRESS", "NEW_CONVERSATIONS_PER_ADDRESS", "SOCKETS_PER_ADDRESS"):
    os.environ.setdefault(f"CHAT_LIMIT_{_name}", "100000")

from .settings import *  # noqa: E402
from .settings import BASE_DIR, CHANNEL_LAYERS, DATABASES, REDIS_URL, STATIC_ROOT  # noqa: E402

DEBUG = False
SECRET_KEY = "test-only-secret-key-never-use-in-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests talk plain http to 127.0.0.1 (test client, daphne, Chromium); production keeps
# them secure unless DEBUG (settings.py, checked by tests/security/test_settings.py).
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CELERY_TASK_ALWAYS_EAGER = True
# WhiteNoise warns at every handler setup when STATIC_ROOT is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Set by tests/live.py in the daphne processes that tests start.
TEST_SERVER = os.environ.get("CHAT_TEST_SERVER") == "1"

# Trap: channels_redis' layer is one object per process and binds to the event
# loop it first ran in, but pytest-asyncio gives every test a new loop. So the
# tests' own process always uses the in-memory layer; the daphne processes that
# tests start keep the layer REDIS_URL selects, which is how the Redis layer
# gets tested.
if not (REDIS_URL and TEST_SERVER):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "chatplatform.lib.channel_layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_LAYERS["default"]["CONFIG"]["capacity"]},
        }
    }

# Login throttling counts in the cache: one per process here, so a test's failed logins
# never outlive the run (conftest.py clears it between tests). The daphne processes tests
# start keep Redis when REDIS_URL is set, like channels above.
if not (REDIS_URL and TEST_SERVER):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# database_sync_to_async closes a worker thread's connection after each call
# only without CONN_MAX_AGE. Connections left open keep PostgreSQL from
# dropping the test database and leave SQLite's -wal/-shm files behind.
DATABASES["default"]["CONN_MAX_AGE"] = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and TEST_SERVER:
    # Lets the tests see in pg_stat_activity when the servers are busy (tests/live.py).
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = "chat-test-server"

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Trap: Django's default SQLite test database lives in memory, where a
    # daphne process cannot see it; a file can be opened by both. One file per
    # pytest process: a connection that a worker thread never closed leaves
    # -wal/-shm files behind, and SQLite reads a stale -wal next to a new
    # database of the same name as "disk I/O error".
    _test_db_dir = BASE_DIR / "var" / "test-db"
    _test_db_dir.mkdir(parents=True, exist_ok=True)

    def _pid_alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    for _path in _test_db_dir.glob("test_*.sqlite3*"):
        _pid = _path.name.removeprefix("test_").split(".", 1)[0]
        if _pid.isdigit() and (int(_pid) == os.getpid() or not _pid_alive(int(_pid))):
            _path.unlink(missing_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db_dir / f"test_{os.getpid()}.sqlite3")}
