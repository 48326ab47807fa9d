"""Consent of a visitor's browser to the optional storage categories (analytics, marketing).

Functional storage needs no consent. The widget reports the state its host
page's cookie banner gave (chatplatform('consent', ...)) once the visitor has
a session; a record is written only when the state differs from the last one,
so the records are the history of changes, each with the notice then shown.
"""

from django.db import transaction

from conversations.models import Visitor
from privacy.models import ConsentRecord
from privacy.services.notice import chat_notice_get


@transaction.atomic
def consent_record(*, visitor: Visitor, analytics: bool, marketing: bool, notice_version: object = None):
    """Store the visitor's consent if it changed; return (record, created)."""
    last = (
        ConsentRecord.objects.filter(visitor=visitor)
        .select_related("notice_version")
        .order_by("-created_at", "-pk")
        .first()
    )
    notice = chat_notice_get(site=visitor.site, version=notice_version)
    if last is not None and (last.analytics, last.marketing) == (analytics, marketing):
        return last, False
    record = ConsentRecord.objects.create(
        site_id=visitor.site_id,
        visitor=visitor,
        analytics=analytics,
        marketing=marketing,
        notice_version=notice,
    )
    return record, True
