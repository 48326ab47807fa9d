"""Conversations opened while no agent is online: flagged, and e-mailed to the site's notification address.

The e-mail carries the visitor's first message and the contact data they
typed into the offline form, so that the site can answer by e-mail; it goes
through the installation's mail server (EMAIL_* settings), a sub-processor
when it is a hosted service. Without a notification address nothing is sent.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.selectors import site_online_agents
from chatplatform.limits import LimitExceeded, limit_take, setting_limit
from chatplatform.mail import mail_send, mail_tag
from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)


def _site_email_allowed(site_id: int) -> bool:
    """At most CHAT_LIMIT_SITE_EMAILS_PER_HOUR notification e-mails a site; past it the chats are
    still stored and shown in the dashboard, only the e-mail is skipped."""
    try:
        limit_take(setting_limit("site_emails"), site_id)
    except LimitExceeded:
        logger.info("offline e-mail skipped site=%s reason=site_emails_limit", site_id)
        return False
    return True


def conversation_offline_mark(*, conversation: Conversation, nobody_online: bool | None = None) -> bool:
    """Inside the transaction that opened `conversation`: flag it if nobody can answer now.

    `nobody_online=True` when the caller already knows (round-robin routing
    found no online member), which saves the presence query. Returns whether
    it was flagged; the e-mail is queued to go after commit.
    """
    if conversation.assigned_agent_id is not None:
        return False
    if nobody_online is None:
        nobody_online = not site_online_agents(site=conversation.site)
    if not nobody_online:
        return False
    Conversation.objects.filter(pk=conversation.pk).update(offline=True)
    conversation.offline = True
    if conversation.site.notification_email and _site_email_allowed(conversation.site_id):
        from conversations.tasks import conversation_offline_email_send_task

        conversation_id = conversation.pk
        transaction.on_commit(
            lambda: conversation_offline_email_send_task.delay(conversation_id=conversation_id)
        )
    return True


def conversation_offline_email_send(*, conversation_id: int) -> bool:
    """E-mail the site about an offline conversation. False if it is gone (erased, purged) or unaddressed."""
    conversation = Conversation.objects.select_related("site", "visitor").filter(pk=conversation_id).first()
    if conversation is None or not conversation.site.notification_email:
        return False
    first = conversation.messages.filter(author_type=Message.Author.VISITOR).order_by("seq").first()
    visitor, site = conversation.visitor, conversation.site
    link = settings.PUBLIC_URL + reverse("dashboard:conversation", kwargs={"pk": conversation.pk})
    # Written for the site's team in the installation's language (LANGUAGE_CODE): a Celery
    # task has no request to take a language from.
    with translation.override(settings.LANGUAGE_CODE):
        body = "\n".join(
            [
                _("A visitor of %(site)s wrote while no agent was online.") % {"site": site.name},
                "",
                _("Name: %(value)s") % {"value": visitor.name or "—"},
                _("E-mail: %(value)s") % {"value": visitor.email or "—"},
                _("Phone: %(value)s") % {"value": visitor.phone or "—"},
                "",
                _("Message:"),
                first.body if first else "",
                "",
                _("Answer in the dashboard: %(link)s") % {"link": link},
            ]
        )
        subject = _("New chat message on %(site)s") % {"site": site.name}
    # The subject holds no visitor data. Reply-To lets the site answer directly; the address was
    # validated as one line (conversations.contact), and Django refuses header newlines anyway.
    mail_send(
        subject=subject,
        body=body,
        to=[site.notification_email],
        reply_to=[visitor.email] if visitor.email else None,
        tag=mail_tag(visitor.public_id, conversation.pk),
    )
    logger.info("offline e-mail sent conversation=%s", conversation.pk)
    return True
