"""Canned responses in the admin: owners and admins manage their own sites' only."""

import pytest
from django.db import IntegrityError

from accounts.models import Membership, User
from conversations.models import CannedResponse

URL = "/admin/conversations/cannedresponse/"


@pytest.fixture
def staff_alice(alice):
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    alice.refresh_from_db()
    return alice


@pytest.fixture
def responses(site_a, site_b):
    return (
        CannedResponse.objects.create(site=site_a, shortcut="hello", text="Hello from A"),
        CannedResponse.objects.create(site=site_b, shortcut="hello", text="Hello from B"),
    )


def test_an_owner_sees_only_its_sites_responses(client, staff_alice, responses):
    client.force_login(staff_alice)

    listing = client.get(URL)

    assert listing.status_code == 200
    assert b"Hello from A" in listing.content and b"Hello from B" not in listing.content
    assert client.get(f"{URL}{responses[1].pk}/change/").status_code in (302, 403, 404)


def test_an_owner_adds_a_response_only_for_its_site(client, staff_alice, site_a, site_b):
    client.force_login(staff_alice)

    form = client.get(f"{URL}add/")
    assert [s.pk for s in form.context["adminform"].form.fields["site"].queryset] == [site_a.pk]
    refused = client.post(f"{URL}add/", {"site": site_b.pk, "shortcut": "x", "text": "Intrude"})
    assert refused.status_code == 200 and not CannedResponse.objects.filter(site=site_b).exists()

    client.post(f"{URL}add/", {"site": site_a.pk, "shortcut": "thanks", "text": "Thanks!"})
    created = CannedResponse.objects.get(shortcut="thanks")
    assert created.site == site_a and created.created_by == staff_alice


def test_a_plain_agent_and_another_sites_agent_have_no_access(client, bob, charlie, responses):
    for user in (bob, charlie):
        User.objects.filter(pk=user.pk).update(is_staff=True)  # is_staff grants nothing to members
    client.force_login(bob)  # an agent, not an owner or admin, of site A: no admin at all
    assert client.get(URL)["Location"].startswith("/admin/login/")
    client.force_login(charlie)
    assert client.get(URL)["Location"].startswith("/admin/login/")


def test_a_site_admin_may_manage_them(client, charlie, site_b, responses):
    Membership.objects.filter(user=charlie).update(role=Membership.Role.ADMIN)
    User.objects.filter(pk=charlie.pk).update(is_staff=True)
    client.force_login(charlie)

    listing = client.get(URL)
    assert b"Hello from B" in listing.content and b"Hello from A" not in listing.content


def test_a_superuser_sees_every_site(client, db, responses):
    root = User.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(root)
    listing = client.get(URL)
    assert b"Hello from A" in listing.content and b"Hello from B" in listing.content


def test_a_shortcut_is_unique_per_site(site_a, responses):
    with pytest.raises(IntegrityError):
        CannedResponse.objects.create(site=site_a, shortcut="hello", text="again")
