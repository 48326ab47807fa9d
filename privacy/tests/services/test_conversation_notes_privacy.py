"""Agents' internal notes are personal data: exported with the visitor, erased and purged with the chat."""

import json
import zipfile
from datetime import timedelta

from accounts.models import Site
from conversations.models import Conversation, ConversationNote
from conversations.services import conversation_note_add, message_post_by_visitor
from privacy.services.retention import retention_purge
from privacy.services.subjects import data_subject_erase, data_subject_export, subject_export_create

NOTE = "zorblat said he will sue us"


def noted_conversation(visitor, agent):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="v1", body="hello")
    conversation_note_add(agent=agent, conversation_id=message.conversation_id, client_id="n1", body=NOTE)
    return message.conversation


def test_the_export_has_the_notes_of_each_conversation(visitor, bob):
    noted_conversation(visitor, bob)

    data = data_subject_export(visitor=visitor)

    (conversation,) = data["conversations"]
    assert conversation["notes"] == [
        {"agent": "Bob", "body": NOTE, "created_at": ConversationNote.objects.get().created_at.isoformat()}
    ]


def test_the_zip_shows_the_notes_escaped(visitor, bob, alice, export_root):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="v1", body="hello")
    conversation_note_add(
        agent=bob, conversation_id=message.conversation_id, client_id="n1", body="<b>angry</b> customer"
    )

    export = subject_export_create(visitor=visitor, requested_by=alice)

    with zipfile.ZipFile(export_root / export.file_name) as archive:
        data = json.loads(archive.read("data.json"))
        html = archive.read("data.html").decode()
    assert data["conversations"][0]["notes"][0]["body"] == "<b>angry</b> customer"
    assert "&lt;b&gt;angry&lt;/b&gt; customer" in html and "<b>angry" not in html


def test_erasure_leaves_no_note(visitor, bob, alice):
    noted_conversation(visitor, bob)

    data_subject_erase(visitor=visitor, requested_by=alice)

    assert not ConversationNote.objects.exists()
    assert not ConversationNote.objects.filter(body__contains="zorblat").exists()


def test_the_retention_purge_deletes_notes_with_their_conversation(visitor, bob):
    conversation = noted_conversation(visitor, bob)
    when = conversation.created_at - timedelta(days=Site.objects.get().retention_days + 1)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=when, status="closed")

    retention_purge(now=conversation.created_at)

    assert not Conversation.objects.exists()
    assert not ConversationNote.objects.exists()


def test_the_retention_purge_keeps_the_notes_of_a_live_conversation(visitor, bob):
    conversation = noted_conversation(visitor, bob)

    retention_purge(now=conversation.created_at)

    assert ConversationNote.objects.count() == 1
