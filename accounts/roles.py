"""Who may do what on a site: the role table of docs/security.md, in one place.

- The operator (a superuser) runs the installation and may do everything.
- An owner of a site manages it completely: settings, team (any role), the DPA,
  deleting the site.
- An admin of a site manages its settings, agents, canned responses, tokens and
  webhooks, and its data subjects; it cannot make owners or admins, change
  anyone's role, remove owners or admins, accept the DPA or delete the site.
- An agent chats in the dashboard and has no admin access.

Membership rows are the permissions: Django's model permissions, groups and
`is_staff` are not consulted for anyone but the operator, so nothing has to be
ticked by hand and nothing ticked by hand widens a member's reach.
"""

from django.db.models import QuerySet

from accounts.models import Membership, Site, User

OWNER = Membership.Role.OWNER
ADMIN = Membership.Role.ADMIN
AGENT = Membership.Role.AGENT

MANAGER_ROLES: tuple[str, ...] = (OWNER, ADMIN)
OWNER_ROLES: tuple[str, ...] = (OWNER,)


def is_operator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def site_list_with_role(*, user, roles: tuple[str, ...] = MANAGER_ROLES) -> QuerySet[Site]:
    """Sites where `user` holds one of `roles`; every site for the operator, none for anyone inactive."""
    if not _active(user):
        return Site.objects.none()
    if user.is_superuser:
        return Site.objects.all()
    return Site.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def has_role(*, user, site_id: int | None, roles: tuple[str, ...] = MANAGER_ROLES) -> bool:
    """Whether `user` holds one of `roles` on the site with `site_id` (the operator always does)."""
    if not _active(user) or (site_id is None and not user.is_superuser):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, site_id=site_id, role__in=roles).exists()


def has_role_anywhere(*, user, roles: tuple[str, ...] = MANAGER_ROLES) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role__in=roles).exists()


def may_use_admin(user) -> bool:
    """The Django admin is for the operator and for owners and admins of at least one site."""
    return has_role_anywhere(user=user, roles=MANAGER_ROLES)


def roles_grantable(*, user, site_id: int | None) -> list[str]:
    """The roles `user` may give a member of the site: all for owners, agent only for admins."""
    if has_role(user=user, site_id=site_id, roles=OWNER_ROLES):
        return [OWNER, ADMIN, AGENT]
    if has_role(user=user, site_id=site_id, roles=(ADMIN,)):
        return [AGENT]
    return []


def may_remove_member(*, user, membership: Membership) -> bool:
    """Owners remove anyone; admins remove agents only."""
    if has_role(user=user, site_id=membership.site_id, roles=OWNER_ROLES):
        return True
    return membership.role == AGENT and has_role(user=user, site_id=membership.site_id, roles=(ADMIN,))


def user_list_visible_to(*, user) -> QuerySet[User]:
    """Accounts `user` may see in the admin: members of the sites it manages (all for the operator)."""
    if not _active(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    sites = site_list_with_role(user=user, roles=MANAGER_ROLES)
    return User.objects.filter(memberships__site__in=sites).distinct()
