from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.models import User
from accounts.selectors import site_get_by_key
from privacy.services.site_deletion import (
    SiteDeletionRefused,
    site_delete,
    site_deletion_counts,
    site_legal_holds,
)


class Command(BaseCommand):
    help = (
        "Delete a site as an erasure: every visitor (contact data, IP address, token hash, consent "
        "records), conversation, message and pending export of the site, its team memberships, canned "
        "responses, API tokens and webhooks. Refused while a legal hold exists (a visitor with "
        "restricted processing, an open data-subject request). The audit log keeps an entry with the "
        "counts and the site's name and key; DPA acceptances are kept. A dry run by default; pass "
        "--for-real to delete."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--site", required=True, help="The site key")
        parser.add_argument("--actor", required=True, help="E-mail of the operator or an owner of the site")
        parser.add_argument("--for-real", action="store_true", help="Delete. Without it nothing changes.")

    def handle(self, *args, site, actor, for_real, **options) -> None:
        site_obj = site_get_by_key(key=site)
        if site_obj is None:
            raise CommandError("No site has that key.")
        user = User.objects.filter(email__iexact=actor, is_active=True).first()
        if user is None or not roles.has_role(user=user, site_id=site_obj.pk, roles=roles.OWNER_ROLES):
            raise CommandError("--actor must be an active superuser or an owner of the site.")
        holds = site_legal_holds(site=site_obj)
        if not for_real:
            self.stdout.write(
                f"Dry run, nothing deleted. Would delete: {_format(site_deletion_counts(site=site_obj))}."
            )
            for reason in holds:
                self.stdout.write(f"Refused now: {reason}")
            self.stdout.write("Run again with --for-real to delete.")
            return
        try:
            counts = site_delete(site=site_obj, requested_by=user)
        except SiteDeletionRefused as exc:
            raise CommandError("The site cannot be deleted now: " + " ".join(exc.reasons)) from exc
        self.stdout.write(f"Deleted the site. Erased: {_format(counts)}.")


def _format(counts: dict[str, int]) -> str:
    return (
        f"{counts['visitors']} visitor(s), {counts['conversations']} conversation(s), "
        f"{counts['messages']} message(s), {counts['exports']} pending export(s), "
        f"{counts['members']} team membership(s)"
    )
