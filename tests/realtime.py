"""A small `websockets` client for tests against a real daphne."""

import asyncio
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import websockets
from asgiref.sync import sync_to_async
from django.test import Client

SITE_A_ORIGIN = "https://a.example"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http_status(server, path: str, cookie: str) -> int:
    """GET `path` on the server with `cookie`; the status, redirects not followed."""
    request = urllib.request.Request(f"{server.url}{path}", headers={"Cookie": cookie})
    try:
        return urllib.request.build_opener(_NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def post_form(server, path: str, cookie: str, fields: dict[str, str]) -> int:
    """Load the form page at `path` with `cookie`, post `fields` with its CSRF token; the status."""
    return post_form_keeping_session(server, path, cookie, fields)[0]


def post_form_keeping_session(server, path: str, cookie: str, fields: dict[str, str]) -> tuple[int, str]:
    """`post_form`, and the session cookie as a browser would keep it (Django may cycle the key)."""
    url = f"{server.url}{path}"
    page = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=10)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    request = urllib.request.Request(url, data=body, headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}"})
    try:
        response = urllib.request.build_opener(_NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as exc:
        response = exc
    session = re.search(r"sessionid=([^;]+)", ", ".join(response.headers.get_all("Set-Cookie") or []))
    return response.status if hasattr(response, "status") else response.code, (
        f"sessionid={session.group(1)}" if session else cookie
    )


class Socket:
    def __init__(self, ws):
        self.ws = ws

    async def send(self, **frame) -> None:
        await self.ws.send(json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def next(self, frame_type: str, timeout: float = 5, **match) -> dict:
        """The next frame of `frame_type` whose top-level or message fields equal `match`."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.recv(timeout)
                if frame["type"] != frame_type:
                    continue
                fields = {**frame.get("message", {}), **frame}
                if all(fields.get(k) == v for k, v in match.items()):
                    return frame

    async def close(self) -> None:
        await self.ws.close()


async def visitor(server, site, origin: str = SITE_A_ORIGIN, token: str | None = None, start: bool = True):
    ws = Socket(await websockets.connect(f"{server.ws_url}/ws/visitor/{site.key}/", origin=origin))
    assert (await ws.recv())["type"] == "welcome"
    if start:
        await ws.send(type="session.start", **({"token": token} if token else {}))
        ws.session = await ws.next("session")
    return ws


async def agent(server, user, cookie: str | None = None):
    cookie = cookie or await sync_to_async(session_cookie)(user)
    ws = Socket(
        await websockets.connect(
            f"{server.ws_url}/ws/agent/", origin=server.url, additional_headers={"Cookie": cookie}
        )
    )
    ws.welcome = await ws.next("welcome")
    return ws
