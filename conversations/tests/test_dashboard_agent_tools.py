"""The dashboard page: inbox views, assign control, notes in the thread, canned responses."""

import json

import pytest

from conversations.models import CannedResponse
from conversations.services import (
    conversation_assign,
    conversation_note_add,
    message_post_by_visitor,
    visitor_create,
)


def dashboard_config(response) -> dict:
    html = response.content.decode()
    start = html.index('id="dashboard-config"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def three_conversations(site_a, bob, alice):
    """Unassigned, Bob's, Alice's; in that order."""
    conversations = []
    for i in range(3):
        visitor, _ = visitor_create(site=site_a)
        message, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body=f"Question {i}")
        conversations.append(message.conversation)
    conversation_assign(agent=bob, conversation_id=conversations[1].pk, assignee_id=bob.pk)
    conversation_assign(agent=alice, conversation_id=conversations[2].pk, assignee_id=alice.pk)
    return conversations


@pytest.mark.parametrize(
    ("view", "expected"),
    [("open", [0, 1, 2]), ("mine", [1]), ("unassigned", [0]), ("closed", []), ("bogus", [0, 1, 2])],
)
def test_the_inbox_views_list_the_right_conversations(client, bob, three_conversations, view, expected):
    client.force_login(bob)

    response = client.get(f"/dashboard/?view={view}")

    listed = sorted(c.pk for c in response.context["conversations"])
    assert listed == sorted(three_conversations[i].pk for i in expected)


def test_the_closed_view_lists_closed_conversations(client, bob, three_conversations):
    from conversations.services import conversation_close

    conversation_close(agent=bob, conversation_id=three_conversations[0].pk)
    client.force_login(bob)

    assert [c.pk for c in client.get("/dashboard/?view=closed").context["conversations"]] == [
        three_conversations[0].pk
    ]


def test_the_conversation_page_shows_the_assign_control_and_the_notes(
    client, bob, alice, charlie, three_conversations
):
    conversation = three_conversations[1]
    conversation_note_add(agent=alice, conversation_id=conversation.pk, client_id="n1", body="Call back at 5")
    client.force_login(bob)

    response = client.get(f"/dashboard/c/{conversation.pk}/")

    html = response.content.decode()
    assert 'id="assign-select"' in html
    assert [u.pk for u in response.context["members"]] == [alice.pk, bob.pk]
    assert "Charlie" not in html
    assert 'class="note"' in html and "Call back at 5" in html
    assert [e["kind"] for e in response.context["timeline"]] == ["message", "message", "note"]


def test_the_page_lists_only_the_canned_responses_of_the_agents_sites(
    client, bob, site_a, site_b, three_conversations
):
    CannedResponse.objects.create(site=site_a, shortcut="hello", text="Hello! How can I help?")
    CannedResponse.objects.create(site=site_b, shortcut="secret", text="Site B only")
    client.force_login(bob)

    inbox = dashboard_config(client.get("/dashboard/"))
    page = dashboard_config(client.get(f"/dashboard/c/{three_conversations[0].pk}/"))

    expected = [{"shortcut": "hello", "text": "Hello! How can I help?", "site": site_a.key}]
    assert inbox["canned"] == page["canned"] == expected
