import pytest
from django.urls import resolve, reverse

from accounts.models import Site
from conftest import PASSWORD
from privacy.models import AuditLogEntry, DPAAcceptance


@pytest.fixture
def root(django_user_model, db):
    return django_user_model.objects.create_superuser(email="root@example.com", password=PASSWORD)


def notice_url(site) -> str:
    return reverse("privacy:public-notice", args=[site.key])


def test_the_public_page_needs_no_login_and_follows_the_settings(client, site_a):
    page = client.get(notice_url(site_a))
    assert page.status_code == 200
    assert b"Live chat on Site A" in page.content and b"365 days" in page.content

    Site.objects.filter(pk=site_a.pk).update(retention_days=30)

    assert b"30 days after the last message" in client.get(notice_url(site_a)).content


def test_the_public_page_takes_the_language_from_the_query_or_the_browser(client, site_a):
    assert "Live-Chat auf Site A" in client.get(notice_url(site_a), {"lang": "de"}).content.decode()
    page = client.get(notice_url(site_a), HTTP_ACCEPT_LANGUAGE="cs-CZ,cs;q=0.9")
    assert "Live chat na webu Site A" in page.content.decode() and "Accept-Language" in page["Vary"]
    assert b"Live chat on Site A" in client.get(notice_url(site_a), HTTP_ACCEPT_LANGUAGE="fr").content
    assert b"Live chat on Site A" in client.get(notice_url(site_a), {"lang": "xx"}).content


def test_the_public_page_is_404_for_an_unknown_key(client, db):
    assert client.get("/privacy/site_doesNotExist/").status_code == 404


def test_the_public_page_does_not_shadow_the_other_privacy_pages(db):
    assert resolve("/privacy/dpo/").url_name == "dpo"
    assert resolve("/privacy/dpa/").url_name == "dpa"
    assert resolve("/privacy/art30/site_abc/").url_name == "art30"
    assert resolve("/privacy/art30/site_abc.json").url_name == "art30-json"
    assert resolve("/privacy/site_abc-_X/").url_name == "public-notice"


def test_the_art30_pages_are_served_to_the_owner(client, alice, site_a):
    client.force_login(alice)

    page = client.get(reverse("privacy:art30", args=[site_a.key]))
    data = client.get(reverse("privacy:art30-json", args=[site_a.key]))

    assert page.status_code == 200 and b"Record of processing activities" in page.content
    assert "Live-Chat auf Site A" in page.content.decode()
    assert data.status_code == 200 and data["Content-Type"] == "application/json"
    assert data.json()["site"]["key"] == site_a.key and data.json()["retention"]["days"] == 365


def test_the_art30_pages_are_served_to_superusers(client, root, site_b):
    client.force_login(root)
    assert client.get(reverse("privacy:art30", args=[site_b.key])).status_code == 200
    assert client.get(reverse("privacy:art30-json", args=[site_b.key])).status_code == 200


def test_the_art30_pages_refuse_agents_and_other_sites(client, site_a, bob, charlie, alice, site_b):
    for user, site in ((bob, site_a), (charlie, site_a), (alice, site_b)):
        client.force_login(user)
        assert client.get(reverse("privacy:art30", args=[site.key])).status_code == 404
        assert client.get(reverse("privacy:art30-json", args=[site.key])).status_code == 404
    client.logout()
    assert client.get(reverse("privacy:art30-json", args=[site_a.key])).status_code == 302


def test_the_owner_reads_and_accepts_the_dpa(client, alice, site_a, dpa_version):
    client.force_login(alice)
    page = client.get(reverse("privacy:dpa"))
    assert page.status_code == 200 and dpa_version.text.encode() in page.content
    assert b"Accept for Site A" in page.content

    response = client.post(reverse("privacy:dpa-accept"), {"site": site_a.key, "version": "2026-01"})

    assert response.status_code == 302
    assert DPAAcceptance.objects.get().accepted_by == alice
    assert AuditLogEntry.objects.filter(action="dpa_accept", actor=alice, site=site_a).count() == 1
    page = client.get(reverse("privacy:dpa")).content.decode()
    assert "Accept for Site A" not in page and 'id="dpa-history"' in page and "alice@a.example" in page


def test_a_stale_version_is_not_accepted(client, alice, site_a, dpa_version):
    client.force_login(alice)
    client.post(reverse("privacy:dpa-accept"), {"site": site_a.key, "version": "2025-01"})
    assert not DPAAcceptance.objects.exists()


def test_agents_and_other_sites_cannot_accept_the_dpa(client, bob, charlie, site_a, dpa_version):
    for user in (bob, charlie):
        client.force_login(user)
        assert client.get(reverse("privacy:dpa")).status_code == 403
        response = client.post(reverse("privacy:dpa-accept"), {"site": site_a.key, "version": "2026-01"})
        assert response.status_code == 404
    assert not DPAAcceptance.objects.exists() and not AuditLogEntry.objects.exists()


def test_the_dpa_page_says_when_no_version_is_published(client, alice):
    client.force_login(alice)
    assert b"No version of the agreement has been published" in client.get(reverse("privacy:dpa")).content
