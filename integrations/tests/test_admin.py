import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.models import Membership
from conversations.services import message_post_by_visitor
from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from integrations.services import api_token_create, webhook_delivery_attempt, webhook_endpoint_create
from integrations.tests.conftest import ALL_EVENTS


@pytest.fixture
def staff(alice, bob, charlie, site_b):
    """alice owns A, bob is an agent of A, charlie owns B; all may log in to the admin."""
    Membership.objects.filter(user=charlie, site=site_b).update(role=Membership.Role.OWNER)
    for user in (alice, bob, charlie):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return alice, bob, charlie


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password="x-very-long-pass")


def shown_secret(response) -> str:
    page = response.content.decode()
    return re.search(r"<code>((?:cpat|whsec)_[A-Za-z0-9_-]+)</code>", page).group(1)


def test_it_shows_a_new_token_once_and_the_token_works(client, operator, site_a, first_message):
    client.force_login(operator)

    created = client.post(
        "/admin/integrations/apitoken/add/", {"site": site_a.pk, "name": "CRM"}, follow=True
    )
    token = shown_secret(created)
    again = client.get(f"/admin/integrations/apitoken/{ApiToken.objects.get().pk}/change/")

    stored = ApiToken.objects.get()
    assert stored.created_by == operator and stored.name == "CRM" and token.startswith(stored.prefix)
    assert token not in again.content.decode()
    api = client.get("/api/v1/conversations", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200 and api.json()["data"][0]["id"] == first_message.conversation_id


def test_an_owner_sees_and_creates_tokens_of_their_own_site_only(client, staff, site_a, site_b):
    alice, _, _ = staff
    mine, _ = api_token_create(site=site_a, name="Mine", created_by=alice)
    theirs, _ = api_token_create(site=site_b, name="Theirs", created_by=None)
    client.force_login(alice)

    listing = client.get("/admin/integrations/apitoken/").content.decode()
    other = client.get(f"/admin/integrations/apitoken/{theirs.pk}/change/")
    form = client.get("/admin/integrations/apitoken/add/").content.decode()
    refused = client.post("/admin/integrations/apitoken/add/", {"site": site_b.pk, "name": "Sneaky"})

    assert "Mine" in listing and "Theirs" not in listing
    assert other.status_code == 404  # as for a missing id
    assert "Site A" in form and "Site B" not in form
    assert refused.status_code == 200 and not ApiToken.objects.filter(name="Sneaky").exists()


def test_an_agent_cannot_open_the_integrations_admin(client, staff):
    _, bob, _ = staff
    client.force_login(bob)

    responses = [
        client.get(f"/admin/integrations/{model}/")
        for model in ("apitoken", "webhookendpoint", "webhookdelivery")
    ]

    # An agent has no admin at all: every page sends it to the admin's login.
    assert [r["Location"].split("?")[0] for r in responses] == ["/admin/login/"] * 3


def test_the_revoke_action_revokes_only_visible_tokens(client, staff, site_a, site_b):
    alice, _, _ = staff
    mine, _ = api_token_create(site=site_a, name="Mine", created_by=alice)
    theirs, _ = api_token_create(site=site_b, name="Theirs", created_by=None)
    client.force_login(alice)

    client.post(
        "/admin/integrations/apitoken/",
        {"action": "revoke", ACTION_CHECKBOX_NAME: [mine.pk, theirs.pk]},
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None


def test_an_owner_creates_an_endpoint_and_sees_its_secret_once(client, staff, site_a):
    alice, _, _ = staff
    client.force_login(alice)

    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {"site": site_a.pk, "url": "https://hooks.example.com/chat", "events": ALL_EVENTS, "active": "on"},
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert shown_secret(response) == endpoint.secret
    assert endpoint.events == ALL_EVENTS and endpoint.site == site_a
    page = client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert endpoint.secret not in page


def test_the_endpoint_form_refuses_private_addresses_when_disallowed(client, operator, site_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(operator)

    response = client.post(
        "/admin/integrations/webhookendpoint/add/",
        {"site": site_a.pk, "url": "http://127.0.0.1:8000/x", "events": ALL_EVENTS, "active": "on"},
    )

    assert response.status_code == 200 and "private" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_rotate_action_shows_a_new_secret(client, operator, site_a):
    endpoint, old = webhook_endpoint_create(site=site_a, url="https://hooks.example.com/", events=ALL_EVENTS)
    client.force_login(operator)

    response = client.post(
        "/admin/integrations/webhookendpoint/",
        {"action": "rotate_secret", ACTION_CHECKBOX_NAME: [endpoint.pk]},
        follow=True,
    )

    endpoint.refresh_from_db()
    assert endpoint.secret != old and shown_secret(response) == endpoint.secret


def test_an_owner_sees_deliveries_of_their_sites_only_and_can_retry(
    client, staff, site_a, site_b, receiver, visitor
):
    alice, _, charlie = staff
    webhook_endpoint_create(site=site_a, url=receiver.url, events=["message.created"])
    receiver.statuses[:] = [500]
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=6)
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "failed"

    client.force_login(charlie)
    assert (
        str(delivery.public_id)[:8] not in client.get("/admin/integrations/webhookdelivery/").content.decode()
    )
    assert (
        client.get("/admin/integrations/webhookdelivery/?status__exact=failed").context["cl"].result_count
        == 0
    )

    client.force_login(alice)
    listing = client.get("/admin/integrations/webhookdelivery/?status__exact=failed")
    assert listing.context["cl"].result_count == 1
    client.post(
        "/admin/integrations/webhookdelivery/", {"action": "retry_now", ACTION_CHECKBOX_NAME: [delivery.pk]}
    )

    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at is not None
    assert webhook_delivery_attempt(delivery_id=delivery.pk).status == "succeeded"


def test_every_integrations_admin_page_renders(client, operator, site_a, receiver, visitor):
    token, _ = api_token_create(site=site_a, name="CRM", created_by=operator)
    endpoint, _ = webhook_endpoint_create(site=site_a, url=receiver.url, events=ALL_EVENTS)
    message_post_by_visitor(visitor=visitor, client_id="c1", body="Hi")
    delivery = WebhookDelivery.objects.first()
    client.force_login(operator)

    pages = [
        "/admin/",
        "/admin/integrations/apitoken/",
        "/admin/integrations/apitoken/add/",
        f"/admin/integrations/apitoken/{token.pk}/change/",
        "/admin/integrations/webhookendpoint/",
        "/admin/integrations/webhookendpoint/add/",
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        "/admin/integrations/webhookdelivery/",
        f"/admin/integrations/webhookdelivery/{delivery.pk}/change/",
    ]

    assert [client.get(page).status_code for page in pages] == [200] * len(pages)
    assert (
        endpoint.secret
        not in client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/").content.decode()
    )


def test_an_owner_edits_an_endpoint_through_the_admin(client, staff, site_a):
    alice, _, _ = staff
    endpoint, secret = webhook_endpoint_create(
        site=site_a, url="https://hooks.example.com/a", events=ALL_EVENTS
    )
    client.force_login(alice)

    response = client.post(
        f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/",
        {"url": "https://hooks.example.com/b", "events": ["message.created"]},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        "https://hooks.example.com/b",
        ["message.created"],
        False,
    )
    assert endpoint.secret == secret
