"""Who may act on a site's data subjects, and the access helpers the DPO pages use."""

import uuid

from django.utils import timezone

from accounts import roles
from accounts.models import Site, User
from conversations.models import Visitor
from privacy.models import DataSubjectRequest, DPAAcceptance, DPAVersion, SubjectExport


def can_manage_privacy(*, user: User, site: Site) -> bool:
    """Superusers, and owners or admins of `site` (accounts.roles). Agents and other sites' owners may not."""
    return roles.has_role(user=user, site_id=site.pk, roles=roles.MANAGER_ROLES)


def site_list_for_dpo(*, user: User) -> list[Site]:
    """The sites whose data subjects `user` may search, export and erase."""
    return list(roles.site_list_with_role(user=user, roles=roles.MANAGER_ROLES).order_by("name", "pk"))


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
    return roles.has_role(user=user, site_id=site.pk, roles=roles.OWNER_ROLES)


def site_list_for_dpa(*, user: User) -> list[Site]:
    """The sites for which `user` may accept the DPA."""
    return list(roles.site_list_with_role(user=user, roles=roles.OWNER_ROLES).order_by("name", "pk"))


def dpa_acceptance_list(*, sites: list[Site]) -> list[DPAAcceptance]:
    """Acceptances of these sites, newest first."""
    return list(
        DPAAcceptance.objects.filter(site__in=sites)
        .select_related("site", "version")
        .order_by("-accepted_at")
    )
