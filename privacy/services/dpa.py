"""The data processing agreement (Art. 28 GDPR): which version is current, and who accepted it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Site, User
from privacy.models import AuditLogEntry, DPAAcceptance, DPAVersion
from privacy.services.audit import audit_record


def dpa_version_current(*, today=None) -> DPAVersion | None:
    """The version in force: the latest one whose effective date has come. None if none is published."""
    today = today or timezone.localdate()
    return DPAVersion.objects.filter(effective_date__lte=today).order_by("-effective_date", "-pk").first()


def can_accept_dpa(*, user: User, site: Site) -> bool:
    """Only the site's owner (who signs for the controller) or a superuser. Admins and agents may not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, site=site, role=Membership.Role.OWNER).exists()


def site_list_for_dpa(*, user: User) -> list[Site]:
    """The sites for which `user` may accept the DPA."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    sites = Site.objects.order_by("name", "pk")
    if not user.is_superuser:
        sites = sites.filter(memberships__user=user, memberships__role=Membership.Role.OWNER)
    return list(sites)


def dpa_acceptance_list(*, sites: list[Site]) -> list[DPAAcceptance]:
    """Acceptances of these sites, newest first."""
    return list(
        DPAAcceptance.objects.filter(site__in=sites)
        .select_related("site", "version")
        .order_by("-accepted_at")
    )


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
        site=site, version=version, accepted_by=user, accepted_by_label=user.email
    )
    audit_record(
        action=AuditLogEntry.Action.DPA_ACCEPT, actor=user, site=site, details={"version": version.version}
    )
    return acceptance
