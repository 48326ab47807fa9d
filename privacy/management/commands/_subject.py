"""Arguments shared by export_subject and erase_subject: the site, the subject and the actor."""

from django.core.management.base import CommandError

from accounts.models import Site, User
from conversations.models import Visitor
from privacy.selectors import can_manage_privacy


def add_subject_arguments(parser) -> None:
    parser.add_argument("--site", required=True, metavar="KEY", help="The site's public key (site_…).")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--visitor", metavar="UUID", help="The visitor's public id.")
    who.add_argument("--email", metavar="E", help="The visitor's e-mail address (must match exactly one).")
    parser.add_argument(
        "--actor",
        required=True,
        metavar="EMAIL",
        help="Your account (a superuser, or an owner or admin of the site); the audit log names it.",
    )


def resolve(options) -> tuple[Visitor, User]:
    """The visitor and the acting user, or CommandError. Never echoes the subject's data."""
    site = Site.objects.filter(key=options["site"]).first()
    if site is None:
        raise CommandError("No site with this key.")
    actor = User.objects.filter(email__iexact=options["actor"], is_active=True).first()
    if actor is None or not can_manage_privacy(user=actor, site=site):
        raise CommandError("--actor must be an active superuser, or an owner or admin of the site.")
    visitors = Visitor.objects.filter(site=site).select_related("site")
    if options["visitor"]:
        try:
            visitors = visitors.filter(public_id=options["visitor"])
            found = list(visitors[:2])
        except Exception as exc:  # a malformed UUID
            raise CommandError("--visitor must be a visitor id (UUID).") from exc
    else:
        found = list(visitors.filter(email__iexact=options["email"].strip())[:2])
    if not found:
        raise CommandError("No visitor of this site matches.")
    if len(found) > 1:
        raise CommandError("Several visitors have this e-mail address; give --visitor instead.")
    return found[0], actor
