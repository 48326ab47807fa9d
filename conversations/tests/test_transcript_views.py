"""Transcript export (JSON, CSV) and e-mail for agents, with tenancy."""

import csv
import io
import json

import pytest

from chatplatform.lib.spreadsheet import csv_safe
from conversations.services import conversation_note_add, message_post_by_agent, message_post_by_visitor


@pytest.fixture
def conversation(visitor, bob):
    first, _ = message_post_by_visitor(visitor=visitor, client_id="c1", body='=HYPERLINK("http://evil","x")')
    message_post_by_visitor(visitor=visitor, client_id="c2", body="@SUM(A1)\nsecond line")
    message_post_by_agent(agent=bob, conversation_id=first.conversation_id, client_id="a1", body="-1 +1 fine")
    conversation_note_add(
        agent=bob, conversation_id=first.conversation_id, client_id="n1", body="Internal only"
    )
    return first.conversation


def test_the_json_export_has_the_messages_and_the_notes_apart(client, bob, conversation):
    client.force_login(bob)

    response = client.get(f"/dashboard/c/{conversation.pk}/export.json")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="conversation-{conversation.pk}.json"'
    data = json.loads(response.content)
    assert [m["body"] for m in data["messages"]] == [
        '=HYPERLINK("http://evil","x")',
        "@SUM(A1)\nsecond line",
        "-1 +1 fine",
    ]
    assert [m["author"] for m in data["messages"]] == ["visitor", "visitor", "agent"]
    assert data["notes"] == [
        {"author": "Bob", "body": "Internal only", "created_at": data["notes"][0]["created_at"]}
    ]
    assert data["conversation"]["site"] == "Site A"


def test_the_csv_export_neutralises_formulas(client, bob, conversation):
    client.force_login(bob)

    response = client.get(f"/dashboard/c/{conversation.pk}/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["seq", "created_at", "author", "agent", "body"]
    bodies = [row[4] for row in rows[1:]]
    assert bodies == ['\'=HYPERLINK("http://evil","x")', "'@SUM(A1)\nsecond line", "'-1 +1 fine"]
    assert "Internal only" not in response.content.decode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (7, "7"),
    ],
)
def test_csv_safe_quotes_what_a_spreadsheet_would_run(value, expected):
    assert csv_safe(value) == expected


@pytest.mark.parametrize("path", ["export.json", "export.csv"])
def test_an_agent_of_another_site_gets_404(client, charlie, conversation, path):
    client.force_login(charlie)
    assert client.get(f"/dashboard/c/{conversation.pk}/{path}").status_code == 404


def test_exports_need_a_login(client, conversation):
    response = client.get(f"/dashboard/c/{conversation.pk}/export.json")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_emails_the_transcript_without_the_notes(
    client, bob, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/c/{conversation.pk}/email/", {"to": "customer@example.com"})

    assert response.status_code == 302 and response["Location"] == f"/dashboard/c/{conversation.pk}/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["customer@example.com"]
    assert mail.subject == "Chat transcript: Site A"
    assert "@SUM(A1)\n  second line" in mail.body and "-1 +1 fine" in mail.body and "Bob:" in mail.body
    assert "Internal only" not in mail.body
    assert mail.alternatives == []  # text only
    page = client.get(response["Location"])
    assert b"The transcript is on its way." in page.content


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "",
        "a@example.com\nBcc: victim@example.com",
        "a@example.com\r\nSubject: x",
        "a@b.c, d@e.f",
    ],
)
def test_it_refuses_a_bad_address(
    client, bob, conversation, mailoutbox, django_capture_on_commit_callbacks, address
):
    client.force_login(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/c/{conversation.pk}/email/", {"to": address}, follow=True)

    assert mailoutbox == []
    assert b"e-mail address" in response.content


def test_an_agent_of_another_site_cannot_email_a_transcript(
    client, charlie, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(charlie)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/c/{conversation.pk}/email/", {"to": "me@b.example"})
    assert response.status_code == 404
    assert mailoutbox == []


def test_emailing_needs_a_post(client, bob, conversation):
    client.force_login(bob)
    assert client.get(f"/dashboard/c/{conversation.pk}/email/").status_code == 405


def test_the_task_sends_nothing_once_the_agent_left_the_site(bob, conversation, mailoutbox):
    from accounts.models import Membership
    from conversations.tasks import conversation_transcript_email_send_task

    Membership.objects.filter(user=bob).delete()
    conversation_transcript_email_send_task(
        agent_id=bob.pk, conversation_id=conversation.pk, to="x@example.com"
    )
    assert mailoutbox == []


def test_the_e_mail_is_in_the_agents_dashboard_language(
    client, bob, conversation, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(bob)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/dashboard/c/{conversation.pk}/email/",
            {"to": "boss@example.org"},
            HTTP_ACCEPT_LANGUAGE="de",
        )

    [mail] = mailoutbox
    assert response.status_code == 302
    assert mail.subject == "Chatverlauf: Site A" and mail.body.startswith("Verlauf eines Chats auf Site A")
