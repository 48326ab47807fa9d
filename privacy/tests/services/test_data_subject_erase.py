import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.db.models import CharField, GenericIPAddressField, JSONField, Q, TextField

from chatplatform.asgi import application
from conversations.models import Conversation, Message, Visitor
from conversations.services import message_post_by_visitor, visitor_create
from privacy.models import AuditLogEntry, DataSubjectRequest, SubjectExport
from privacy.services.audit import subject_ref_for
from privacy.services.subjects import data_subject_erase, subject_export_create, subject_request_create
from privacy.tests.subjects_helpers import MARKER_NEEDLES, chat, give_contact_data

IP = "203.0.113.7"


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def rows_containing(needle: str) -> list[str]:
    """Every row of every model with `needle` in a text, JSON or IP column, as "app.Model.field"."""
    hits = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        fields = model._meta.concrete_fields
        text = [f.name for f in fields if isinstance(f, CharField | TextField)]
        condition = Q()
        for name in text:
            condition |= Q(**{f"{name}__icontains": needle})
        for name in (f.name for f in fields if isinstance(f, GenericIPAddressField)):
            if needle == IP:
                condition |= Q(**{name: needle})
        if condition and model._default_manager.filter(condition).exists():
            hits.append(f"{model._meta.label} (text)")
        for name in (f.name for f in fields if isinstance(f, JSONField)):
            for value in model._default_manager.values_list(name, flat=True):
                if needle.lower() in json.dumps(value, ensure_ascii=False).lower():
                    hits.append(f"{model._meta.label}.{name}")
    return hits


def test_nothing_is_left_anywhere_after_an_erasure(
    subject, alice, export_root, django_capture_on_commit_callbacks
):
    public_id = str(subject.public_id)
    needles = [*MARKER_NEEDLES, public_id, IP]
    assert rows_containing("zorblat")  # the scan does find the data before
    subject_request_create(site=subject.site, visitor=subject, kind="erasure", handled_by=alice)
    export = subject_export_create(visitor=subject, requested_by=alice)
    assert (export_root / export.file_name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        data_subject_erase(visitor=subject, requested_by=alice)

    for needle in needles:
        assert rows_containing(needle) == [], needle
    assert list(export_root.iterdir()) == []
    assert not Visitor.objects.filter(public_id=public_id).exists()


def test_it_returns_counts_and_audits_them_without_personal_data(subject, alice):
    request = subject_request_create(site=subject.site, visitor=subject, kind="erasure", handled_by=alice)
    subject_ref = subject_ref_for(subject)

    counts = data_subject_erase(visitor=subject, requested_by=alice, request=request)

    assert counts == {"visitors": 1, "conversations": 2, "messages": 4, "exports": 0, "requests": 1}
    entry = AuditLogEntry.objects.get(action="erase")
    assert entry.details == counts and entry.subject_ref == subject_ref and entry.actor == alice
    assert entry.site == subject.site
    request.refresh_from_db()
    assert request.visitor is None and request.subject_ref == subject_ref
    assert request.status == DataSubjectRequest.Status.DONE and request.completed_at is not None
    for row in AuditLogEntry.objects.all():
        text = f"{row.actor_label} {row.subject_ref} {json.dumps(row.details)}".lower()
        assert not any(n in text for n in MARKER_NEEDLES)


def test_other_visitors_and_other_sites_are_untouched(subject, alice, bob, charlie, site_b):
    neighbour, _ = visitor_create(site=subject.site)
    message_post_by_visitor(visitor=neighbour, client_id="n1", body="neighbour text")
    stranger, _ = visitor_create(site=site_b)
    message_post_by_visitor(visitor=stranger, client_id="s1", body="other site text")
    other_export = subject_export_create(visitor=neighbour, requested_by=alice)
    other_request = subject_request_create(site=site_b, visitor=stranger, kind="access", handled_by=charlie)

    data_subject_erase(visitor=subject, requested_by=alice)

    assert set(Visitor.objects.values_list("pk", flat=True)) == {neighbour.pk, stranger.pk}
    assert sorted(Message.objects.values_list("body", flat=True)) == ["neighbour text", "other site text"]
    assert Conversation.objects.count() == 2
    assert SubjectExport.objects.get() == other_export
    other_request.refresh_from_db()
    assert other_request.visitor == stranger


def test_it_tells_the_visitors_sockets_and_the_sites_agents(
    subject, alice, capture_send_event_calls, django_capture_on_commit_callbacks
):
    conversation_ids = sorted(Conversation.objects.filter(visitor=subject).values_list("pk", flat=True))
    visitor_pk, site_pk = subject.pk, subject.site_id

    with django_capture_on_commit_callbacks(execute=True):
        data_subject_erase(visitor=subject, requested_by=alice)

    assert capture_send_event_calls == [
        (f"visitor-{visitor_pk}", {"type": "session.ended", "reason": "erased"}),
        (f"site-{site_pk}-agents", {"type": "conversation.erased", "conversations": conversation_ids}),
    ]


def test_nothing_leaves_before_commit_or_after_a_rollback(
    subject, alice, capture_send_event_calls, monkeypatch
):
    monkeypatch.setattr("privacy.services.subjects.audit_record", lambda **kw: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        data_subject_erase(visitor=subject, requested_by=alice)
    assert capture_send_event_calls == []
    assert Visitor.objects.filter(pk=subject.pk).exists() and Message.objects.count() == 4


@pytest.mark.django_db(transaction=True)
async def test_it_closes_the_visitors_live_socket(site_a, alice):
    comm = WebsocketCommunicator(
        application, f"/ws/visitor/{site_a.key}/", headers=[(b"origin", b"https://a.example")]
    )
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from())["type"] == "welcome"
    await comm.send_json_to({"type": "session.start"})
    session = await comm.receive_json_from()
    visitor = await sync_to_async(Visitor.objects.get)(public_id=session["visitor"]["id"])

    await sync_to_async(data_subject_erase)(visitor=visitor, requested_by=alice)

    assert await comm.receive_json_from() == {"type": "session.ended", "reason": "erased"}
    assert await comm.receive_output() == {"type": "websocket.close", "code": 4001}
    await comm.wait()
