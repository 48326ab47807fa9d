"""Deleting a site is an erasure of everything it holds, refused while a legal hold exists.

The admin's delete page (SiteAdmin) and `manage.py delete_site` call these and nothing else.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Membership, Site, User
from accounts.services import agent_sockets_close
from chatplatform.mail import stored_mail_delete
from conversations.events import send_event_on_commit, site_widgets_group
from conversations.models import Conversation, Message, Visitor
from privacy.models import AuditLogEntry, DataSubjectRequest, SubjectExport
from privacy.services.audit import audit_record
from privacy.services.subjects import export_files_delete, subject_rows_delete, visitors_delete

BATCH_SIZE = 500


class SiteDeletionRefused(Exception):
    """A legal hold keeps the site; `reasons` are shown to whoever asked."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def site_legal_holds(*, site: Site) -> list[str]:
    """Why the site's data must be kept now: restricted visitors (Art. 18), open data-subject requests."""
    reasons = []
    restricted = Visitor.objects.filter(site=site, processing_restricted=True).count()
    if restricted:
        reasons.append(
            ngettext(
                "%(count)d visitor has restricted processing (Art. 18 GDPR): lift the restriction first.",
                "%(count)d visitors have restricted processing (Art. 18 GDPR): lift the restrictions first.",
                restricted,
            )
            % {"count": restricted}
        )
    open_requests = DataSubjectRequest.objects.filter(
        site=site, status=DataSubjectRequest.Status.OPEN
    ).count()
    if open_requests:
        reasons.append(
            ngettext(
                "%(count)d data-subject request is open: answer it on the DPO page first.",
                "%(count)d data-subject requests are open: answer them on the DPO page first.",
                open_requests,
            )
            % {"count": open_requests}
        )
    return reasons


def site_deletion_counts(*, site: Site) -> dict[str, int]:
    """What `site_delete` would erase, for its confirmation page and dry runs."""
    return {
        "visitors": Visitor.objects.filter(site=site).count(),
        "conversations": Conversation.objects.filter(site=site).count(),
        "messages": Message.objects.filter(conversation__site=site).count(),
        "exports": SubjectExport.objects.filter(site=site, downloaded_at__isnull=True).count(),
        "members": Membership.objects.filter(site=site).count(),
    }


def site_delete(*, site: Site, requested_by: User | None) -> dict[str, int]:
    """Erase the site and everything it holds; return the counts. Raises SiteDeletionRefused on a hold.

    In one transaction:
    1. Lock the site row and check the legal holds (`site_legal_holds`).
    2. In batches of visitors: delete their conversations and messages, then the visitors, with the
       same functions as `data_subject_erase` (notes and consent records cascade).
    3. Delete the site's pending exports; their ZIP files go after commit, with the copies of
       mails about its visitors this server keeps (chatplatform.mail).
    4. Delete the site: memberships, canned responses, notice versions, data-subject requests,
       API tokens and webhooks cascade. Audit entries and DPA acceptances stay, with the site
       cleared (SET NULL); acceptances keep the site's name in `site_label`.
    5. Write a "site_delete" audit entry with the counts and the site's key and name.
    After commit:
    6. The site's widget sockets end (`session.ended`, reason "site_deleted"), and every member's
       dashboard sockets close, so that they rejoin their remaining sites only.
    """
    with transaction.atomic():
        # 1.
        site = Site.objects.select_for_update().get(pk=site.pk)
        reasons = site_legal_holds(site=site)
        if reasons:
            raise SiteDeletionRefused(reasons)
        site_pk, key, name = site.pk, site.key, site.name
        member_ids = list(Membership.objects.filter(site=site).values_list("user_id", flat=True))
        counts = {"visitors": 0, "conversations": 0, "messages": 0}
        # 2.
        public_ids: list = []
        while batch := list(Visitor.objects.filter(site=site).values_list("pk", "public_id")[:BATCH_SIZE]):
            visitor_ids = [pk for pk, _public_id in batch]
            public_ids += [public_id for _pk, public_id in batch]
            conversation_ids = list(
                Conversation.objects.filter(visitor_id__in=visitor_ids).values_list("pk", flat=True)
            )
            messages, conversations = subject_rows_delete(conversation_ids=conversation_ids)
            counts["messages"] += messages
            counts["conversations"] += conversations
            counts["visitors"] += visitors_delete(visitor_ids=visitor_ids)
        # 3.
        exports = SubjectExport.objects.filter(site=site)
        export_files = list(exports.filter(downloaded_at__isnull=True).values_list("file_name", flat=True))
        exports.delete()
        transaction.on_commit(lambda: export_files_delete(export_files))
        transaction.on_commit(lambda: stored_mail_delete(public_ids=public_ids))
        counts["exports"] = len(export_files)
        counts["members"] = len(member_ids)
        # 4.
        site.delete()
        # 5.
        audit_record(
            action=AuditLogEntry.Action.SITE_DELETE,
            actor=requested_by,
            site=None,
            details={**counts, "site_key": key, "site_name": name},
        )
        # 6.
        send_event_on_commit(site_widgets_group(site_pk), {"type": "session.ended", "reason": "site_deleted"})
        for user_id in member_ids:
            agent_sockets_close(agent_id=user_id, reason="site_deleted")
    return counts


def site_deletion_refusal_text(reasons: list[str]) -> str:
    return _("The site cannot be deleted now: %(reasons)s") % {"reasons": " ".join(reasons)}
