"""Contact data a visitor gives in the pre-chat or offline form.

Only the fields the site asks for are stored (data minimisation); the offline
form always asks for an e-mail address, because that is how the answer
reaches a visitor nobody could talk to.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Site
from conversations import event_schema
from conversations.events import send_event_on_commit, site_agents_group
from conversations.models import Visitor
from conversations.services import RESTRICTED_DETAIL, ChatError

LIMITS = {"name": 200, "email": 254, "phone": 50}
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,48}$")


def _one_line(value: object, field: str) -> str:
    """A single line of text: no control characters, so it is safe in e-mail headers and CSV."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ChatError("invalid_field", f"`{field}` must be a string.")
    value = value.strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ChatError("invalid_field", f"`{field}` must be a single line of text.")
    if len(value) > LIMITS[field]:
        raise ChatError("invalid_field", f"`{field}` has at most {LIMITS[field]} characters.")
    return value


def _check_format(field: str, value: str) -> None:
    if not value:
        return
    if field == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ChatError("invalid_field", "`email` is not a valid e-mail address.") from None
    if field == "phone" and not PHONE.match(value):
        raise ChatError("invalid_field", "`phone` is not a valid phone number.")


def contact_fields_asked(*, site: Site, offline: bool = False) -> dict[str, str]:
    """field -> off/optional/required, as the widget's form asks it."""
    asked = dict(site.prechat_fields)
    if offline:
        asked["email"] = Site.Ask.REQUIRED
    return asked


def contact_missing(*, site: Site, visitor: Visitor) -> list[str]:
    """Required pre-chat fields the visitor has not given yet; the widget asks for them."""
    return [
        field
        for field, ask in contact_fields_asked(site=site).items()
        if ask == Site.Ask.REQUIRED and not getattr(visitor, field)
    ]


@transaction.atomic
def visitor_contact_give(*, visitor: Visitor, values: dict, offline: bool = False) -> Visitor:
    """Store what the visitor typed into the form, validated against what the site asks.

    Fields the site does not ask for are ignored, not stored. Raises ChatError
    `contact_required` for a missing required field, `invalid_field` for a bad
    value, `processing_restricted` for a restricted visitor.
    """
    site = visitor.site
    fresh = Visitor.objects.select_for_update().get(pk=visitor.pk)
    if fresh.processing_restricted:
        raise ChatError("processing_restricted", RESTRICTED_DETAIL)
    changes = {}
    for field, ask in contact_fields_asked(site=site, offline=offline).items():
        if ask == Site.Ask.OFF:
            continue
        value = _one_line(values.get(field), field)
        _check_format(field, value)
        if not value and ask == Site.Ask.REQUIRED and not getattr(fresh, field):
            raise ChatError("contact_required", f"`{field}` is required.")
        if value:
            changes[field] = value.lower() if field == "email" else value
    if changes:
        Visitor.objects.filter(pk=fresh.pk).update(**changes)
        for field, value in changes.items():
            setattr(fresh, field, value)
        send_event_on_commit(
            site_agents_group(site.pk),
            {"type": "visitor.updated", "visitor": event_schema.visitor_for_agent(fresh)},
        )
    fresh.site = site
    return fresh
