import logging

from celery import shared_task

from accounts.models import User
from conversations.offline import conversation_offline_email_send
from conversations.services import (
    ChatError,
    conversation_transcript_email_send,
    conversation_transcript_send_to_visitor,
)
from conversations.transcripts import transcript_confirmation_email_send

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def conversation_transcript_email_send_task(
    *, agent_id: int, conversation_id: int, to: str, lang: str | None = None
) -> None:
    """Send a transcript an agent asked for; SMTP failures (OSError) are retried with backoff."""
    agent = User.objects.filter(pk=agent_id, is_active=True).first()
    if agent is None:
        return
    try:
        conversation_transcript_email_send(agent=agent, conversation_id=conversation_id, to=to, lang=lang)
    except ChatError as exc:
        # The conversation was erased or the agent left the site meanwhile: nothing to send.
        logger.info("transcript e-mail dropped conversation=%s code=%s", conversation_id, exc.code)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def conversation_offline_email_send_task(*, conversation_id: int) -> None:
    """Tell the site about a message left while nobody was online; SMTP failures are retried."""
    conversation_offline_email_send(conversation_id=conversation_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def conversation_transcript_visitor_send_task(
    *, conversation_id: int, to: str, lang: str | None = None
) -> None:
    """Send the transcript a visitor asked for in the widget, in its language; SMTP failures are retried."""
    conversation_transcript_send_to_visitor(conversation_id=conversation_id, to=to, lang=lang)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def conversation_transcript_confirm_send_task(*, conversation_id: int, token: str, lang: str) -> bool:
    """Mail the link that confirms a transcript's address; SMTP failures are retried."""
    return transcript_confirmation_email_send(conversation_id=conversation_id, token=token, lang=lang)
