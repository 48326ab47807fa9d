import pytest
from django.core.exceptions import ValidationError

from privacy.models import AuditLogEntry, DataSubjectRequest
from privacy.services.audit import subject_ref_for
from privacy.services.subjects import data_subject_rectify, data_subject_restrict, subject_request_create
from privacy.tests.subjects_helpers import MARKERS, give_contact_data


def test_it_saves_the_contact_data_and_audits_only_the_changed_field_names(visitor, alice):
    give_contact_data(visitor)

    data_subject_rectify(
        visitor=visitor, requested_by=alice, name=MARKERS["name"], email=" new@example.org ", phone=""
    )

    visitor.refresh_from_db()
    assert (visitor.name, visitor.email, visitor.phone) == (MARKERS["name"], "new@example.org", "")
    entry = AuditLogEntry.objects.get(action="rectify")
    assert entry.details == {"fields": ["email", "phone"]} and entry.subject_ref == subject_ref_for(visitor)


def test_it_refuses_an_invalid_email_and_changes_nothing(visitor, alice):
    with pytest.raises(ValidationError) as exc:
        data_subject_rectify(visitor=visitor, requested_by=alice, name="X", email="not-an-address", phone="")
    assert "email" in exc.value.message_dict
    visitor.refresh_from_db()
    assert visitor.name == "" and not AuditLogEntry.objects.exists()


def test_restricting_and_lifting_are_audited_and_answer_the_request(visitor, alice):
    request = subject_request_create(site=visitor.site, visitor=visitor, kind="restriction", handled_by=alice)

    data_subject_restrict(visitor=visitor, requested_by=alice, restricted=True, request=request)
    visitor.refresh_from_db()
    assert visitor.processing_restricted
    data_subject_restrict(visitor=visitor, requested_by=alice, restricted=False)
    visitor.refresh_from_db()
    assert not visitor.processing_restricted

    actions = list(AuditLogEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["request", "restrict", "unrestrict"]
    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.DONE and request.handled_by == alice


def test_a_request_is_due_in_30_days_and_cannot_name_another_sites_visitor(visitor, alice, site_b):
    request = subject_request_create(site=visitor.site, visitor=visitor, kind="access", handled_by=alice)
    assert (request.due_at - request.received_at).days == 30
    assert request.subject_ref == subject_ref_for(visitor)
    assert AuditLogEntry.objects.get(action="request").details == {"kind": "access", "request": request.pk}
    with pytest.raises(ValidationError):
        subject_request_create(site=site_b, visitor=visitor, kind="access", handled_by=alice)
    with pytest.raises(ValidationError):
        subject_request_create(site=visitor.site, visitor=visitor, kind="nonsense", handled_by=alice)
