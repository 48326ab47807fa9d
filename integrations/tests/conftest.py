"""Fixtures for the API and webhooks: tokens of site A and B, and a real local receiver."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conversations.services import message_post_by_visitor
from integrations.services import api_token_create, webhook_endpoint_create

ALL_EVENTS = ["conversation.created", "conversation.closed", "message.created"]


@pytest.fixture(autouse=True)
def _receivers_on_loopback(settings):
    """The receivers here listen on 127.0.0.1 and example hosts do not resolve offline; the tests of
    the SSRF filter turn it on again (WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off by default)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture
def token_a(site_a, alice):
    return api_token_create(site=site_a, name="CRM", created_by=alice)[1]


@pytest.fixture
def token_b(site_b):
    return api_token_create(site=site_b, name="Other", created_by=None)[1]


@pytest.fixture
def api(client, token_a):
    """A test client that sends site A's token."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_a}"
    return client


@pytest.fixture
def first_message(visitor):
    return message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello, I need help")[0]


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers from `statuses`."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)

    def json(self, index: int = -1) -> dict:
        return json.loads(self.requests[index]["body"])


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/chat?src=test"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint_and_secret(site_a, receiver):
    return webhook_endpoint_create(site=site_a, url=receiver.url, events=ALL_EVENTS)


@pytest.fixture
def endpoint(endpoint_and_secret):
    return endpoint_and_secret[0]
