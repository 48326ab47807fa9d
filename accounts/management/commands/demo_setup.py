import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Membership, Site, User
from accounts.services import agent_create, agent_password_set, site_create, site_set_origins

DEMO_SITE = "Demo shop"
DEMO_EMAIL = "demo@example.com"  # the agent
DEMO_OWNER_EMAIL = "owner@example.com"
DEMO_OPERATOR_EMAIL = "operator@example.com"


class Command(BaseCommand):
    help = (
        "Create or refresh the demo site with an owner and an agent, and the operator (superuser); "
        "sets new passwords on every run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--host-page", default="http://localhost:8001", help="Origin of the demo host page"
        )

    def handle(self, *args, host_page, **options):
        origins = [host_page.rstrip("/"), host_page.rstrip("/").replace("localhost", "127.0.0.1")]
        site = Site.objects.filter(name=DEMO_SITE).first()
        if site is None:
            site = site_create(name=DEMO_SITE, origins=origins)
        else:
            site_set_origins(site=site, origins=origins)
        passwords = {
            email: secrets.token_urlsafe(9) for email in (DEMO_EMAIL, DEMO_OWNER_EMAIL, DEMO_OPERATOR_EMAIL)
        }
        agent = agent_create(
            site=site,
            email=DEMO_EMAIL,
            name="Demo Agent",
            role=Membership.Role.AGENT,
            password=passwords[DEMO_EMAIL],
        )
        if agent.is_superuser or agent.is_staff:  # earlier demos made the agent an operator
            User.objects.filter(pk=agent.pk).update(is_staff=False, is_superuser=False)
        agent_create(
            site=site,
            email=DEMO_OWNER_EMAIL,
            name="Demo Owner",
            role=Membership.Role.OWNER,
            password=passwords[DEMO_OWNER_EMAIL],
        )
        operator = User.objects.filter(email=DEMO_OPERATOR_EMAIL).first()
        if operator is None:
            User.objects.create_superuser(email=DEMO_OPERATOR_EMAIL, password=passwords[DEMO_OPERATOR_EMAIL])
        else:
            agent_password_set(agent=operator, password=passwords[DEMO_OPERATOR_EMAIL])
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Demo logins (new passwords on every run):",
                    f"  agent:     {DEMO_EMAIL:<22} {passwords[DEMO_EMAIL]}   answers chats in the dashboard",
                    f"  owner:     {DEMO_OWNER_EMAIL:<22} {passwords[DEMO_OWNER_EMAIL]}   "
                    "manages the demo site in the admin (not a superuser)",
                    f"  operator:  {DEMO_OPERATOR_EMAIL:<22} {passwords[DEMO_OPERATOR_EMAIL]}   "
                    "superuser: runs the installation",
                    f"  dashboard: {settings.PUBLIC_URL}/dashboard/",
                    f"  admin:     {settings.PUBLIC_URL}/admin/",
                    f"  demo page: {host_page}/ (a shop page that embeds the widget)",
                    "Embed snippet:",
                    f'  <script src="{settings.PUBLIC_URL}/widget.js" '
                    f'data-site-key="{site.key}" async></script>',
                    "",
                ]
            )
        )
