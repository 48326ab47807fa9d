"""A small `websockets` client for tests against a real daphne."""

import asyncio
import json

import websockets
from asgiref.sync import sync_to_async
from django.test import Client

SITE_A_ORIGIN = "https://a.example"


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


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


async def agent(server, user):
    cookie = await sync_to_async(session_cookie)(user)
    ws = Socket(
        await websockets.connect(
            f"{server.ws_url}/ws/agent/", origin=server.url, additional_headers={"Cookie": cookie}
        )
    )
    ws.welcome = await ws.next("welcome")
    return ws
