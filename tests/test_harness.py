"""The integration fixtures themselves work: daphne, Redis, host pages, Chromium."""

import asyncio
import json
import os
import urllib.request

import pytest
import websockets
from asgiref.sync import async_to_sync, sync_to_async

from accounts.models import Site
from tests import live


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_daphne_answers_healthz(daphne_server, transactional_db):
    assert get(f"{daphne_server.url}/healthz") == (200, "ok")
    assert daphne_server.ws_url == f"ws://127.0.0.1:{daphne_server.port}"


async def test_daphne_sees_rows_the_test_committed(daphne_server, transactional_db):
    site = await sync_to_async(Site.objects.create)(name="Harness shop", allowed_origins="http://shop.test")
    async with websockets.connect(
        f"{daphne_server.ws_url}/ws/visitor/{site.key}/", origin="http://shop.test", open_timeout=10
    ) as ws:
        welcome = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
    assert welcome["type"] == "welcome"
    assert welcome["site"]["name"] == "Harness shop"


def test_two_daphnes_share_one_redis(start_daphne, redis_url, transactional_db):
    first = start_daphne({"REDIS_URL": redis_url})
    second = start_daphne({"REDIS_URL": redis_url})
    assert first.port != second.port
    assert get(f"{first.url}/healthz") == (200, "ok")
    assert get(f"{second.url}/healthz") == (200, "ok")


def test_redis_answers_ping(redis_url):
    assert live.redis_ping(redis_url)


def test_host_page_serves_html_from_another_origin(host_page, daphne_server):
    page = host_page("<!doctype html><title>Host</title><p>hello</p>")
    assert get(page) == (200, "<!doctype html><title>Host</title><p>hello</p>")
    assert page.origin == page.rstrip("/")
    assert page.origin != daphne_server.url
    page.html = "<p>changed</p>"
    assert get(page)[1] == "<p>changed</p>"


def test_chromium_loads_a_host_page(page, host_page, transactional_db):
    url = host_page("<!doctype html><title>Harness</title><p id=greeting>hello</p>")
    page.goto(url)
    assert page.title() == "Harness"
    assert page.locator("#greeting").inner_text() == "hello"
    # Django works in a browser test: the ORM directly, async_to_sync through the helper.
    assert Site.objects.count() == 0
    with live.outside_browser_loop():
        assert async_to_sync(asyncio.sleep)(0, result="ran") == "ran"


def test_no_event_loop_is_left_running_after_a_browser_test():
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ


async def test_async_tests_still_run_after_a_browser_test():
    assert await asyncio.sleep(0, result="ran") == "ran"


def test_require_skips_by_default_and_fails_under_chat_require_all(monkeypatch):
    live.require(True, "never raised")
    monkeypatch.delenv("CHAT_REQUIRE_ALL", raising=False)
    with pytest.raises(pytest.skip.Exception):
        live.require(False, "missing thing")
    monkeypatch.setenv("CHAT_REQUIRE_ALL", "1")
    with pytest.raises(pytest.fail.Exception):
        live.require(None, "missing thing")
