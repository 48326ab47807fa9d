"""A site's privacy settings (retention, IP handling): every change leaves an audit entry."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Site
from privacy.models import AuditLogEntry
from privacy.services.audit import audit_record

RETENTION_DAYS_MIN = 1
RETENTION_DAYS_MAX = 3650
PRIVACY_FIELDS = ("retention_days", "ip_handling")


@transaction.atomic
def site_privacy_settings_update(*, site: Site, actor, retention_days: int, ip_handling: str) -> Site:
    """Validate and store the settings; audit the fields that changed as {"field": [old, new]}.

    Old values are read from the database (locked), not from `site`, whose
    attributes a form may already have overwritten. No change writes nothing.
    """
    if (
        isinstance(retention_days, bool)
        or not isinstance(retention_days, int)
        or not RETENTION_DAYS_MIN <= retention_days <= RETENTION_DAYS_MAX
    ):
        raise ValidationError(
            {"retention_days": f"Give a number of days from {RETENTION_DAYS_MIN} to {RETENTION_DAYS_MAX}."}
        )
    if ip_handling not in Site.IpHandling.values:
        raise ValidationError({"ip_handling": f"Use one of {', '.join(Site.IpHandling.values)}."})
    stored = Site.objects.select_for_update().filter(pk=site.pk).values(*PRIVACY_FIELDS).get()
    wanted = {"retention_days": retention_days, "ip_handling": ip_handling}
    changes = {field: [stored[field], value] for field, value in wanted.items() if stored[field] != value}
    for field, value in wanted.items():
        setattr(site, field, value)
    if changes:
        site.save(update_fields=list(changes))
        audit_record(action=AuditLogEntry.Action.SETTINGS, actor=actor, site=site, details=changes)
    return site
