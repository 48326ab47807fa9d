import secrets

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Membership, Site
from accounts.services import agent_create, site_create, site_set_origins

DEMO_SITE = "Demo shop"
DEMO_EMAIL = "demo@example.com"


class Command(BaseCommand):
    help = "Create or refresh the demo site and demo agent; sets a new agent password each run."

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
        password = secrets.token_urlsafe(9)
        agent = agent_create(
            site=site, email=DEMO_EMAIL, name="Demo Agent", role=Membership.Role.OWNER, password=password
        )
        if not agent.is_staff:
            agent.is_staff = agent.is_superuser = True
            agent.save(update_fields=["is_staff", "is_superuser"])
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Demo agent login (also Django admin):",
                    f"  e-mail:    {DEMO_EMAIL}",
                    f"  password:  {password}",
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
