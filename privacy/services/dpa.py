"""The data processing agreement (Art. 28 GDPR): which version is current, and who accepted it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Site, User
from privacy.models import AuditLogEntry, DPAAcceptance, DPAVersion
from privacy.selectors import can_accept_dpa
from privacy.services.audit import audit_record


@transaction.atomic
def dpa_accept(*, site: Site, version: DPAVersion, user: User) -> DPAAcceptance:
    """Record that `user` accepted `version` for `site`, with an audit entry in the same transaction.

    Raises PermissionDenied unless `user` owns the site or is a superuser.
    Accepting a version the site already accepted returns the existing
    acceptance and writes nothing.
    """
    if not can_accept_dpa(user=user, site=site):
        raise PermissionDenied("Only the site's owner can accept the data processing agreement.")
    existing = DPAAcceptance.objects.filter(site=site, version=version).first()
    if existing is not None:
        return existing
    acceptance = DPAAcceptance.objects.create(
        site=site,
        site_label=f"{site.name} ({site.key})",
        version=version,
        accepted_by=user,
        accepted_by_label=user.email,
    )
    audit_record(
        action=AuditLogEntry.Action.DPA_ACCEPT, actor=user, site=site, details={"version": version.version}
    )
    return acceptance
