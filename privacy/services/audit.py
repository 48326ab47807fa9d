"""The audit trail: who did what, with no personal data of the subject."""

import hashlib
import hmac

from django.conf import settings

from privacy.models import AuditLogEntry


def subject_ref_for(visitor) -> str:
    """A keyed hash of the visitor's public id: stable, but not reversible without SECRET_KEY."""
    key = f"privacy.subject_ref:{settings.SECRET_KEY}".encode()
    return hmac.new(key, str(visitor.public_id).encode(), hashlib.sha256).hexdigest()


def audit_record(*, action: str, actor=None, site=None, subject_ref: str = "", details=None) -> AuditLogEntry:
    """Append one entry. Call it inside the transaction of the change it records.

    `details` holds counts and setting names only, never message text or contact data.
    """
    return AuditLogEntry.objects.create(
        action=action,
        actor=actor,
        actor_label=actor.email if actor is not None else "system",
        site=site,
        subject_ref=subject_ref,
        details=details or {},
    )
