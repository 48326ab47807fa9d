"""The privacy notice and consent frames on the visitor socket (docs/protocol.md, docs/consent.md)."""

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Site
from conversations.models import Conversation
from conversations.tests.test_consumers import next_of_type, open_session
from privacy.models import ConsentRecord
from privacy.services.notice import chat_notice_current

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_a_new_conversation_records_the_notice_version_and_language_shown(site_a):
    comm, _ = await open_session(site_a)
    await comm.send_json_to(
        {"type": "message.send", "client_id": "c1", "body": "Hallo", "notice_version": 1, "lang": "de"}
    )
    await next_of_type(comm, "message.ack")
    await comm.disconnect()

    conversation = await Conversation.objects.select_related("notice_version").aget()
    assert conversation.notice_version.version == 1 and conversation.notice_language == "de"
    assert "Nachrichten" in conversation.notice_version.texts["de"]


@pytest.mark.parametrize(
    "claimed", [{"notice_version": 7, "lang": "de"}, {"notice_version": "1"}, {"lang": "de"}, {}]
)
async def test_a_version_the_site_never_showed_is_not_recorded(site_a, claimed):
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "Hi", **claimed})
    await next_of_type(comm, "message.ack")
    await comm.disconnect()

    conversation = await Conversation.objects.aget()
    assert conversation.notice_version_id is None and conversation.notice_language == ""


async def test_a_site_without_notice_says_so_in_welcome(site_a):
    await Site.objects.filter(pk=site_a.pk).aupdate(chat_notice_enabled=False, auto_message="Need help?")
    from conversations.tests.test_consumers import open_visitor

    comm, _ = await open_visitor(site_a)
    welcome = await comm.receive_json_from()
    await comm.disconnect()

    assert welcome["notice"] is None
    assert welcome["auto_message"] == {"text": "Need help?", "delay_seconds": 20}


async def test_consent_needs_a_session(site_a):
    from conversations.tests.test_consumers import open_visitor

    comm, _ = await open_visitor(site_a)
    await comm.receive_json_from()
    await comm.send_json_to({"type": "consent", "analytics": True, "marketing": False})
    error = await comm.receive_json_from()
    await comm.disconnect()

    assert error["code"] == "no_session"
    assert not await ConsentRecord.objects.aexists()


async def test_consent_is_recorded_with_the_notice_and_acked(site_a):
    await sync_to_async(chat_notice_current)(site=site_a)
    comm, _ = await open_session(site_a)

    await comm.send_json_to({"type": "consent", "analytics": True, "marketing": False, "notice_version": 1})
    ack = await next_of_type(comm, "consent.ack")
    await comm.send_json_to({"type": "consent", "analytics": True, "marketing": False, "notice_version": 1})
    await next_of_type(comm, "consent.ack")
    await comm.send_json_to({"type": "consent", "analytics": False, "marketing": False})
    withdrawn = await next_of_type(comm, "consent.ack")
    await comm.disconnect()

    assert (ack["analytics"], ack["marketing"], ack["notice_version"]) == (True, False, 1)
    assert withdrawn["analytics"] is False and withdrawn["notice_version"] is None
    records = [r async for r in ConsentRecord.objects.order_by("pk")]
    assert [(r.analytics, r.marketing) for r in records] == [(True, False), (False, False)]


@pytest.mark.parametrize("frame", [{"analytics": "yes", "marketing": False}, {"analytics": True}])
async def test_a_malformed_consent_is_refused_and_the_socket_stays_usable(site_a, frame):
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "consent", **frame})
    error = await next_of_type(comm, "error")
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "still here"})
    ack = await next_of_type(comm, "message.ack")
    await comm.disconnect()

    assert error["code"] == "invalid_field"
    assert ack["message"]["body"] == "still here"
    assert not await ConsentRecord.objects.aexists()
