"""X-Forwarded-For is believed only from TRUSTED_PROXIES (issue 12, item 1).

Observed before: daphne ran with --proxy-headers and was reachable directly, so any client set
X-Forwarded-For: rotating it defeated login throttling (30 wrong passwords, then the right one
logged in), let an attacker lock a victim out by spoofing their address, and put attacker-chosen
values into stored visitor IPs. Now one function (chatplatform.client) decides the address.
"""

import asyncio
import itertools
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.test import Client

from accounts.models import Site
from chatplatform.lib.client_address import client_address, parse_networks
from conftest import PASSWORD
from conversations.models import Visitor
from tests import realtime

PROXY = parse_networks(["10.0.0.0/8", "2001:db8:1::/48"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("203.0.113.9", None, "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # what the client wrote is to the left
        ("10.0.0.2", "198.51.100.1, 10.0.0.3", "198.51.100.1"),  # two trusted proxies in a row
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", "10.0.0.4"),  # all trusted: the leftmost
        ("10.0.0.2", "garbage, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, garbage", "10.0.0.2"),  # a malformed hop ends the walk
        ("10.0.0.2", "[2001:db8:2::5]:4711", "2001:db8:2::5"),
        ("10.0.0.2", "198.51.100.1:4711", "198.51.100.1"),
        ("::ffff:10.0.0.2", "198.51.100.1", "198.51.100.1"),  # IPv4-mapped peers are IPv4
        ("2001:db8:1::7", "2001:db8:9::1", "2001:db8:9::1"),
        (None, "198.51.100.1", None),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(peer, forwarded_for, expected):
    assert client_address(peer=peer, forwarded_for=forwarded_for, trusted=PROXY) == expected


def test_no_proxy_is_trusted_by_default(settings):
    assert settings.TRUSTED_PROXIES == [] and settings.TRUSTED_PROXY_NETWORKS == ()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login_attempts(server, email: str, passwords, forwarded_for) -> list[int]:
    """POST the login form through daphne once per password, each with the next X-Forwarded-For."""
    statuses = []
    for password, spoofed in zip(passwords, forwarded_for, strict=False):
        page = urllib.request.urlopen(f"{server.url}/accounts/login/", timeout=10)
        csrf = re.search(r"csrftoken=([^;]+)", page.headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": email, "password": password})
        headers = {"Cookie": f"csrftoken={csrf}", "X-Forwarded-For": spoofed}
        request = urllib.request.Request(f"{server.url}/accounts/login/", data=body.encode(), headers=headers)
        try:
            statuses.append(
                urllib.request.build_opener(realtime._NoRedirect).open(request, timeout=10).status
            )
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_rotating_x_forwarded_for_does_not_get_around_login_throttling(start_daphne, bob):
    server = start_daphne()
    addresses = (f"198.51.100.{i}" for i in itertools.count(1))
    wrong = login_attempts(server, bob.email, ["wrong"] * 6, addresses)  # LOGIN_FAILURE_LIMIT is 5
    right = login_attempts(server, bob.email, [PASSWORD], addresses)
    assert wrong == [200] * 6 and right == [200]  # refused again: the form, not the redirect


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_proxy_each_client_address_is_counted_on_its_own(start_daphne, bob):
    server = start_daphne({"TRUSTED_PROXIES": "127.0.0.1/32"})
    locked = login_attempts(server, bob.email, ["wrong"] * 6, ["198.51.100.1"] * 6)
    elsewhere = login_attempts(server, bob.email, [PASSWORD], ["198.51.100.2"])
    assert locked == [200] * 6 and elsewhere == [302]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_visitor_cannot_choose_the_ip_address_stored_for_it(start_daphne, site_a):
    await Site.objects.filter(pk=site_a.pk).aupdate(ip_handling=Site.IpHandling.FULL)
    for trusted, expected in (("", "127.0.0.1"), ("127.0.0.1/32", "198.51.100.77")):
        server = await sync_to_async(start_daphne)({"TRUSTED_PROXIES": trusted})
        async with websockets.connect(
            f"{server.ws_url}/ws/visitor/{site_a.key}/",
            origin=realtime.SITE_A_ORIGIN,
            additional_headers={"X-Forwarded-For": "198.51.100.77"},
        ) as raw:
            ws = realtime.Socket(raw)
            await ws.next("welcome")
            await ws.send(type="session.start")
            public_id = (await ws.next("session"))["visitor"]["id"]
        stored = await Visitor.objects.aget(public_id=public_id)
        assert stored.ip_address == expected, trusted
        await asyncio.sleep(0)


def test_x_forwarded_proto_is_believed_only_from_a_trusted_proxy(settings, bob):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()
    spoofed = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="203.0.113.9")
    assert spoofed.status_code == 301  # still plain http: redirected to https
    settings.TRUSTED_PROXY_NETWORKS = parse_networks(["10.0.0.0/8"])
    proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="10.0.0.2")
    assert proxied.status_code == 200
