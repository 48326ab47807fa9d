"""The site's routing setting in the admin."""

import pytest

from accounts.models import Site, User


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="root@example.com", password="x")


def test_an_operator_switches_a_site_to_manual_routing(client, operator, site_a):
    client.force_login(operator)
    form = client.get(f"/admin/accounts/site/{site_a.pk}/change/")
    assert b'name="routing"' in form.content
    data = {
        "name": site_a.name,
        "allowed_origins": site_a.allowed_origins,
        "retention_days": site_a.retention_days,
        "ip_handling": site_a.ip_handling,
        "chat_notice_enabled": "on",
        "auto_message_delay_seconds": "20",
        "routing": "manual",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }

    response = client.post(f"/admin/accounts/site/{site_a.pk}/change/", data)

    assert response.status_code == 302
    assert Site.objects.get(pk=site_a.pk).routing == Site.Routing.MANUAL


def test_a_new_site_routes_round_robin(site_a):
    assert site_a.routing == Site.Routing.ROUND_ROBIN
