import pytest

from conftest import PASSWORD
from conversations.services import message_post_by_visitor


def test_the_dashboard_needs_a_login(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_agent_sees_only_its_sites_conversations(client, visitor, bob, charlie):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello from A")

    client.force_login(bob)
    inbox = client.get("/dashboard/")
    assert inbox.status_code == 200 and b"Hello from A" in inbox.content
    page = client.get(f"/dashboard/c/{message.conversation_id}/")
    assert page.status_code == 200 and b"Hello from A" in page.content

    client.force_login(charlie)
    assert b"Hello from A" not in client.get("/dashboard/").content
    assert client.get(f"/dashboard/c/{message.conversation_id}/").status_code == 404


def test_the_login_form_takes_email_and_password(client, bob):
    response = client.post("/accounts/login/", {"username": "bob@a.example", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_the_widget_script_is_served_to_any_page(client, db):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "set-cookie" not in {k.lower() for k in response.headers}


def test_healthz_answers_when_the_database_does(client, db):
    assert client.get("/healthz").content == b"ok"


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/c/1/"])
def test_dashboard_pages_need_login(client, db, path):
    assert client.get(path).status_code == 302
