from django.core.management.base import BaseCommand

from accounts.models import Site
from privacy.services.retention import retention_purge


class Command(BaseCommand):
    help = (
        "Delete, for every site, conversations (with their messages) whose last activity is older "
        "than the site's retention_days, then visitors with no conversation left who were last seen "
        "before that, or more than CHAT_SILENT_VISITOR_HOURS (23) ago if that is later. Visitors with "
        "restricted processing keep everything. Celery beat runs the same purge hourly; see "
        "docs/privacy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, dry_run: bool, **options):
        result = retention_purge(dry_run=dry_run)
        names = dict(Site.objects.filter(pk__in=result).values_list("pk", "name"))
        verb = "would delete" if dry_run else "deleted"
        for site_id, counts in result.items():
            self.stdout.write(
                f"{names.get(site_id, '?')} (site {site_id}): {verb} {counts['conversations']} "
                f"conversations, {counts['messages']} messages, {counts['visitors']} visitors"
            )
