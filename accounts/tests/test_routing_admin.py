"""The site's routing setting in the admin."""

import pytest

from accounts.models import Site, User


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(email="root@example.com", password="x")


def test_an_operator_switches_a_site_to_manual_routing(client, operator, site_a):
    client.force_login(operator)
    page = client.get(f"/admin/accounts/site/{site_a.pk}/change/")
    assert b'name="routing"' in page.content
    # Post the form back as the browser would, with only the routing changed.
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value not in (None, "") and not hasattr(value, "url"):
            data[name] = value
    data.update({"routing": "manual", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})

    response = client.post(f"/admin/accounts/site/{site_a.pk}/change/", data)

    assert response.status_code == 302
    assert Site.objects.get(pk=site_a.pk).routing == Site.Routing.MANUAL


def test_a_new_site_routes_round_robin(site_a):
    assert site_a.routing == Site.Routing.ROUND_ROBIN
