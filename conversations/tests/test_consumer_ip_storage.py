"""The visitor socket stores the client address only as the site's ip_handling allows."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chatplatform.asgi import application
from conversations.models import Visitor
from conversations.services import visitor_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

ORIGIN_A = "https://a.example"


def from_client(client):
    """The ASGI app as daphne calls it for a peer at `client` ([host, port], or None for a UNIX socket)."""

    async def app(scope, receive, send):
        return await application({**scope, "client": client}, receive, send)

    return app


async def start_session(site, client, token=None):
    comm = WebsocketCommunicator(
        from_client(client), f"/ws/visitor/{site.key}/", headers=[(b"origin", ORIGIN_A.encode())]
    )
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from())["type"] == "welcome"
    await comm.send_json_to({"type": "session.start", **({"token": token} if token else {})})
    session = await comm.receive_json_from()
    await comm.disconnect()
    return session


async def set_ip_handling(site, mode):
    site.ip_handling = mode
    await database_sync_to_async(site.save)()


async def stored_ip(session):
    return await database_sync_to_async(
        lambda: Visitor.objects.values_list("ip_address", flat=True).get(public_id=session["visitor"]["id"])
    )()


@pytest.mark.parametrize(
    "mode, client, stored",
    [
        ("off", ["203.0.113.77", 50000], None),
        ("anonymised", ["203.0.113.77", 50000], "203.0.113.0"),
        ("anonymised", ["2001:db8:85a3:8d3:1319:8a2e:370:7348", 50000], "2001:db8:85a3::"),
        ("full", ["::ffff:203.0.113.77", 50000], "203.0.113.77"),
        ("full", None, None),
    ],
)
async def test_a_new_visitor_gets_the_address_its_site_allows(site_a, mode, client, stored):
    await set_ip_handling(site_a, mode)

    session = await start_session(site_a, client)

    assert await stored_ip(session) == stored


async def test_a_resumed_session_does_not_store_the_address(site_a):
    await set_ip_handling(site_a, "full")
    visitor, token = await database_sync_to_async(visitor_create)(site=site_a)

    session = await start_session(site_a, ["203.0.113.77", 50000], token=token)

    assert session["visitor"]["id"] == str(visitor.public_id)
    assert await stored_ip(session) is None
