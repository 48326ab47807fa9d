import pytest

from conversations.services import message_post_by_visitor


@pytest.fixture
def operator(django_user_model, db):
    return django_user_model.objects.create_superuser(email="ops@example.com", password="x-very-long-pass")


def test_the_operator_sees_sites_agents_and_read_only_conversations(client, operator, visitor, alice):
    message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body="Hello admin")
    client.force_login(operator)

    for path in [
        "/admin/accounts/site/",
        "/admin/accounts/user/",
        "/admin/conversations/conversation/",
        f"/admin/accounts/site/{visitor.site_id}/change/",
        f"/admin/accounts/user/{alice.pk}/change/",
    ]:
        assert client.get(path).status_code == 200, path
    page = client.get(f"/admin/conversations/conversation/{message.conversation_id}/change/")
    assert page.status_code == 200 and b"Hello admin" in page.content
    assert b'name="status"' not in page.content and b'name="body"' not in page.content
    assert client.get("/admin/conversations/conversation/add/").status_code == 403
    assert (
        client.get(f"/admin/conversations/conversation/{message.conversation_id}/delete/").status_code == 403
    )


def test_the_site_page_shows_the_embed_snippet(client, operator, site_a):
    client.force_login(operator)
    page = client.get(f"/admin/accounts/site/{site_a.pk}/change/")
    assert f'data-site-key="{site_a.key}"'.encode() in page.content.replace(b"&quot;", b'"')


def test_agents_who_are_not_operators_are_kept_out_of_the_admin(client, bob):
    client.force_login(bob)
    response = client.get("/admin/conversations/conversation/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
