import io
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.services import agent_create
from conftest import PASSWORD
from conversations.models import Message, Visitor
from privacy.models import AuditLogEntry, SubjectExport
from privacy.tests.subjects_helpers import MARKERS, chat, give_contact_data
from privacy.tokens import ExportLinkTokenGenerator


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def subject_url(visitor, name="privacy:subject"):
    return reverse(name, args=[visitor.public_id])


def create_export_link(client, visitor) -> str:
    response = client.post(subject_url(visitor, "privacy:subject-export"))
    assert response.status_code == 302
    page = client.get(response["Location"])
    return re.search(r'id="download-link" href="([^"]+)"', page.content.decode()).group(1)


def test_the_owner_finds_a_subject_and_sees_the_summary(client, alice, subject):
    client.force_login(alice)

    page = client.post(reverse("privacy:dpo"), {"q": MARKERS["email"]})
    assert page.status_code == 200 and subject_url(subject).encode() in page.content

    page = client.get(subject_url(subject))
    assert page.status_code == 200
    assert MARKERS["email"].encode() in page.content and b"2 conversations, 4 messages" in page.content


def test_the_search_is_a_post_and_a_query_in_the_url_is_not_searched(client, alice, subject):
    """Observed: the DPO search put the searched e-mail or name in the URL (access logs, history)."""
    client.force_login(alice)

    form = client.get(reverse("privacy:dpo")).content.decode()
    in_url = client.get(reverse("privacy:dpo"), {"q": MARKERS["email"]})

    assert 'method="post"' in form and 'role="search"' in form and "csrfmiddlewaretoken" in form
    assert in_url.status_code == 200 and subject_url(subject).encode() not in in_url.content
    assert in_url.context["results"] is None


def test_the_inbox_shows_the_privacy_link_to_owners_only(client, alice, bob):
    client.force_login(alice)
    assert client.get(reverse("dashboard:inbox")).content.count(b'id="privacy-link"') == 1
    client.force_login(bob)
    assert b'id="privacy-link"' not in client.get(reverse("dashboard:inbox")).content


def test_it_refuses_agents_and_other_sites(client, subject, bob, charlie, site_b):
    client.force_login(bob)
    assert client.get(reverse("privacy:dpo")).status_code == 403
    assert client.get(subject_url(subject)).status_code == 404
    assert client.post(subject_url(subject, "privacy:subject-erase"), {"confirm": "ERASE"}).status_code == 404
    assert client.post(subject_url(subject, "privacy:subject-export")).status_code == 404

    owner_b = agent_create(site=site_b, email="owner@b.example", name="B", role="owner", password=PASSWORD)
    client.force_login(owner_b)
    assert client.get(subject_url(subject)).status_code == 404
    assert client.get(reverse("privacy:dpo"), {"site": subject.site.key}).status_code == 404
    assert (
        client.post(subject_url(subject, "privacy:subject-restrict"), {"restricted": "1"}).status_code == 404
    )
    assert Visitor.objects.filter(pk=subject.pk, processing_restricted=False).exists()
    assert not AuditLogEntry.objects.exists()


def test_a_site_admin_may_act(client, subject, site_a):
    admin = agent_create(
        site=site_a, email="adm@a.example", name="Adm", role=Membership.Role.ADMIN, password="x"
    )
    client.force_login(admin)
    assert client.get(subject_url(subject)).status_code == 200


def test_the_download_link_works_once_for_the_requester_only(
    client, alice, bob, charlie, subject, export_root, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    link = create_export_link(client, subject)

    for intruder in (bob, charlie):
        client.force_login(intruder)
        assert client.get(link).status_code == 404
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert set(archive.namelist()) == {"data.json", "data.html"}
    assert list(export_root.iterdir()) == []

    again = client.get(link)
    assert again.status_code == 410 and b"used already" in again.content
    assert AuditLogEntry.objects.filter(action="export_download").count() == 1


def test_an_expired_link_is_refused(client, alice, subject, monkeypatch):
    client.force_login(alice)
    link = create_export_link(client, subject)
    later = datetime.now() + timedelta(hours=25)
    monkeypatch.setattr(ExportLinkTokenGenerator, "_now", lambda self: later)

    response = client.get(link)
    assert response.status_code == 410 and b"expired" in response.content
    assert SubjectExport.objects.get().downloaded_at is None


def test_a_forged_link_is_not_found(client, alice, subject):
    client.force_login(alice)
    link = create_export_link(client, subject)
    assert client.get(link[:-3] + "abc/").status_code == 404


def test_rectify_and_restrict(client, alice, subject):
    client.force_login(alice)
    bad = client.post(
        subject_url(subject, "privacy:subject-rectify"), {"name": "N", "email": "nope", "phone": ""}
    )
    assert bad.status_code == 400 and b"valid e-mail" in bad.content

    client.post(
        subject_url(subject, "privacy:subject-rectify"), {"name": "N", "email": "n@x.org", "phone": "1"}
    )
    client.post(subject_url(subject, "privacy:subject-restrict"), {"restricted": "1"})

    subject.refresh_from_db()
    assert (subject.name, subject.email, subject.phone, subject.processing_restricted) == (
        "N",
        "n@x.org",
        "1",
        True,
    )


def test_erase_needs_the_typed_confirmation(client, alice, subject):
    client.force_login(alice)
    url = subject_url(subject, "privacy:subject-erase")
    page = client.get(url)
    assert page.status_code == 200 and b"2 conversations with 4 messages" in page.content

    assert client.post(url, {"confirm": "erase"}).status_code == 400
    assert Visitor.objects.filter(pk=subject.pk).exists()

    response = client.post(url, {"confirm": "ERASE"})
    assert response.status_code == 302
    assert not Visitor.objects.filter(pk=subject.pk).exists() and not Message.objects.exists()


def test_a_request_is_recorded_and_answered_by_an_action(client, alice, subject):
    client.force_login(alice)
    client.post(subject_url(subject, "privacy:subject-request"), {"kind": "restriction", "note": ""})
    request = subject.requests.get()
    client.post(
        subject_url(subject, "privacy:subject-restrict"), {"restricted": "1", "request_id": request.pk}
    )
    request.refresh_from_db()
    assert request.status == "done"
