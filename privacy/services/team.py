"""Team changes of a site, audited: who may read a site's personal data is part of its record.

The admin's "Team members" page calls these and nothing else. Each writes a "team" entry in the
audit log inside the same transaction; it names the member by account id, never by e-mail.
"""

from django.db import transaction

from accounts.models import Membership, Site, User
from accounts.services import membership_add, membership_remove, membership_role_set
from privacy.models import AuditLogEntry
from privacy.services.audit import audit_record


def team_member_invite(*, site: Site, email: str, role: str, invited_by: User) -> Membership:
    """Add `email` to `site` with `role` and e-mail the invitation after commit.

    A new account gets a one-time link to set its password (accounts.tokens); an existing one a
    notice that it can now answer this site's chats.
    """
    from accounts.tasks import membership_invitation_send_task

    with transaction.atomic():
        membership, created = membership_add(site=site, email=email, role=role)
        audit_record(
            action=AuditLogEntry.Action.TEAM,
            actor=invited_by,
            site=site,
            details={"change": "invited", "member": membership.user_id, "role": role, "new_account": created},
        )
        transaction.on_commit(
            lambda: membership_invitation_send_task.delay(
                membership_id=membership.pk, invited_by_id=invited_by.pk
            )
        )
    return membership


def team_invitation_resend(*, membership: Membership, actor: User) -> bool:
    """Send the invitation again to a member who has not set a password yet; False for anyone else."""
    from accounts.tasks import membership_invitation_send_task

    if membership.user.has_usable_password():
        return False
    transaction.on_commit(
        lambda: membership_invitation_send_task.delay(membership_id=membership.pk, invited_by_id=actor.pk)
    )
    return True


@transaction.atomic
def team_member_role_set(*, membership: Membership, role: str, actor: User) -> Membership:
    # The stored role: an admin form has already put the new one on the instance.
    before = Membership.objects.select_for_update().values_list("role", flat=True).get(pk=membership.pk)
    membership_role_set(membership=membership, role=role)
    if before != role:
        audit_record(
            action=AuditLogEntry.Action.TEAM,
            actor=actor,
            site=membership.site,
            details={"change": "role", "member": membership.user_id, "role": [before, role]},
        )
    return membership


@transaction.atomic
def team_member_remove(*, membership: Membership, actor: User) -> None:
    """Remove the member; its logins end and its sockets close (accounts.services.membership_remove)."""
    site, member_id, role = membership.site, membership.user_id, membership.role
    membership_remove(membership=membership)
    audit_record(
        action=AuditLogEntry.Action.TEAM,
        actor=actor,
        site=site,
        details={"change": "removed", "member": member_id, "role": role},
    )
