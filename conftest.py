"""Fixtures shared by every test: the three actors and event capture.

alice owns site A, bob is an agent of site A, charlie is an agent of site B
(the "other site" in every tenancy test).
"""

import pytest
from django.core.cache import cache

from accounts.models import Membership
from accounts.services import agent_create, site_create
from conversations.services import visitor_create

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login throttling counts failures in the cache; each test starts with none."""
    cache.clear()
    yield


@pytest.fixture
def site_a(db):
    return site_create(name="Site A", origins=["https://a.example"])


@pytest.fixture
def site_b(db):
    return site_create(name="Site B", origins=["https://b.example"])


@pytest.fixture
def alice(site_a):
    return agent_create(
        site=site_a, email="alice@a.example", name="Alice", role=Membership.Role.OWNER, password=PASSWORD
    )


@pytest.fixture
def bob(site_a):
    return agent_create(
        site=site_a, email="bob@a.example", name="Bob", role=Membership.Role.AGENT, password=PASSWORD
    )


@pytest.fixture
def charlie(site_b):
    return agent_create(
        site=site_b, email="charlie@b.example", name="Charlie", role=Membership.Role.AGENT, password=PASSWORD
    )


@pytest.fixture
def visitor_and_token(site_a):
    return visitor_create(site=site_a)


@pytest.fixture
def visitor(visitor_and_token):
    return visitor_and_token[0]


@pytest.fixture
def capture_send_event_calls(monkeypatch, django_capture_on_commit_callbacks):
    """Record (group, payload) of every event that leaves after commit.

    Use inside `with django_capture_on_commit_callbacks(execute=True):` when
    the test runs in a wrapping transaction (the `db` fixture).
    """
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr("conversations.events._send", lambda group, payload: calls.append((group, payload)))
    return calls
