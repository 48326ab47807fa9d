"""Helpers for tests that run the real thing: daphne processes, Redis, Chromium, host pages.

tests/conftest.py wraps them in fixtures; import from here what a fixture
does not cover (`from tests.live import require`).

A daphne started here reads the *test* database of this pytest run, so rows a
test writes are only visible to it once committed: tests that talk to a daphne
use the `transactional_db` fixture, not `db`.
"""

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LOG_DIR = BASE_DIR / "var" / "test-logs"
TEST_SETTINGS = "chatplatform.settings_test"
ASGI_APPLICATION = "chatplatform.asgi:application"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every daphne started and not yet stopped; conftest adds their logs to failed tests.
RUNNING: list["DaphneServer"] = []


def require_all() -> bool:
    return os.environ.get("CHAT_REQUIRE_ALL") == "1"


def require(condition: object, reason: str) -> None:
    """Skip the test unless `condition` holds; with CHAT_REQUIRE_ALL=1 fail it instead.

    CI sets CHAT_REQUIRE_ALL=1 so that a missing Redis or Chromium shows up as
    a failure rather than as a quietly skipped test. CI runs the suite on
    SQLite and on PostgreSQL, both with CHAT_REQUIRE_ALL=1: a test that only
    makes sense on one database calls pytest.skip() itself, not require().
    """
    if condition:
        return
    if require_all():
        pytest.fail(f"{reason} (CHAT_REQUIRE_ALL=1 makes this a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


# --- daphne ---------------------------------------------------------------


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for django-environ naming the database `settings_dict` uses."""
    engine = settings_dict["ENGINE"]
    name = str(settings_dict["NAME"])
    if engine == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:"):
            raise RuntimeError(
                "The SQLite test database is in memory, so a daphne process cannot open it; "
                "use chatplatform.settings_test, which puts it in a file."
            )
        return "sqlite:///" + str(Path(name).resolve())
    if engine == "django.db.backends.postgresql":
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = quote(settings_dict.get("HOST") or "", safe="")
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{credentials}{host}{port}/{quote(name, safe='')}"
    raise RuntimeError(f"No DATABASE_URL for database engine {engine}")


@dataclass
class DaphneServer:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 6000) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return text[-chars:]

    def crashed(self) -> bool:
        return self.process.poll() is not None

    def stop(self, timeout: float = 10) -> None:
        if self in RUNNING:
            RUNNING.remove(self)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _remove_old_logs(max_age_seconds: float = 3600) -> None:
    """Logs of earlier runs: kept for an hour to read after a failure, then removed."""
    cutoff = time.time() - max_age_seconds
    for path in LOG_DIR.glob("daphne-*.log"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()


def start_daphne(
    env_overrides: dict[str, str | None] | None = None,
    *,
    settings_dict: dict | None = None,
    timeout: float = 30.0,
) -> DaphneServer:
    """Start daphne on a free loopback port against this run's test database.

    `env_overrides` are added to the environment; a value of None removes the
    variable (e.g. {"REDIS_URL": None}). Returns once /healthz answers 200;
    fails the test with daphne's log if it does not within `timeout` seconds.
    """
    if settings_dict is None:
        from django.db import connection

        settings_dict = connection.settings_dict
    env = os.environ.copy()
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server keeps Django's safety check
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": TEST_SETTINGS,
            "DATABASE_URL": database_url(settings_dict),
            # The Redis layer when REDIS_URL is set, a tagged DB connection (see settings_test).
            "CHAT_TEST_SERVER": "1",
            # Each server counts its own login failures and abuse limits in a shared Redis.
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key, value in (env_overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value

    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    _remove_old_logs()
    log_path = LOG_DIR / f"daphne-{port}.log"
    with open(log_path, "wb") as log:
        # A log file, not a pipe: nobody reads a pipe while tests run, and a
        # full pipe would block daphne.
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                # The transport limit (docs/protocol.md, "Errors"); tests/test_bad_frames_live.py checks it.
                "--websocket-max-message-size",
                "1048576",
                "--websocket-max-frame-size",
                "1048576",
                ASGI_APPLICATION,
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = DaphneServer(port=port, process=process, log_path=log_path)
    RUNNING.append(server)

    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            server.stop()
            pytest.fail(f"daphne exited with code {process.returncode}:\n{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            log = server.log_tail()
            pytest.fail(f"daphne's /healthz did not answer 200 within {timeout} s:\n{log}", pytrace=False)
        time.sleep(0.2)


def wait_until_servers_idle(*, timeout: float = 5.0, quiet: float = 0.3) -> bool:
    """Wait until no daphne started here has been inside a query or transaction for `quiet` s.

    PostgreSQL only (it reports other sessions in pg_stat_activity); returns
    True at once on other databases. Call it before flushing the database.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return True
    sql = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'chat-test-server' AND state <> 'idle'"
    )
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            busy = cursor.fetchone()[0]
        now = time.monotonic()
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= quiet:
            return True
        time.sleep(0.05)
    return False


# --- Redis ------------------------------------------------------------------


def redis_ping(url: str, timeout: float = 1.0) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def private_redis(timeout: float = 10.0):
    """Run a throw-away redis-server on a free loopback port; yields its URL, or None without the binary."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        if not wait_for(lambda: process.poll() is not None or redis_ping(url), timeout=timeout):
            raise RuntimeError(f"redis-server on port {port} did not answer PING within {timeout} s")
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- host pages -------------------------------------------------------------


class HostPage(str):
    """The URL of a page served from another origin than daphne (another port).

    It is the URL string itself (`page.goto(host_page)` works) and also has:
    `.origin` (for a site's allowed origins), `.port`, `.html` (what "/"
    serves; set it after creating the site, when its key is known) and
    `.routes`, a dict path -> (content type, bytes) for further files.
    """

    origin: str
    port: int
    html: str
    routes: dict[str, tuple[str, bytes]]


def serve_host_page(html: str = "") -> tuple[HostPage, ThreadingHTTPServer]:
    port = free_port()
    page = HostPage(f"http://127.0.0.1:{port}/")
    page.origin = f"http://127.0.0.1:{port}"
    page.port = port
    page.html = html
    page.routes = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                content_type, body = "text/html; charset=utf-8", page.html.encode()
            elif path in page.routes:
                content_type, body = page.routes[path]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=f"host-page-{port}", daemon=True).start()
    return page, server


# --- Chromium ---------------------------------------------------------------


class BrowserSession:
    """One Chromium for the whole run, driven by Playwright's sync API.

    Trap: between two sync calls Playwright leaves its event loop marked as
    running in this thread. While it is, Django's ORM raises
    SynchronousOnlyOperation, async_to_sync() refuses to run, and every later
    pytest-asyncio test fails with "Cannot run the event loop while another
    loop is running". So the mark is set only while a test that asked for the
    browser runs (`enter_test`/`leave_test`), and `outside_browser_loop()`
    lifts it inside such a test.
    """

    def __init__(self) -> None:
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        self.playwright = self._manager.start()
        try:
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        except BaseException:
            self._release_loop()
            self.playwright.stop()
            raise
        self.loop = self._manager._loop
        self._release_loop()

    def _release_loop(self) -> None:
        asyncio.events._set_running_loop(None)

    def enter_test(self) -> None:
        asyncio.events._set_running_loop(self.loop)

    def leave_test(self) -> None:
        self._release_loop()

    def close(self) -> None:
        self.enter_test()
        try:
            self.browser.close()
        finally:
            self.playwright.stop()
            self._release_loop()


@contextlib.contextmanager
def outside_browser_loop():
    """Inside a browser test, run code that needs no event loop in this thread.

    For example a service that broadcasts through async_to_sync(). Make no
    Playwright call inside the block.
    """
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)
