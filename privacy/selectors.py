"""Who may act on a site's data subjects, and the access helpers the DPO pages use."""

import uuid

from django.utils import timezone

from accounts.models import Membership, Site, User
from conversations.models import Visitor
from privacy.models import DataSubjectRequest, DPAAcceptance, DPAVersion, SubjectExport

PRIVACY_ROLES = (Membership.Role.OWNER, Membership.Role.ADMIN)


def can_manage_privacy(*, user: User, site: Site) -> bool:
    """Superusers, and owners or admins of `site`. Agents and other sites' owners may not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, site=site, role__in=PRIVACY_ROLES).exists()


def site_list_for_dpo(*, user: User) -> list[Site]:
    """The sites whose data subjects `user` may search, export and erase."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    sites = Site.objects.order_by("name", "pk")
    if not user.is_superuser:
        sites = sites.filter(memberships__user=user, memberships__role__in=PRIVACY_ROLES)
    return list(sites)


def visitor_get_for_dpo(*, user: User, visitor_id: uuid.UUID | str) -> Visitor | None:
    """The visitor with public id `visitor_id` if `user` manages its site, else None (never tell which)."""
    try:
        public_id = uuid.UUID(str(visitor_id))
    except ValueError:
        return None
    visitor = Visitor.objects.filter(public_id=public_id).select_related("site").first()
    if visitor is None or not can_manage_privacy(user=user, site=visitor.site):
        return None
    return visitor


def subject_export_get_for_requester(*, user: User, export_id: int) -> SubjectExport | None:
    """An export only ever belongs to the admin who asked for it; anyone else gets None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return SubjectExport.objects.filter(pk=export_id, requested_by=user).select_related("site").first()


def subject_request_list(*, visitor: Visitor) -> list[DataSubjectRequest]:
    """Requests about `visitor`, open ones first, soonest due first."""
    return list(DataSubjectRequest.objects.filter(visitor=visitor).order_by("status", "due_at", "pk"))


def subject_request_get_open(*, visitor: Visitor, request_id) -> DataSubjectRequest | None:
    """The open request about `visitor` with this id (as posted by a form), else None."""
    if not request_id or not str(request_id).isdigit():
        return None
    return DataSubjectRequest.objects.filter(
        pk=int(request_id), visitor=visitor, status=DataSubjectRequest.Status.OPEN
    ).first()


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
