"""Data-subject rights (Art. 15-18, 20 GDPR): search, export, rectify, restrict, erase.

One function per rule. The DPO pages, the admin actions, the management
commands and any task call these and nothing else. Every change writes its
audit entry inside the same transaction; the entry names the subject only by
`subject_ref` and carries counts or field names, never the data itself.
"""

import json
import re
import secrets
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import CharField, Count, Prefetch, Q, Value
from django.db.models.functions import Replace
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Site, User
from chatplatform.mail import stored_mail_delete
from conversations.events import send_event_on_commit, site_agents_group, visitor_group
from conversations.models import Conversation, ConversationNote, Message, Visitor
from privacy.models import AuditLogEntry, ConsentRecord, DataSubjectRequest, SubjectExport
from privacy.services.audit import audit_record, subject_ref_for

SEARCH_LIMIT = 50
EXPORT_FORMAT_VERSION = 2  # 2: notes, consent records, notice shown, visit context
# Characters people put in phone numbers; the search compares what is left (the digits).
_PHONE_PUNCTUATION = " -+()./"
_DIGITS_MIN = 4


class ExportUnavailable(Exception):
    """The export cannot be handed out (any more); `message` is shown to the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Search ---------------------------------------------------------------


def _digits_only(field: str):
    expression = field
    for char in _PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""), output_field=CharField())
    return expression


def data_subject_search(*, site: Site, query: str) -> list[Visitor]:
    """Visitors of `site` matching `query`, newest first, at most SEARCH_LIMIT.

    Matches the exact public id (a UUID), the e-mail address (case-insensitive,
    whole address), the phone number (digits only, so "+49 30 1234" finds
    "+49-30-1234"; at least 4 digits) or part of the name. Never another site's.
    """
    # NUL can be in no stored value, and PostgreSQL refuses it in a query: drop it.
    query = (query or "").replace("\x00", "").strip()
    if not query:
        return []
    visitors = Visitor.objects.filter(site=site).select_related("site")
    try:
        return list(visitors.filter(public_id=uuid.UUID(query)))
    except ValueError:
        pass
    condition = Q(email__iexact=query) | Q(name__icontains=query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= _DIGITS_MIN:
        visitors = visitors.annotate(phone_digits=_digits_only("phone"))
        condition |= Q(phone_digits=digits)
    return list(visitors.filter(condition).order_by("-last_seen_at", "-pk")[:SEARCH_LIMIT])


def data_subject_counts(*, visitor: Visitor) -> dict[str, int]:
    """What an erasure would delete (shown on the confirmation pages and the dry run)."""
    conversations = Conversation.objects.filter(visitor=visitor).aggregate(
        conversations=Count("pk", distinct=True), messages=Count("messages", distinct=True)
    )
    return {
        "visitors": 1,
        "conversations": conversations["conversations"],
        "messages": conversations["messages"],
        "exports": SubjectExport.objects.filter(
            subject_ref=subject_ref_for(visitor), downloaded_at__isnull=True
        ).count(),
        "requests": DataSubjectRequest.objects.filter(visitor=visitor).count(),
    }


# --- Export (Art. 15, 20) ---------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _notice_shown(conversation: Conversation) -> dict[str, Any] | None:
    notice = conversation.notice_version
    if notice is None:
        return None
    language = conversation.notice_language or "en"
    return {
        "version": notice.version,
        "language": language,
        "text": notice.texts.get(language, ""),
        "link": notice.link,
    }


def data_subject_export(*, visitor: Visitor) -> dict[str, Any]:
    """Everything held about `visitor`, as JSON-serialisable data. The only export function.

    Covers the visitor record (contact data, IP address when stored, dates,
    the restriction flag), every conversation with every message in order
    and the agents' internal notes on it,
    and the data-subject requests about them. Agents appear by their public
    display name only, as the visitor saw them.
    """
    conversations = (
        Conversation.objects.filter(visitor=visitor)
        .select_related("assigned_agent", "notice_version")
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.select_related("author_agent").order_by("seq")),
            Prefetch(
                "notes",
                queryset=ConversationNote.objects.select_related("author").order_by("created_at", "pk"),
            ),
        )
        .order_by("created_at", "pk")
    )
    requests = DataSubjectRequest.objects.filter(visitor=visitor).order_by("received_at", "pk")
    return {
        "metadata": {
            "format_version": EXPORT_FORMAT_VERSION,
            "generated_at": timezone.now().isoformat(),
            "site": {"name": visitor.site.name},
        },
        "visitor": {
            "id": str(visitor.public_id),
            "name": visitor.name,
            "email": visitor.email,
            "phone": visitor.phone,
            "ip_address": visitor.ip_address,
            "created_at": _iso(visitor.created_at),
            "last_seen_at": _iso(visitor.last_seen_at),
            "processing_restricted": visitor.processing_restricted,
            "visit_context": visitor.context or {},
        },
        "conversations": [
            {
                "id": conv.pk,
                "status": conv.status,
                "assigned_agent": conv.assigned_agent.public_name if conv.assigned_agent_id else None,
                "created_at": _iso(conv.created_at),
                "last_message_at": _iso(conv.last_message_at),
                "closed_at": _iso(conv.closed_at),
                "privacy_notice_shown": _notice_shown(conv),
                "messages": [
                    {
                        "seq": msg.seq,
                        "author": msg.author_type,
                        "agent": msg.author_agent.public_name if msg.author_agent_id else None,
                        "body": msg.body,
                        "created_at": _iso(msg.created_at),
                    }
                    for msg in conv.messages.all()
                ],
                # The agents' internal notes: about the visitor, so theirs to see too.
                "notes": [
                    {
                        "agent": note.author.public_name if note.author_id else None,
                        "body": note.body,
                        "created_at": _iso(note.created_at),
                    }
                    for note in conv.notes.all()
                ],
            }
            for conv in conversations
        ],
        "consent": [
            {
                "analytics": rec.analytics,
                "marketing": rec.marketing,
                "notice_version": rec.notice_version.version if rec.notice_version_id else None,
                "recorded_at": _iso(rec.created_at),
            }
            for rec in ConsentRecord.objects.filter(visitor=visitor)
            .select_related("notice_version")
            .order_by("created_at", "pk")
        ],
        "requests": [
            {
                "kind": req.kind,
                "status": req.status,
                "received_at": _iso(req.received_at),
                "due_at": _iso(req.due_at),
                "completed_at": _iso(req.completed_at),
                "note": req.note,
            }
            for req in requests
        ],
    }


def _export_counts(data: dict[str, Any]) -> dict[str, int]:
    return {
        "conversations": len(data["conversations"]),
        "messages": sum(len(c["messages"]) for c in data["conversations"]),
        "requests": len(data["requests"]),
    }


def _export_path(file_name: str) -> Path:
    return Path(settings.PRIVACY_EXPORT_ROOT) / file_name


def export_files_delete(file_names: list[str]) -> None:
    """Remove export ZIPs from PRIVACY_EXPORT_ROOT; call it after commit (on_commit)."""
    for name in file_names:
        _export_path(name).unlink(missing_ok=True)


def _complete_request(request: DataSubjectRequest | None, *, visitor: Visitor, actor: User) -> None:
    if request is None:
        return
    if request.site_id != visitor.site_id:
        raise ValueError("The request belongs to another site.")
    request.status = DataSubjectRequest.Status.DONE
    request.completed_at = timezone.now()
    request.handled_by = request.handled_by or actor
    request.subject_ref = request.subject_ref or subject_ref_for(visitor)
    request.save(update_fields=["visitor", "status", "completed_at", "handled_by", "subject_ref"])


def subject_export_create(
    *, visitor: Visitor, requested_by: User, request: DataSubjectRequest | None = None
) -> SubjectExport:
    """Write a ZIP (data.json and data.html) under PRIVACY_EXPORT_ROOT and record it.

    0. Delete exports whose links expired unused (`subject_export_prune_expired`).
    1. Build the data with `data_subject_export` and render the readable page.
    2. Write the ZIP under a random name (owner-only permissions).
    3. In one transaction: the SubjectExport row (expires after
       PRIVACY_EXPORT_LINK_HOURS), the audit entry with counts, and the request
       marked done. If that fails, the file is removed again.
    The file leaves only through `subject_export_take` (the one-time link).
    """
    subject_export_prune_expired()
    data = data_subject_export(visitor=visitor)
    html = render_to_string("privacy/export.html", {"data": data})
    root = Path(settings.PRIVACY_EXPORT_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    file_name = f"{secrets.token_hex(16)}.zip"
    path = _export_path(file_name)
    path.touch(mode=0o600)
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
            archive.writestr("data.html", html)
        with transaction.atomic():
            now = timezone.now()
            subject_ref = subject_ref_for(visitor)
            export = SubjectExport.objects.create(
                request=request,
                site=visitor.site,
                subject_ref=subject_ref,
                requested_by=requested_by,
                file_name=file_name,
                created_at=now,
                expires_at=now + timedelta(hours=settings.PRIVACY_EXPORT_LINK_HOURS),
            )
            _complete_request(request, visitor=visitor, actor=requested_by)
            audit_record(
                action=AuditLogEntry.Action.EXPORT,
                actor=requested_by,
                site=visitor.site,
                subject_ref=subject_ref,
                details=_export_counts(data),
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return export


def subject_export_prune_expired(*, now=None) -> int:
    """Delete exports whose link expired unused, with their files; return how many.

    Their audit entries stay. Runs at the start of every `subject_export_create`;
    a periodic task can call it too, so no ZIP outlives its link for long.
    """
    now = now or timezone.now()
    with transaction.atomic():
        expired = SubjectExport.objects.filter(expires_at__lte=now, downloaded_at__isnull=True)
        file_names = list(expired.values_list("file_name", flat=True))
        expired.delete()
        transaction.on_commit(lambda: export_files_delete(file_names))
    return len(file_names)


def subject_export_take(*, export: SubjectExport, actor: User) -> bytes:
    """Hand out the ZIP once: mark it downloaded, audit, and delete the file after commit.

    The caller has checked the link (privacy.tokens). Raises ExportUnavailable
    when it was taken already, has expired or its file is gone.
    """
    with transaction.atomic():
        export = SubjectExport.objects.select_for_update().get(pk=export.pk)
        if export.requested_by_id != actor.pk:
            raise ExportUnavailable("This export belongs to another admin.")
        if export.downloaded_at is not None:
            raise ExportUnavailable("This export was downloaded already. Create a new one if needed.")
        if export.expires_at <= timezone.now():
            raise ExportUnavailable("This export has expired. Create a new one.")
        try:
            content = _export_path(export.file_name).read_bytes()
        except FileNotFoundError:
            raise ExportUnavailable("This export's file is gone. Create a new one.") from None
        export.downloaded_at = timezone.now()
        export.save(update_fields=["downloaded_at"])
        audit_record(
            action=AuditLogEntry.Action.EXPORT_DOWNLOAD,
            actor=actor,
            site=export.site,
            subject_ref=export.subject_ref,
            details={"bytes": len(content)},
        )
        file_name = export.file_name
        transaction.on_commit(lambda: export_files_delete([file_name]))
    return content


# --- Rectification and restriction (Art. 16, 18) --------------------------


def data_subject_rectify(
    *,
    visitor: Visitor,
    requested_by: User,
    name: str,
    email: str,
    phone: str,
    request: DataSubjectRequest | None = None,
) -> Visitor:
    """Replace the visitor's contact data. Raises ValidationError for a bad value.

    The audit entry lists the names of the changed fields, not their values.
    """
    values = {"name": (name or "").strip(), "email": (email or "").strip(), "phone": (phone or "").strip()}
    errors = {}
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "Enter a valid e-mail address."
    for field in ("name", "email", "phone"):
        limit = Visitor._meta.get_field(field).max_length
        if len(values[field]) > limit:
            errors[field] = f"At most {limit} characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visitor = Visitor.objects.select_for_update().select_related("site").get(pk=visitor.pk)
        changed = [field for field, value in values.items() if getattr(visitor, field) != value]
        for field in changed:
            setattr(visitor, field, values[field])
        if changed:
            visitor.save(update_fields=changed)
        _complete_request(request, visitor=visitor, actor=requested_by)
        audit_record(
            action=AuditLogEntry.Action.RECTIFY,
            actor=requested_by,
            site=visitor.site,
            subject_ref=subject_ref_for(visitor),
            details={"fields": changed},
        )
    return visitor


def data_subject_restrict(
    *, visitor: Visitor, requested_by: User, restricted: bool, request: DataSubjectRequest | None = None
) -> Visitor:
    """Set or lift the Art. 18 restriction: the data is kept but left out of purges and new processing."""
    with transaction.atomic():
        visitor = Visitor.objects.select_for_update().select_related("site").get(pk=visitor.pk)
        visitor.processing_restricted = restricted
        visitor.save(update_fields=["processing_restricted"])
        _complete_request(request, visitor=visitor, actor=requested_by)
        audit_record(
            action=AuditLogEntry.Action.RESTRICT if restricted else AuditLogEntry.Action.UNRESTRICT,
            actor=requested_by,
            site=visitor.site,
            subject_ref=subject_ref_for(visitor),
        )
    return visitor


def subject_request_create(
    *, site: Site, visitor: Visitor | None, kind: str, handled_by: User, note: str = ""
) -> DataSubjectRequest:
    """Record a request as received today, due in 30 days (Art. 12(3))."""
    if kind not in DataSubjectRequest.Kind.values:
        raise ValidationError({"kind": "Unknown request kind."})
    if visitor is not None and visitor.site_id != site.pk:
        raise ValidationError({"visitor": "The visitor belongs to another site."})
    subject_ref = subject_ref_for(visitor) if visitor is not None else ""
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            site=site, visitor=visitor, subject_ref=subject_ref, kind=kind, handled_by=handled_by, note=note
        )
        audit_record(
            action=AuditLogEntry.Action.REQUEST,
            actor=handled_by,
            site=site,
            subject_ref=subject_ref,
            details={"kind": kind, "request": request.pk},
        )
    return request


# --- Erasure (Art. 17) ------------------------------------------------------


def subject_rows_delete(*, conversation_ids: list[int]) -> tuple[int, int]:
    """Delete these conversations with their messages (notes cascade); returns both counts.

    The erase step shared by `data_subject_erase` and `site_delete`; call it inside their transaction.
    """
    messages, _ = Message.objects.filter(conversation_id__in=conversation_ids).delete()
    conversations, _ = Conversation.objects.filter(pk__in=conversation_ids).delete()
    return messages, conversations


def visitors_delete(*, visitor_ids: list[int]) -> int:
    """Delete visitors (contact data, IP address, token hash; consent records cascade), conversations gone."""
    _, per_model = Visitor.objects.filter(pk__in=visitor_ids).delete()
    return per_model.get(Visitor._meta.label, 0)


def data_subject_erase(
    *, visitor: Visitor, requested_by: User, request: DataSubjectRequest | None = None
) -> dict[str, int]:
    """Delete everything held about `visitor` and return the counts.

    In one transaction:
    1. Lock the visitor row and count what goes.
    2. Delete the messages, then the conversations (their internal notes cascade).
    3. Delete the subject's pending exports; their ZIP files go after commit, and so do the
       copies of mails about the subject that this server keeps (chatplatform.mail).
    4. Detach the data-subject requests (visitor=None); `subject_ref` keeps
       them tied to the audit log without naming anyone.
    5. Delete the visitor (contact data, IP address, token hash).
    6. Mark `request` done and write the "erase" audit entry with the counts.
    After commit:
    7. `session.ended` (reason "erased") to the visitor's sockets, which close
       them, and `conversation.erased` with the conversation ids to the
       site's agents, whose dashboards drop the rows.

    Nothing else holds subject data: there is no cache, and Redis (the
    channel layer) only carries in-flight event messages, which expire
    within a minute. Downloaded exports left no file behind.
    """
    if request is not None and request.site_id != visitor.site_id:
        raise ValueError("The request belongs to another site.")
    with transaction.atomic():
        # 1.
        visitor = Visitor.objects.select_for_update().select_related("site").get(pk=visitor.pk)
        site, visitor_pk, subject_ref = visitor.site, visitor.pk, subject_ref_for(visitor)
        public_id = visitor.public_id
        conversation_ids = list(Conversation.objects.filter(visitor=visitor).values_list("pk", flat=True))
        exports = SubjectExport.objects.filter(subject_ref=subject_ref, downloaded_at__isnull=True)
        export_files = list(exports.values_list("file_name", flat=True))
        # 2.
        messages, conversations = subject_rows_delete(conversation_ids=conversation_ids)
        # 3.
        exports.delete()
        transaction.on_commit(lambda: export_files_delete(export_files))
        # 4.
        requests = DataSubjectRequest.objects.filter(visitor=visitor)
        requests.filter(subject_ref="").update(subject_ref=subject_ref)
        request_count = requests.update(visitor=None)
        # 5.
        visitors_delete(visitor_ids=[visitor_pk])
        counts = {
            "visitors": 1,
            "conversations": conversations,
            "messages": messages,
            "exports": len(export_files),
            "requests": request_count,
        }
        # 6.
        if request is not None:
            request.visitor = None
        _complete_request(request, visitor=visitor, actor=requested_by)
        audit_record(
            action=AuditLogEntry.Action.ERASE,
            actor=requested_by,
            site=site,
            subject_ref=subject_ref,
            details=counts,
        )
        transaction.on_commit(lambda: stored_mail_delete(public_ids=[public_id]))
        # 7.
        send_event_on_commit(visitor_group(visitor_pk), {"type": "session.ended", "reason": "erased"})
        if conversation_ids:
            send_event_on_commit(
                site_agents_group(site.pk), {"type": "conversation.erased", "conversations": conversation_ids}
            )
    return counts
