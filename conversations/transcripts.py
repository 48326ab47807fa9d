"""Transcripts to an address the visitor did not give in a form wait for a confirmation link.

Without this, the widget would be an open mail relay: anyone could have the server mail any
text to any address. So `transcript.request` sends at once only to the address of the contact
or offline form; for any other address a link goes there first, with a fixed text that holds
nothing the requester wrote, and the transcript follows only when someone with access to that
mailbox confirms. The link carries a random token (its SHA-256 is stored, never the token) and
works once, for TRANSCRIPT_CONFIRM_HOURS.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from chatplatform.lib.tokens import hash_token, new_token
from chatplatform.mail import mail_send, mail_tag
from conversations.models import Conversation

TRANSCRIPT_CONFIRM_HOURS = 24


def transcript_confirmation_create(*, conversation: Conversation, to: str) -> str:
    """Store the pending address with the hash of a new token; returns the token (for the mail only)."""
    token = new_token()
    Conversation.objects.filter(pk=conversation.pk).update(
        transcript_confirm_email=to,
        transcript_confirm_token_hash=hash_token(token),
        transcript_confirm_expires_at=timezone.now() + timedelta(hours=TRANSCRIPT_CONFIRM_HOURS),
    )
    return token


def transcript_confirmation_take(*, token: str) -> tuple[Conversation, str] | None:
    """The conversation and address a valid token confirms, cleared so it works once; else None."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .select_related("site", "visitor")
            .filter(
                transcript_confirm_token_hash=hash_token(token),
                transcript_confirm_expires_at__gt=timezone.now(),
            )
            .first()
        )
        if conversation is None:
            return None
        to = conversation.transcript_confirm_email
        Conversation.objects.filter(pk=conversation.pk).update(
            transcript_confirm_email="", transcript_confirm_token_hash="", transcript_confirm_expires_at=None
        )
    return conversation, to


def transcript_confirmation_email_send(*, conversation_id: int, token: str, lang: str) -> bool:
    """Mail the confirmation link to the pending address; False if the conversation or request is gone."""
    conversation = (
        Conversation.objects.select_related("site", "visitor")
        .filter(pk=conversation_id, transcript_confirm_token_hash=hash_token(token))
        .first()
    )
    if conversation is None:
        return False
    link = settings.PUBLIC_URL + reverse("transcript-confirm", kwargs={"token": token}) + f"?lang={lang}"
    context = {"site_name": conversation.site.name, "link": link, "hours": TRANSCRIPT_CONFIRM_HOURS}
    with translation.override(lang):
        subject = render_to_string("conversations/email/transcript_confirm_subject.txt", context).strip()
        body = render_to_string("conversations/email/transcript_confirm.txt", context)
    mail_send(
        subject=subject,
        body=body,
        to=[conversation.transcript_confirm_email],
        tag=mail_tag(conversation.visitor.public_id, conversation.pk),
    )
    return True
