"""Deleting a site is an erasure: nothing of its visitors is left, the audit keeps the counts."""

import pytest
from django.test import Client

from accounts.models import Membership, Site
from conversations.events import agent_group, site_widgets_group
from conversations.models import CannedResponse
from integrations.services import api_token_create
from privacy.models import AuditLogEntry, DataSubjectRequest, DPAAcceptance, DPAVersion
from privacy.services.dpa import dpa_accept
from privacy.services.site_deletion import SiteDeletionRefused, site_delete
from privacy.services.subjects import data_subject_restrict, subject_export_create, subject_request_create
from privacy.tests.services.test_data_subject_erase import IP, rows_containing
from privacy.tests.subjects_helpers import MARKER_NEEDLES, chat, give_contact_data


@pytest.fixture
def subject(visitor, bob):
    give_contact_data(visitor)
    chat(visitor, bob)
    return visitor


def test_nothing_of_the_sites_visitors_is_left_and_the_audit_keeps_the_counts(
    subject, site_a, alice, bob, export_root, capture_send_event_calls, django_capture_on_commit_callbacks
):
    public_id, key = str(subject.public_id), site_a.key
    version = DPAVersion.objects.create(version="2026-01", effective_date="2026-01-01", text="DPA")
    dpa_accept(site=site_a, version=version, user=alice)
    export = subject_export_create(visitor=subject, requested_by=alice)
    CannedResponse.objects.create(site=site_a, shortcut="hi", text="Hello")
    api_token_create(site=site_a, name="CRM", created_by=alice)
    assert (export_root / export.file_name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        counts = site_delete(site=site_a, requested_by=alice)

    assert counts == {"visitors": 1, "conversations": 2, "messages": 4, "exports": 1, "members": 2}
    for needle in [*MARKER_NEEDLES, public_id, IP]:
        assert rows_containing(needle) == [], needle
    assert list(export_root.iterdir()) == []
    assert not Site.objects.filter(key=key).exists() and not Membership.objects.exists()
    entry = AuditLogEntry.objects.get(action="site_delete")
    assert entry.details == {**counts, "site_key": key, "site_name": "Site A"}
    assert entry.actor == alice and entry.site is None
    acceptance = DPAAcceptance.objects.get()  # evidence of the contract stays
    assert acceptance.site is None and key in acceptance.site_label
    assert (site_widgets_group(site_a.pk), {"type": "session.ended", "reason": "site_deleted"}) in (
        capture_send_event_calls
    )
    for member in (alice, bob):
        assert (
            agent_group(member.pk),
            {"type": "session.ended", "reason": "site_deleted", "session": None},
        ) in (capture_send_event_calls)


def test_it_leaves_other_sites_alone(subject, site_a, site_b, charlie, alice):
    from conversations.services import message_post_by_visitor, visitor_create

    other, _ = visitor_create(site=site_b)
    message_post_by_visitor(visitor=other, client_id="b1", body="site B stays")

    site_delete(site=site_a, requested_by=alice)

    assert Site.objects.filter(pk=site_b.pk).exists()
    assert rows_containing("site B stays") and Membership.objects.filter(user=charlie, site=site_b).exists()


def test_a_restricted_visitor_is_a_legal_hold(subject, site_a, alice):
    data_subject_restrict(visitor=subject, requested_by=alice, restricted=True)

    with pytest.raises(SiteDeletionRefused) as refused:
        site_delete(site=site_a, requested_by=alice)

    assert "restricted processing" in refused.value.reasons[0]
    assert Site.objects.filter(pk=site_a.pk).exists() and rows_containing("zorblat")
    assert not AuditLogEntry.objects.filter(action="site_delete").exists()


def test_an_open_request_is_a_legal_hold_and_the_admin_shows_why(subject, site_a, alice):
    subject_request_create(site=site_a, visitor=subject, kind="access", handled_by=alice)
    client = Client()
    client.force_login(alice)
    url = f"/admin/accounts/site/{site_a.pk}/delete/"

    page = client.get(url)
    posted = client.post(url, {"post": "yes"})

    assert b"data-subject request is open" in page.content
    assert posted.status_code == 200 and b"data-subject request is open" in posted.content
    assert Site.objects.filter(pk=site_a.pk).exists()
    DataSubjectRequest.objects.update(status="done")
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Site.objects.filter(pk=site_a.pk).exists()
    assert AuditLogEntry.objects.get(action="site_delete").actor == alice


def test_only_an_owner_deletes_a_site_in_the_admin(site_a, alice, bob):
    Membership.objects.filter(user=bob).update(role="admin")
    client = Client()
    client.force_login(bob)
    assert client.get(f"/admin/accounts/site/{site_a.pk}/delete/").status_code == 403
    assert client.post(f"/admin/accounts/site/{site_a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Site.objects.filter(pk=site_a.pk).exists()


def test_the_confirmation_page_says_what_the_erasure_takes(subject, site_a, alice):
    client = Client()
    client.force_login(alice)
    page = client.get(f"/admin/accounts/site/{site_a.pk}/delete/").content.decode()
    assert "1 visitor(s), 2 conversation(s), 4 message(s)" in page


def test_the_command_is_a_dry_run_by_default_and_refuses_agents(subject, site_a, alice, bob):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("delete_site", "--site", site_a.key, "--actor", alice.email, stdout=out)
    assert "Dry run" in out.getvalue() and "1 visitor(s), 2 conversation(s)" in out.getvalue()
    assert Site.objects.filter(pk=site_a.pk).exists()
    with pytest.raises(CommandError, match="owner"):
        call_command("delete_site", "--site", site_a.key, "--actor", bob.email, "--for-real")
    call_command("delete_site", "--site", site_a.key, "--actor", alice.email, "--for-real", stdout=out)
    assert not Site.objects.filter(pk=site_a.pk).exists() and "Deleted the site" in out.getvalue()
