"""Visitor tokens: 256 random bits, stored only as SHA-256, never in daphne's or the app's logs."""

import base64
import hashlib
import json

import pytest
from websockets.sync.client import connect

from accounts.services import site_create
from chatplatform.lib.tokens import new_token
from conversations.models import Visitor
from conversations.services import visitor_create


def test_a_token_has_at_least_128_bits_of_randomness():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    # Every url-safe character turns up at every position: no fixed or biased parts.
    for position in range(0, 42, 7):
        assert len({t[position] for t in tokens}) == 64


@pytest.mark.django_db
def test_only_the_sha256_of_a_token_is_stored(site_a):
    visitor, token = visitor_create(site=site_a)
    row = Visitor.objects.filter(pk=visitor.pk).values().get()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(value) for value in row.values())


@pytest.mark.usefixtures("transactional_db")
def test_a_token_never_reaches_daphnes_access_log_or_the_application_log(start_daphne):
    # LOG_LEVEL=DEBUG: the application logs everything it ever would.
    server = start_daphne({"LOG_LEVEL": "DEBUG"})
    site = site_create(name="Shop", origins=["https://shop.example"])
    url = f"{server.ws_url}/ws/visitor/{site.key}/"

    def session(token: str | None = None) -> dict:
        with connect(url, origin="https://shop.example", open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
            ws.send(json.dumps({"type": "session.start", **({"token": token} if token else {})}))
            reply = json.loads(ws.recv(timeout=10))
            if reply["type"] == "session":
                ws.send(json.dumps({"type": "message.send", "client_id": "c1", "body": "hello"}))
                while json.loads(ws.recv(timeout=10))["type"] != "message.ack":
                    pass
                ws.send(json.dumps({"type": "consent", "analytics": "yes", "marketing": False}))
                while json.loads(ws.recv(timeout=10))["type"] != "error":
                    pass
            return reply

    token = session()["token"]
    assert token
    assert session(token)["token"] is None  # resumed with the token
    wrong = new_token()
    assert session(wrong)["code"] == "invalid_token"
    server.stop()

    log = server.log_path.read_text(errors="replace")
    assert "/ws/visitor/" in log  # the access log was captured
    for secret in (token, wrong, hashlib.sha256(token.encode()).hexdigest()):
        assert secret not in log
