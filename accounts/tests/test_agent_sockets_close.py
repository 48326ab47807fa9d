"""Agent sockets close within seconds of logout, removal from a site or deactivation."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import Membership
from accounts.services import agent_deactivate, membership_remove, session_ref
from chatplatform.asgi import application
from conversations.events import agent_group, site_agents_group, site_widgets_group
from conversations.tests.test_consumers import drain, next_of_type, open_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def open_agent_with(client: Client, *, welcome: bool = True):
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie.encode())]
    comm = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, _ = await comm.connect()
    assert connected
    if welcome:
        assert (await comm.receive_json_from())["type"] == "welcome"
    return comm


async def assert_closed_for(comm, reason: str) -> None:
    ended = await next_of_type(comm, "session.ended")
    assert ended == {"type": "session.ended", "reason": reason}  # no session reference leaks
    assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 4003}


async def test_it_closes_the_socket_of_a_login_when_it_logs_out(bob):
    client = await sync_to_async(logged_in_client)(bob)
    comm = await open_agent_with(client)
    await sync_to_async(client.logout)()
    await assert_closed_for(comm, "logout")
    await comm.wait()


async def test_it_keeps_the_sockets_of_the_agents_other_logins_open(bob):
    laptop, phone = await sync_to_async(logged_in_client)(bob), await sync_to_async(logged_in_client)(bob)
    laptop_socket, phone_socket = await open_agent_with(laptop), await open_agent_with(phone)
    await sync_to_async(phone.logout)()
    await assert_closed_for(phone_socket, "logout")
    await laptop_socket.send_json_to({"type": "presence", "availability": "away"})
    frames = await drain(laptop_socket)
    assert "session.ended" not in [f["type"] for f in frames]
    assert {"type": "presence", "availability": "away"} in frames
    await laptop_socket.disconnect()


async def test_it_logs_out_through_the_logout_view_too(bob):
    client = await sync_to_async(logged_in_client)(bob)
    comm = await open_agent_with(client)
    response = await sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302
    await assert_closed_for(comm, "logout")


async def test_after_removal_from_a_site_the_agent_hears_nothing_more_of_it(site_a, site_b, alice, bob):
    await Membership.objects.acreate(user=bob, site=site_b, role=Membership.Role.AGENT)
    client = await sync_to_async(logged_in_client)(bob)
    comm = await open_agent_with(client)
    membership = await Membership.objects.select_related("site").aget(user=bob, site=site_a)
    await sync_to_async(membership_remove)(membership=membership)
    await assert_closed_for(comm, "membership_removed")

    # Removal ends the agent's logins: the old cookie is refused at the handshake ...
    refused = WebsocketCommunicator(application, "/ws/agent/", headers=comm.scope["headers"])
    assert not (await refused.connect())[0]
    # ... and after signing in again the dashboard belongs to site B only.
    await bob.arefresh_from_db()
    again = await open_agent_with(await sync_to_async(logged_in_client)(bob), welcome=False)
    welcome = await again.receive_json_from()
    assert [s["key"] for s in welcome["sites"]] == [site_b.key]
    await drain(again)
    visitor, _ = await open_conversation(site_a, body="Anyone from site A?")
    assert [f for f in await drain(again, timeout=0.5) if f["type"] == "message.new"] == []
    await visitor.disconnect()
    await again.disconnect()


async def test_it_closes_the_sockets_of_a_deactivated_agent_and_refuses_it_afterwards(bob):
    client = await sync_to_async(logged_in_client)(bob)
    comm = await open_agent_with(client)
    await sync_to_async(agent_deactivate)(agent=bob)
    await assert_closed_for(comm, "deactivated")
    again = WebsocketCommunicator(application, "/ws/agent/", headers=comm.scope["headers"])
    assert not (await again.connect())[0]


def test_membership_remove_tells_the_agent_and_the_sites_presence(
    site_a, bob, capture_send_event_calls, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(user=bob, site=site_a)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert [group for group, _ in capture_send_event_calls] == [
        agent_group(bob.pk),
        site_widgets_group(site_a.pk),
        site_agents_group(site_a.pk),
    ]
    assert capture_send_event_calls[0][1] == {
        "type": "session.ended",
        "reason": "membership_removed",
        "session": None,
    }


def test_session_ref_hides_the_session_key():
    assert session_ref(None) is None
    assert len(session_ref("abc")) == 32 and "abc" not in session_ref("abc")


# --- The admin goes through the services ------------------------------------------------


def admin_post_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or name == "password":
            continue
        widget = field.widget
        if hasattr(widget, "decompress"):  # e.g. the date and time boxes of date_joined
            for i, part in enumerate(widget.decompress(value)):
                data[f"{form[name].html_name}_{i}"] = str(part)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for field in formset.management_form:
            data[field.html_name] = str(field.value())
        for sub in formset.forms:
            for name in sub.fields:
                value = sub[name].value()
                if value not in (None, False):
                    data[sub[name].html_name] = "on" if value is True else str(value)
    return data


@pytest.fixture
def superuser_client(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client = Client()
    client.force_login(alice)
    return client


def test_removing_a_team_member_in_the_admin_closes_the_agents_sockets(
    superuser_client, bob, site_a, capture_send_event_calls
):
    membership = Membership.objects.get(user=bob, site=site_a)
    response = superuser_client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=bob, site=site_a).exists()
    assert (
        agent_group(bob.pk),
        {"type": "session.ended", "reason": "membership_removed", "session": None},
    ) in (capture_send_event_calls)


def test_deactivating_a_user_in_the_admin_closes_its_sockets(superuser_client, bob, capture_send_event_calls):
    url = f"/admin/accounts/user/{bob.pk}/change/"
    data = admin_post_data(superuser_client.get(url))
    del data["is_active"]
    response = superuser_client.post(url, data)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_active is False
    assert (agent_group(bob.pk), {"type": "session.ended", "reason": "deactivated", "session": None}) in (
        capture_send_event_calls
    )
