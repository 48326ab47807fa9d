"""Fixtures for integration tests: a real daphne, Redis, Chromium and host pages.

- `daphne_server`: one daphne for the session, on the test database. Tests
  using it take `transactional_db` so that what they write is committed.
- `start_daphne(env_overrides)`: more daphne processes (the scale-out test runs
  two on one Redis); stopped at the end of the test.
- `redis_url`: $REDIS_URL, or a private redis-server.
- `chromium` / `page`: Playwright's sync API on /usr/bin/chromium. Browser
  tests are plain `def` tests, never `async def`.
- `host_page(html)`: serves html from another origin; returns its URL.

`tests.live.require(condition, reason)` skips, or fails under CHAT_REQUIRE_ALL=1.
"""

import os
import time

import pytest
from django.core.management.base import CommandError
from django.db import OperationalError
from django.test import TransactionTestCase

from tests import live

_flush_database = TransactionTestCase._fixture_teardown


def _flush_database_after_servers_settle(self):
    """TransactionTestCase's flush, made safe against a daphne that is still working.

    Trap: when a test ends, its sockets close and daphne runs their disconnect
    handlers (queries in a transaction) while `transactional_db` truncates every
    table. On PostgreSQL the two deadlock and the flush may be the one aborted,
    which leaves the rows for the next test. So wait until the servers are idle
    first, and retry a flush that lost a deadlock all the same.
    """
    if not live.RUNNING:
        return _flush_database(self)
    live.wait_until_servers_idle()
    for attempt in range(5):
        try:
            return _flush_database(self)
        except CommandError as exc:
            if attempt == 4 or not isinstance(exc.__cause__, OperationalError):
                raise
            time.sleep(0.2 * (attempt + 1))


TransactionTestCase._fixture_teardown = _flush_database_after_servers_settle


@pytest.fixture(scope="session", autouse=True)
def _release_test_database(django_db_setup, django_db_blocker):
    """Close connections the test database still has at the end, so it can be dropped.

    Tests that call sync_to_async() leave a connection open in asgiref's shared
    worker thread (and ORM calls elsewhere than the main thread may do the
    same). PostgreSQL then refuses to drop the database ("being accessed by
    other users"); SQLite leaves -wal/-shm files.
    """
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connection, connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


@pytest.fixture(scope="session")
def daphne_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        server = live.start_daphne()
    yield server
    crashed = server.crashed()
    server.stop()
    if crashed:
        pytest.fail(
            f"daphne exited while tests ran (code {server.process.returncode}):\n{server.log_tail()}",
            pytrace=False,
        )


@pytest.fixture
def start_daphne(django_db_setup, django_db_blocker):
    servers = []

    def start(env_overrides=None, **kwargs):
        with django_db_blocker.unblock():
            server = live.start_daphne(env_overrides, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        live.require(live.redis_ping(url), f"REDIS_URL={url} does not answer PING")
        yield url
        return
    with live.private_redis() as url:
        live.require(url, "no Redis: set REDIS_URL or install redis-server")
        yield url


@pytest.fixture(scope="session")
def _browser_session():
    live.require(os.path.exists(live.CHROMIUM_PATH), f"no Chromium at {live.CHROMIUM_PATH}")
    session = live.BrowserSession()
    yield session
    session.close()


@pytest.fixture
def chromium(_browser_session, monkeypatch):
    """The session's Chromium (a playwright Browser); see live.BrowserSession."""
    # While Playwright's loop is marked running, Django's ORM would refuse sync calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    _browser_session.enter_test()
    yield _browser_session.browser
    _browser_session.leave_test()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no cookies, no storage) and a page in it."""
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def host_page():
    servers = []

    def serve(html: str = "") -> live.HostPage:
        page, server = live.serve_host_page(html)
        servers.append(server)
        return page

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed and live.RUNNING:
        for server in live.RUNNING:
            report.sections.append((f"daphne :{server.port} log (last lines)", server.log_tail()))
    return report
