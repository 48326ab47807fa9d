"""The per-process group commit of visitor messages, through real sockets of the ASGI app."""

import asyncio

import pytest

from conversations.models import Conversation, Message
from conversations.tests.test_consumers import next_of_type, open_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_many_sockets_posting_at_once_are_all_stored_and_acked_once(site_a):
    sockets = [(await open_session(site_a))[0] for _ in range(8)]
    per_socket = 5

    for round_ in range(per_socket):
        for i, comm in enumerate(sockets):
            await comm.send_json_to({"type": "message.send", "client_id": f"s{i}-{round_}", "body": "hi"})
    acks = await asyncio.gather(
        *(asyncio.gather(*(next_of_type(c, "message.ack") for _ in range(per_socket))) for c in sockets)
    )

    for i, socket_acks in enumerate(acks):
        assert sorted(a["client_id"] for a in socket_acks) == sorted(f"s{i}-{r}" for r in range(per_socket))
        assert sorted(a["message"]["seq"] for a in socket_acks) == list(range(1, per_socket + 1))
    assert await Message.objects.acount() == 8 * per_socket
    assert await Conversation.objects.acount() == 8
    for comm in sockets:
        await comm.disconnect()


async def test_a_refused_post_in_a_busy_batch_errors_only_its_own_socket(site_a):
    good, _ = await open_session(site_a)
    bad, _ = await open_session(site_a)

    await bad.send_json_to({"type": "message.send", "client_id": "b1", "body": "   "})
    await good.send_json_to({"type": "message.send", "client_id": "g1", "body": "fine"})

    error = await next_of_type(bad, "error")
    assert error["code"] == "empty_body" and error["client_id"] == "b1"
    assert (await next_of_type(good, "message.ack"))["client_id"] == "g1"
    await bad.send_json_to({"type": "message.send", "client_id": "b2", "body": "short now"})
    assert (await next_of_type(bad, "message.ack"))["client_id"] == "b2"
    await good.disconnect()
    await bad.disconnect()
