"""Team management by the site's owner in the admin: invitations, roles, removal, all audited."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Membership, User
from conversations.events import agent_group
from privacy.models import AuditLogEntry

INVITE = "/admin/accounts/membership/add/"
NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def owner_client(alice):
    client = Client()
    client.force_login(alice)
    return client


def invitation_link(message) -> str:
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_an_owner_reaches_the_admin_with_no_permission_ticked(owner_client, alice):
    assert not alice.is_staff and not alice.user_permissions.exists()
    for path in ("/admin/", "/admin/accounts/site/", INVITE, "/admin/integrations/apitoken/add/"):
        assert owner_client.get(path).status_code == 200, path


def test_an_invited_agent_sets_a_password_through_a_one_time_link_and_lands_in_the_dashboard(
    owner_client, alice, site_a, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_URL = "https://chat.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            INVITE, {"site": site_a.pk, "email": "Dana@Example.org", "role": "agent"}
        )

    assert response.status_code == 302
    dana = User.objects.get(email="dana@example.org")
    assert not dana.has_usable_password()
    assert Membership.objects.get(user=dana, site=site_a).role == "agent"
    (message,) = mail.outbox
    assert message.to == ["dana@example.org"] and "Site A" in message.subject
    link = invitation_link(message)
    assert link.startswith("https://chat.example.com/accounts/invitation/")
    entry = AuditLogEntry.objects.get(action="team")
    assert entry.actor == alice and entry.site == site_a
    assert entry.details == {"change": "invited", "member": dana.pk, "role": "agent", "new_account": True}
    assert "dana" not in str(entry.details).lower()  # the member by id, never by address

    invitee = Client()
    form_page = invitee.get(path_of(link), follow=True)
    assert form_page.status_code == 200 and b'name="new_password1"' in form_page.content
    accepted = invitee.post(
        form_page.redirect_chain[-1][0],
        {"display_name": "Dana", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert accepted.status_code == 302 and accepted["Location"] == "/dashboard/"
    assert invitee.get("/dashboard/").status_code == 200
    dana.refresh_from_db()
    assert dana.display_name == "Dana" and dana.check_password(NEW_PASSWORD)

    again = Client().get(path_of(link), follow=True)  # one time only
    assert b'name="new_password1"' not in again.content and b"does not work any more" in again.content


def test_an_invitation_link_expires(owner_client, site_a, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(INVITE, {"site": site_a.pk, "email": "late@example.org", "role": "agent"})
    link = invitation_link(mail.outbox[0])
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is now older than the timeout

    page = Client().get(path_of(link), follow=True)

    assert b'name="new_password1"' not in page.content


def test_inviting_an_existing_account_adds_it_and_sends_a_notice_without_a_link(
    owner_client, site_a, charlie, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(INVITE, {"site": site_a.pk, "email": charlie.email, "role": "agent"})

    assert Membership.objects.filter(user=charlie, site=site_a).exists()
    (message,) = mail.outbox
    assert "/accounts/invitation/" not in message.body and "/dashboard/" in message.body
    charlie.refresh_from_db()
    assert charlie.check_password("correct horse battery staple")  # nothing of the account changed


def test_an_owner_changes_a_role_and_it_is_audited(owner_client, alice, bob, site_a):
    membership = Membership.objects.get(user=bob, site=site_a)

    response = owner_client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "admin"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "admin"
    entry = AuditLogEntry.objects.get(action="team")
    assert entry.details == {"change": "role", "member": bob.pk, "role": ["agent", "admin"]}


def test_the_last_owner_can_be_neither_demoted_nor_removed(owner_client, alice, site_a):
    membership = Membership.objects.get(user=alice, site=site_a)

    demoted = owner_client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "agent"})
    removed = owner_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert demoted.status_code == 200 and b"needs an owner" in demoted.content
    assert removed.status_code == 200 and b"last owner" in removed.content
    membership.refresh_from_db()
    assert membership.role == "owner"


def test_removing_a_member_ends_its_logins_and_is_audited(
    owner_client, alice, bob, site_a, capture_send_event_calls, django_capture_on_commit_callbacks
):
    bob_client = Client()
    bob_client.force_login(bob)
    membership = Membership.objects.get(user=bob, site=site_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert (
        agent_group(bob.pk),
        {"type": "session.ended", "reason": "membership_removed", "session": None},
    ) in (capture_send_event_calls)
    assert bob_client.get("/dashboard/").status_code == 302  # logged out
    entry = AuditLogEntry.objects.get(action="team")
    assert entry.details == {"change": "removed", "member": bob.pk, "role": "agent"}


def test_an_admin_invites_agents_and_removes_agents_only(
    client, site_a, alice, bob, django_capture_on_commit_callbacks
):
    from accounts.services import agent_create

    eve = agent_create(site=site_a, email="eve@a.example", name="Eve", role="admin", password="x-long-pass-1")
    client.force_login(eve)
    page = client.get(INVITE).content.decode()
    assert '<option value="agent"' in page and '<option value="owner"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(INVITE, {"site": site_a.pk, "email": "new@a.example", "role": "agent"}).status_code
            == 302
        )
    bob_membership = Membership.objects.get(user=bob, site=site_a)
    alice_membership = Membership.objects.get(user=alice, site=site_a)
    assert (
        client.post(f"/admin/accounts/membership/{bob_membership.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )
    assert client.get(f"/admin/accounts/membership/{alice_membership.pk}/delete/").status_code == 403
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()
    assert Membership.objects.filter(pk=alice_membership.pk).exists()


def test_a_pending_invitation_can_be_sent_again(owner_client, site_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(INVITE, {"site": site_a.pk, "email": "slow@example.org", "role": "agent"})
    membership = Membership.objects.get(user__email="slow@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            "/admin/accounts/membership/",
            {"action": "resend_invitation", "_selected_action": [membership.pk]},
        )

    assert len(mail.outbox) == 2 and invitation_link(mail.outbox[1])


def test_agents_get_no_admin_even_with_staff_ticked(client, bob):
    User.objects.filter(pk=bob.pk).update(is_staff=True)
    bob.refresh_from_db()
    response = client.post(
        "/admin/login/", {"username": bob.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 200 and b"no access to the administration" in response.content


def test_a_member_of_one_site_finds_it_preselected_in_add_forms(owner_client, site_a, site_b):
    for path in (INVITE, "/admin/integrations/apitoken/add/", "/admin/conversations/cannedresponse/add/"):
        page = owner_client.get(path).content.decode()
        assert f'<option value="{site_a.pk}" selected>' in page, path
        assert f'value="{site_b.pk}"' not in page
