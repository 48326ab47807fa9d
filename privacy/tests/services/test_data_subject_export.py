import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from conversations.services import message_post_by_visitor, visitor_create
from privacy.models import AuditLogEntry, DataSubjectRequest, SubjectExport
from privacy.services.subjects import (
    ExportUnavailable,
    data_subject_export,
    subject_export_create,
    subject_export_prune_expired,
    subject_export_take,
    subject_request_create,
)
from privacy.tests.subjects_helpers import MARKER_NEEDLES, MARKERS, chat, give_contact_data


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def test_it_holds_the_visitor_every_message_in_order_and_the_requests(subject, alice, bob):
    other, _ = visitor_create(site=subject.site)
    message_post_by_visitor(visitor=other, client_id="x", body="not theirs")
    subject_request_create(site=subject.site, visitor=subject, kind="access", handled_by=alice)

    data = data_subject_export(visitor=subject)

    assert data["metadata"]["site"] == {"name": "Site A"} and data["metadata"]["format_version"] == 2
    assert data["visitor"] | {"created_at": None, "last_seen_at": None} == {
        "id": str(subject.public_id),
        "name": MARKERS["name"],
        "email": MARKERS["email"],
        "phone": MARKERS["phone"],
        "ip_address": "203.0.113.7",
        "created_at": None,
        "last_seen_at": None,
        "processing_restricted": False,
        "visit_context": {},
    }
    first, second = data["conversations"]
    assert [(m["seq"], m["author"], m["agent"]) for m in first["messages"]] == [
        (1, "visitor", None),
        (2, "agent", "Bob"),
        (3, "system", None),
    ]
    assert first["messages"][0]["body"] == MARKERS["body"] and first["status"] == "closed"
    assert [m["body"] for m in second["messages"]] == ["second <script>alert(1)</script>"]
    assert "not theirs" not in json.dumps(data)
    assert [(r["kind"], r["status"]) for r in data["requests"]] == [("access", "open")]


def test_the_zip_holds_json_and_escaped_html_and_the_audit_only_counts(subject, alice, export_root):
    request = subject_request_create(site=subject.site, visitor=subject, kind="access", handled_by=alice)

    export = subject_export_create(visitor=subject, requested_by=alice, request=request)

    path = export_root / export.file_name
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
        html = archive.read("data.html").decode()
    assert sum(len(c["messages"]) for c in data["conversations"]) == 4
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert MARKERS["body"] in html and MARKERS["email"] in html
    assert export.expires_at - export.created_at == timedelta(hours=24)
    entry = AuditLogEntry.objects.get(action="export")
    assert entry.details == {"conversations": 2, "messages": 4, "requests": 1}
    assert entry.actor == alice and entry.subject_ref == export.subject_ref
    assert not any(n in json.dumps(entry.details).lower() for n in MARKER_NEEDLES)
    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.DONE and request.completed_at is not None


def test_it_is_handed_out_once_to_the_requester_and_the_file_is_deleted(
    subject, alice, export_root, django_capture_on_commit_callbacks
):
    export = subject_export_create(visitor=subject, requested_by=alice)

    with django_capture_on_commit_callbacks(execute=True):
        content = subject_export_take(export=export, actor=alice)

    assert content[:2] == b"PK"
    assert not (export_root / export.file_name).exists()
    assert SubjectExport.objects.get().downloaded_at is not None
    assert AuditLogEntry.objects.filter(action="export_download", actor=alice).count() == 1
    with pytest.raises(ExportUnavailable):
        subject_export_take(export=export, actor=alice)


def test_it_refuses_another_admin_and_an_expired_export(subject, alice, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.com", password="x-long-pass")
    export = subject_export_create(visitor=subject, requested_by=alice)
    with pytest.raises(ExportUnavailable):
        subject_export_take(export=export, actor=root)
    SubjectExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ExportUnavailable):
        subject_export_take(export=export, actor=alice)
    assert not AuditLogEntry.objects.filter(action="export_download").exists()


def test_a_failed_transaction_leaves_no_file(subject, alice, export_root, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr("privacy.services.subjects.audit_record", fail)
    with pytest.raises(RuntimeError):
        subject_export_create(visitor=subject, requested_by=alice)
    assert list(export_root.iterdir()) == [] and not SubjectExport.objects.exists()


def test_exports_whose_link_expired_unused_are_deleted_with_their_files(
    subject, alice, export_root, django_capture_on_commit_callbacks
):
    old = subject_export_create(visitor=subject, requested_by=alice)
    SubjectExport.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        new = subject_export_create(visitor=subject, requested_by=alice)

    assert list(SubjectExport.objects.all()) == [new]
    assert [p.name for p in export_root.iterdir()] == [new.file_name]
    assert subject_export_prune_expired(now=new.expires_at) == 1 and not SubjectExport.objects.exists()
