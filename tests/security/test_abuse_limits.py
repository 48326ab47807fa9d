"""Abuse of the open widget socket, tried as an attacker would, through a real daphne on loopback.

Observed before (issue 12): ten new sessions, each with one message and `transcript.request` to
any address, made the server send 10 e-mails with the attacker's text in 0.2 s; one client made
about 67 conversations a second; 300 sockets from one address were all accepted; 40
`session.start` on one socket made 40 visitor rows; every flood conversation mailed the site.
Every loop here is bounded; the limits are the documented defaults unless a test names others.
"""

import asyncio
import json
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async

from accounts.models import Site
from conversations.models import Conversation, Visitor
from tests import realtime

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# The documented defaults (tests/security/test_settings.py checks that settings.py ships them); the test
# settings raise the per-address ones for the rest of the suite, whose visitors all come from
# 127.0.0.1, so the daphne of each test here gets them back.
DEFAULTS = {
    "CHAT_LIMIT_NEW_VISITORS_PER_ADDRESS": "20",
    "CHAT_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS": "20",
    "CHAT_LIMIT_SOCKETS_PER_ADDRESS": "30",
}


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def mails(mail_dir: Path) -> list[str]:
    """Every mail daphne sent (Django's file backend: messages separated by a line of dashes)."""
    return [m for f in sorted(mail_dir.iterdir()) for m in f.read_text().split("-" * 79) if m.strip()]


async def raw_visitor(server, site) -> realtime.Socket:
    ws = realtime.Socket(
        await websockets.connect(f"{server.ws_url}/ws/visitor/{site.key}/", origin=realtime.SITE_A_ORIGIN)
    )
    await ws.next("welcome")
    return ws


async def test_the_widget_is_no_mail_relay(start_daphne, site_a, mail_dir):
    server = await sync_to_async(start_daphne)({"EMAIL_URL": f"filemail:///{mail_dir}", **DEFAULTS})
    outcomes = []
    for i in range(10):
        visitor = await realtime.visitor(server, site_a)
        await visitor.send(type="message.send", client_id=f"m{i}", body="CHEAP PILLS http://spam.example")
        conversation = (await visitor.next("message.ack"))["message"]["conversation"]
        await visitor.send(type="transcript.request", conversation=conversation, email="victim@example.com")
        frame = await visitor.recv()
        while frame["type"] not in ("transcript.ack", "error"):
            frame = await visitor.recv()
        outcomes.append(frame.get("code") or ("confirm" if frame.get("confirm") else "sent"))
        await visitor.close()

    await asyncio.sleep(0.5)
    sent = mails(mail_dir)
    assert outcomes == ["confirm"] * 3 + ["rate_limited"] * 7
    assert len(sent) == 3 and not any("PILLS" in m or "spam.example" in m for m in sent)


async def test_one_socket_cannot_make_more_than_three_visitors(start_daphne, site_a):
    server = await sync_to_async(start_daphne)(DEFAULTS)
    ws = await raw_visitor(server, site_a)
    codes = []
    for _ in range(40):
        await ws.send(type="session.start")
        frame = await ws.recv()
        codes.append(frame["type"] if frame["type"] == "session" else frame["code"])
    await ws.close()
    assert codes == ["session"] * 3 + ["rate_limited"] * 37
    assert await Visitor.objects.acount() == 3


async def test_sockets_per_address_are_limited_with_a_close_that_says_why(start_daphne, site_a):
    server = await sync_to_async(start_daphne)({**DEFAULTS, "CHAT_LIMIT_SOCKETS_PER_ADDRESS": "5"})
    opened = [await raw_visitor(server, site_a) for _ in range(5)]
    extra = await websockets.connect(
        f"{server.ws_url}/ws/visitor/{site_a.key}/", origin=realtime.SITE_A_ORIGIN
    )
    refusal = json.loads(await asyncio.wait_for(extra.recv(), 5))
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(extra.recv(), 5)
    assert (refusal["code"], refusal["retry_after"], extra.close_code) == ("too_many_connections", 30, 4008)
    await opened.pop().close()
    await asyncio.sleep(0.3)
    again = await raw_visitor(server, site_a)  # a slot came free
    for ws in [*opened, again]:
        await ws.close()


async def test_a_conversation_flood_from_one_address_stops_at_the_limit_and_mails_the_site_less(
    start_daphne, site_a, mail_dir
):
    await Site.objects.filter(pk=site_a.pk).aupdate(notification_email="team@a.example")
    env = {**DEFAULTS, "EMAIL_URL": f"filemail:///{mail_dir}", "CHAT_LIMIT_SITE_EMAILS_PER_HOUR": "5"}
    server = await sync_to_async(start_daphne)(env)
    acks, refusals = 0, []
    for i in range(25):  # new visitors beyond 20 a minute are refused at session.start
        ws = await raw_visitor(server, site_a)
        await ws.send(type="session.start")
        frame = await ws.recv()
        if frame["type"] == "error":
            refusals.append((frame["code"], frame.get("retry_after", 0) >= 1))
        else:
            await ws.send(type="message.send", client_id=f"f{i}", body="flood")
            frame = await ws.next("message.ack")
            acks += 1
        await ws.close()

    await asyncio.sleep(0.5)
    assert acks == 20 and refusals == [("rate_limited", True)] * 5
    assert await Conversation.objects.acount() == 20 and await Visitor.objects.acount() == 20
    assert len(mails(mail_dir)) == 5  # the site's mailbox gets the hourly cap, the chats are all kept


async def test_a_refused_first_message_keeps_its_client_id_and_retry_after(start_daphne, site_a):
    env = {**DEFAULTS, "CHAT_LIMIT_NEW_CONVERSATIONS_PER_ADDRESS": "1"}
    server = await sync_to_async(start_daphne)(env)
    first = await realtime.visitor(server, site_a)
    await first.send(type="message.send", client_id="a", body="one")
    await first.next("message.ack")
    second = await realtime.visitor(server, site_a)
    await second.send(type="message.send", client_id="b", body="two")
    error = await second.next("error")
    assert (error["code"], error["client_id"]) == ("rate_limited", "b") and 1 <= error["retry_after"] <= 60
    await second.send(type="message.send", client_id="c", body="still usable")  # the socket stays open
    assert json.dumps(await second.next("error")).count("rate_limited") == 1
    await first.close()
    await second.close()
