from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import site_create


class Command(BaseCommand):
    help = "Create a site; prints its public site key as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument(
            "--origin",
            action="append",
            required=True,
            help="An allowed origin, e.g. https://shop.example.com",
        )

    def handle(self, *args, name, origin, **options):
        try:
            site = site_create(name=name, origins=origin)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Created site {site.name!r}. Embed:")
        self.stdout.write(
            f'<script src="{settings.PUBLIC_URL}/widget.js" data-site-key="{site.key}" async></script>'
        )
        self.stdout.write(site.key)
