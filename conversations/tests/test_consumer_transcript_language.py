"""`transcript.request` carries the widget's language, and the e-mail is written in it."""

import pytest

from conversations.tests.test_consumers import next_of_type, open_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_the_widgets_language_reaches_the_e_mail(site_a, mailoutbox):
    from accounts.models import Site

    await Site.objects.filter(pk=site_a.pk).aupdate(prechat_email=Site.Ask.OPTIONAL)
    comm, _ = await open_session(site_a)
    await comm.send_json_to({"type": "contact", "email": "jo@example.org"})  # transcripts go only here
    await next_of_type(comm, "contact.ack")
    await comm.send_json_to({"type": "message.send", "client_id": "c1", "body": "Dobrý den"})
    ack = await next_of_type(comm, "message.ack")
    await comm.send_json_to(
        {
            "type": "transcript.request",
            "conversation": ack["message"]["conversation"],
            "email": "jo@example.org",
            "lang": "cs",
        }
    )
    await next_of_type(comm, "transcript.ack")
    await comm.disconnect()

    [mail] = mailoutbox
    assert mail.subject == "Váš chat s webem Site A"
    assert "Přepis chatu na webu Site A" in mail.body and "Dobrý den" in mail.body
