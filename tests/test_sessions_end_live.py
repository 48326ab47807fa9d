"""Credentials that change end every session: through a real daphne, with real sockets.

Observed before: a password change left the account's other dashboard sockets open, and a socket
of another (say stolen) session kept receiving visitor messages and its replies were delivered.
Now a password change, a reset, deactivation and removal from a site close every socket of the
user within 2 s, every other session is logged out, and the old cookie is refused at the socket.
"""

import asyncio
import time

import pytest
import websockets
from asgiref.sync import sync_to_async

from accounts.models import Membership
from conftest import PASSWORD
from tests import realtime

pytestmark = [pytest.mark.asyncio]

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def server(start_daphne, transactional_db):
    # A daphne of its own: the admin writes LogEntry rows, whose content-type ids a session-long
    # daphne caches from before the last test's flush.
    return start_daphne()


async def closed_within(socket: realtime.Socket, seconds: float) -> tuple[dict, int]:
    """The `session.ended` frame and the close code, both within `seconds`."""
    started = time.monotonic()
    ended = await socket.next("session.ended", timeout=seconds)
    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(socket.ws.recv(), seconds - (time.monotonic() - started))
    return ended, socket.ws.close_code


async def assert_refused(server, cookie: str) -> None:
    with pytest.raises(websockets.InvalidStatus):
        await websockets.connect(
            f"{server.ws_url}/ws/agent/", origin=server.url, additional_headers={"Cookie": cookie}
        )


async def test_a_password_change_closes_a_stolen_sessions_socket_and_refuses_its_cookie(server, site_a, bob):
    stolen_cookie = await sync_to_async(realtime.session_cookie)(bob)
    own_cookie = await sync_to_async(realtime.session_cookie)(bob)
    stolen = await realtime.agent(server, bob, cookie=stolen_cookie)
    visitor = await realtime.visitor(server, site_a)
    await visitor.send(type="message.send", client_id="v1", body="before the change")
    assert (await stolen.next("message.new", client_id="v1"))["message"]["body"] == "before the change"

    fields = {"form": "password", "old_password": PASSWORD, "new_password1": NEW_PASSWORD}
    fields["new_password2"] = NEW_PASSWORD
    status, own_cookie = await asyncio.to_thread(
        realtime.post_form_keeping_session, server, "/dashboard/account/", own_cookie, fields
    )
    assert status == 302

    ended, code = await closed_within(stolen, 2.0)
    assert ended == {"type": "session.ended", "reason": "password_changed"} and code == 4003
    await assert_refused(server, stolen_cookie)
    assert await asyncio.to_thread(realtime.http_status, server, "/dashboard/", stolen_cookie) == 302
    # The login that changed the password stays signed in, and its dashboard hears new messages.
    assert await asyncio.to_thread(realtime.http_status, server, "/dashboard/", own_cookie) == 200
    own = await realtime.agent(server, bob, cookie=own_cookie)
    await visitor.send(type="message.send", client_id="v2", body="after the change")
    assert (await own.next("message.new", client_id="v2"))["message"]["body"] == "after the change"
    await own.close()
    await visitor.close()


async def test_removal_from_a_site_closes_the_members_sockets_within_2_s_and_ends_its_logins(
    server, site_a, alice, bob
):
    bob_cookie = await sync_to_async(realtime.session_cookie)(bob)
    socket = await realtime.agent(server, bob, cookie=bob_cookie)
    membership = await Membership.objects.aget(user=bob, site=site_a)
    alice_cookie = await sync_to_async(realtime.session_cookie)(alice)
    path = f"/admin/accounts/membership/{membership.pk}/delete/"

    status = await asyncio.to_thread(realtime.post_form, server, path, alice_cookie, {"post": "yes"})

    assert status == 302
    ended, code = await closed_within(socket, 2.0)
    assert ended["reason"] == "membership_removed" and code == 4003
    await assert_refused(server, bob_cookie)


async def test_deactivation_by_the_operator_closes_every_socket_within_2_s(
    server, site_a, bob, django_user_model
):
    operator = await sync_to_async(django_user_model.objects.create_superuser)(
        email="ops@example.com", password=PASSWORD
    )
    laptop_cookie = await sync_to_async(realtime.session_cookie)(bob)
    phone_cookie = await sync_to_async(realtime.session_cookie)(bob)
    laptop = await realtime.agent(server, bob, cookie=laptop_cookie)
    phone = await realtime.agent(server, bob, cookie=phone_cookie)
    operator_cookie = await sync_to_async(realtime.session_cookie)(operator)
    fields = {"email": bob.email, "display_name": bob.display_name, "availability": "online"}
    fields.update(
        {"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "memberships-TOTAL_FORMS": "0"}
    )
    fields.update({"memberships-INITIAL_FORMS": "0", "language": ""})
    path = f"/admin/accounts/user/{bob.pk}/change/"

    status = await asyncio.to_thread(realtime.post_form, server, path, operator_cookie, fields)

    assert status == 302
    for socket in (laptop, phone):
        ended, code = await closed_within(socket, 2.0)
        assert ended["reason"] == "deactivated" and code == 4003
    await assert_refused(server, laptop_cookie)
