"""Nothing with personal data is cacheable (issue 12, item 4).

Observed before: dashboard pages carried no Cache-Control, so a shared or back-button cache could
keep an inbox, a transcript export or an API answer.
"""

import pytest

from conversations.services import message_post_by_visitor
from integrations.services import api_token_create


@pytest.fixture
def conversation_id(visitor):
    return message_post_by_visitor(visitor=visitor, client_id="c1", body="hello")[0].conversation_id


def test_pages_with_personal_data_are_never_stored(client, alice, site_a, conversation_id):
    client.force_login(alice)
    paths = [
        "/dashboard/",
        f"/dashboard/c/{conversation_id}/",
        f"/dashboard/c/{conversation_id}/export.json",
        f"/dashboard/c/{conversation_id}/export.csv",
        "/dashboard/account/",
        "/privacy/dpo/",
        "/admin/",
        "/admin/conversations/conversation/",
        "/accounts/login/",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 302), path
        assert "no-store" in response["Cache-Control"], path


def test_the_api_is_never_stored(client, site_a, alice, conversation_id):
    _, token = api_token_create(site=site_a, name="CRM", created_by=alice)
    for path in ("/api/v1/conversations", f"/api/v1/conversations/{conversation_id}", "/api/v1/nope"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert "no-store" in response["Cache-Control"], path
    assert "no-store" in client.get("/api/v1/conversations")["Cache-Control"]  # the 401 too


def test_the_widget_script_stays_cacheable(client, db):
    response = client.get("/widget.js")
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
