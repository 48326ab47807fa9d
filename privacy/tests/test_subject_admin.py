import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from conversations.models import Message, Visitor
from privacy.models import AuditLogEntry, SubjectExport
from privacy.services.subjects import subject_request_create
from privacy.tests.subjects_helpers import chat, give_contact_data

CHANGELIST = "/admin/conversations/visitor/"


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password="x-very-long-pass")


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def act(client, action, visitor, **extra):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [visitor.pk], **extra})


def test_erase_shows_a_confirmation_page_then_erases(client, operator, subject):
    client.force_login(operator)

    page = act(client, "erase_data", subject)
    assert page.status_code == 200 and b"4 messages" in page.content and b"ERASE" in page.content
    assert Visitor.objects.filter(pk=subject.pk).exists()
    assert act(client, "erase_data", subject, confirm="erase").status_code == 200
    assert Visitor.objects.filter(pk=subject.pk).exists()

    response = act(client, "erase_data", subject, confirm="ERASE")
    assert response.status_code == 302
    assert not Visitor.objects.exists() and not Message.objects.exists()
    assert AuditLogEntry.objects.get(action="erase").actor == operator


def test_export_and_restrict_actions(client, operator, subject):
    client.force_login(operator)
    page = client.post(CHANGELIST, {"action": "export_data", "_selected_action": [subject.pk]}, follow=True)
    export = SubjectExport.objects.get()
    assert reverse("privacy:export-ready", args=[export.pk]).encode() in page.content
    assert export.requested_by == operator

    act(client, "restrict_processing", subject)
    subject.refresh_from_db()
    assert subject.processing_restricted


def test_owners_get_the_gdpr_actions_of_their_sites_and_agents_get_no_admin(client, alice, bob, subject):
    client.force_login(bob)  # an agent of the subject's site, even with permissions ticked by hand
    bob.user_permissions.add(Permission.objects.get(codename="view_visitor"))
    User.objects.filter(pk=bob.pk).update(is_staff=True)
    assert client.get(CHANGELIST)["Location"].startswith("/admin/login/")
    act(client, "erase_data", subject, confirm="ERASE")
    assert Visitor.objects.filter(pk=subject.pk).exists()

    client.force_login(alice)  # the site's owner, as on the DPO pages
    page = client.get(CHANGELIST)
    assert page.status_code == 200 and b"erase_data" in page.content
    assert client.get("/admin/privacy/datasubjectrequest/").status_code == 200
    act(client, "erase_data", subject, confirm="ERASE")
    assert not Visitor.objects.filter(pk=subject.pk).exists()


def test_requests_and_exports_are_listed_read_only(client, operator, subject, alice):
    subject_request_create(site=subject.site, visitor=subject, kind="access", handled_by=alice)
    client.force_login(operator)
    page = client.get("/admin/privacy/datasubjectrequest/")
    assert page.status_code == 200 and b"Access" in page.content
    assert client.get("/admin/privacy/datasubjectrequest/add/").status_code == 403
    assert client.get("/admin/privacy/subjectexport/").status_code == 200
