import pytest

from accounts.models import Site
from privacy.models import AuditLogEntry


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password="x-very-long-pass")


def site_form(site: Site, **changes) -> dict:
    return {
        "name": site.name,
        "allowed_origins": site.allowed_origins,
        "retention_days": site.retention_days,
        "ip_handling": site.ip_handling,
        "chat_notice_enabled": "on" if site.chat_notice_enabled else "",
        "auto_message_delay_seconds": site.auto_message_delay_seconds,
        "prechat_name": site.prechat_name,
        "prechat_email": site.prechat_email,
        "prechat_phone": site.prechat_phone,
        "theme_color": site.theme_color,
        "widget_position": site.widget_position,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        **changes,
    }


def test_the_site_page_offers_retention_presets_in_a_privacy_section(client, operator, site_a):
    client.force_login(operator)

    page = client.get(f"/admin/accounts/site/{site_a.pk}/change/").content.decode()

    assert "Privacy" in page and 'name="retention_days"' in page and 'name="ip_handling"' in page
    assert all(f'<option value="{days}"' in page for days in (14, 90, 365))


def test_privacy_changes_in_the_admin_are_audited(client, operator, site_a):
    client.force_login(operator)

    response = client.post(
        f"/admin/accounts/site/{site_a.pk}/change/",
        site_form(site_a, name="Site A renamed", retention_days="90", ip_handling="anonymised"),
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    site_a.refresh_from_db()
    assert (site_a.name, site_a.retention_days, site_a.ip_handling) == ("Site A renamed", 90, "anonymised")
    entry = AuditLogEntry.objects.get()
    assert entry.action == "settings" and entry.actor == operator and entry.site == site_a
    assert entry.details == {"retention_days": [365, 90], "ip_handling": ["off", "anonymised"]}


def test_other_changes_in_the_admin_write_no_audit_entry(client, operator, site_a):
    client.force_login(operator)

    response = client.post(f"/admin/accounts/site/{site_a.pk}/change/", site_form(site_a, name="New name"))

    assert response.status_code == 302
    assert Site.objects.get(pk=site_a.pk).name == "New name"
    assert not AuditLogEntry.objects.exists()


def test_the_admin_refuses_a_retention_out_of_range(client, operator, site_a):
    client.force_login(operator)

    response = client.post(f"/admin/accounts/site/{site_a.pk}/change/", site_form(site_a, retention_days="0"))

    assert response.status_code == 200
    assert Site.objects.get(pk=site_a.pk).retention_days == 365
    assert not AuditLogEntry.objects.exists()


def test_a_new_site_from_the_admin_keeps_its_privacy_settings_without_an_audit_entry(client, operator):
    client.force_login(operator)
    assert client.get("/admin/accounts/site/add/").status_code == 200

    response = client.post(
        "/admin/accounts/site/add/",
        {
            "name": "Shop",
            "allowed_origins": "https://shop.example",
            "retention_days": "14",
            "ip_handling": "full",
            "chat_notice_enabled": "on",
            "auto_message_delay_seconds": "20",
            "prechat_name": "off",
            "prechat_email": "optional",
            "prechat_phone": "off",
            "theme_color": "#2563eb",
            "widget_position": "right",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    site = Site.objects.get(name="Shop")
    assert (site.retention_days, site.ip_handling) == (14, "full")
    assert not AuditLogEntry.objects.exists()
