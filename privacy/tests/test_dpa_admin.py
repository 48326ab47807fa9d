import pytest

from conftest import PASSWORD
from privacy.models import DPAVersion, SubProcessor
from privacy.services.dpa import dpa_accept


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password=PASSWORD)


def test_an_accepted_version_is_read_only_in_the_admin(client, operator, site_a, alice, dpa_version):
    client.force_login(operator)
    url = f"/admin/privacy/dpaversion/{dpa_version.pk}/"
    assert b'name="text"' in client.get(f"{url}change/").content

    dpa_accept(site=site_a, version=dpa_version, user=alice)

    page = client.get(f"{url}change/")
    assert page.status_code == 200 and b'name="text"' not in page.content
    assert (
        client.post(
            f"{url}change/", {"version": "x", "text": "y", "effective_date": "2026-01-01"}
        ).status_code
        == 403
    )
    assert client.get(f"{url}delete/").status_code == 403
    assert DPAVersion.objects.get().version == "2026-01"


def test_acceptances_are_read_only_in_the_admin(client, operator, site_a, alice, dpa_version):
    acceptance = dpa_accept(site=site_a, version=dpa_version, user=alice)
    client.force_login(operator)
    url = f"/admin/privacy/dpaacceptance/{acceptance.pk}/"

    assert client.get("/admin/privacy/dpaacceptance/").status_code == 200
    assert client.get("/admin/privacy/dpaacceptance/add/").status_code == 403
    assert client.post(f"{url}change/", {}).status_code == 403
    assert client.get(f"{url}delete/").status_code == 403


def test_sub_processors_are_added_in_the_admin(client, operator):
    client.force_login(operator)
    response = client.post(
        "/admin/privacy/subprocessor/add/",
        {
            "name": "Hetzner Online GmbH",
            "purpose": "Server hosting",
            "data_categories": "All chat data",
            "location": "Germany",
            "transfer_mechanism": "eu",
            "active": "on",
            "added_at_0": "2026-01-01",
            "added_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302
    assert SubProcessor.objects.get().get_transfer_mechanism_display() == "Within the EU/EEA"


def test_the_site_page_shows_the_gdpr_checklist(client, operator, site_a, settings):
    settings.PRIVACY_DPO_CONTACT = "dpo@example.com"
    client.force_login(operator)

    page = client.get(f"/admin/accounts/site/{site_a.pk}/change/").content.decode()

    assert "GDPR checklist" in page and 'class="gdpr-checklist"' in page
    assert "✗ <strong>DPA accepted</strong>" in page and "✓ <strong>Retention</strong>: 365 days" in page
    assert "✓ <strong>DPO contact</strong>: dpo@example.com" in page
    assert 'name="privacy_policy_url"' in page and 'name="controller_name"' in page

    site_a.ip_handling = "full"
    site_a.save()
    page = client.get(f"/admin/accounts/site/{site_a.pk}/change/").content.decode()
    assert "⚠ <strong>IP handling</strong>: Full address" in page
