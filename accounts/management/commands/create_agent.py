from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Membership, User
from accounts.selectors import site_get_by_key
from accounts.services import agent_create


class Command(BaseCommand):
    help = "Create an agent (or update one with that e-mail) and add it to a site with a role."

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="The site key")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="Display name shown to visitors")
        parser.add_argument("--role", choices=Membership.Role.values, default=Membership.Role.AGENT)
        parser.add_argument(
            "--password",
            required=True,
            help="Checked against AUTH_PASSWORD_VALIDATORS; ends the agent's other logins",
        )

    def handle(self, *args, site, email, name, role, password, **options):
        site_obj = site_get_by_key(key=site)
        if site_obj is None:
            raise CommandError("No site has that key.")
        existing = User.objects.filter(email__iexact=email.strip()).first()
        try:
            validate_password(password, existing or User(email=email.strip().lower(), display_name=name))
        except ValidationError as exc:
            raise CommandError("The password is refused: " + " ".join(exc.messages)) from exc
        user = agent_create(site=site_obj, email=email, name=name, role=role, password=password)
        self.stdout.write(f"Agent {user.pk} is {role} of {site_obj.name!r}.")
