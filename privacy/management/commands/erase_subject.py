from django.core.management.base import BaseCommand

from privacy.management.commands._subject import add_subject_arguments, resolve
from privacy.services.subjects import data_subject_counts, data_subject_erase


class Command(BaseCommand):
    help = (
        "Erase one visitor (Art. 17 GDPR). Deletes the visitor record (name, e-mail, phone, IP address, "
        "token hash), every conversation and message of the visitor, and exports not yet downloaded; "
        "requests about the visitor are kept without the link to them. Ends the visitor's open chat "
        "windows and records the erasure with counts in the audit log. A dry run by default: it prints "
        "what would be deleted; pass --for-real to delete."
    )

    def add_arguments(self, parser) -> None:
        add_subject_arguments(parser)
        parser.add_argument("--for-real", action="store_true", help="Delete. Without it nothing changes.")

    def handle(self, *args, **options) -> None:
        visitor, actor = resolve(options)
        if not options["for_real"]:
            counts = data_subject_counts(visitor=visitor)
            self.stdout.write(f"Dry run, nothing deleted. Would delete: {_format(counts)}.")
            self.stdout.write("Run again with --for-real to delete.")
            return
        counts = data_subject_erase(visitor=visitor, requested_by=actor)
        self.stdout.write(f"Erased: {_format(counts)}.")


def _format(counts: dict[str, int]) -> str:
    return (
        f"{counts['visitors']} visitor, {counts['conversations']} conversation(s), "
        f"{counts['messages']} message(s), {counts['exports']} pending export(s); "
        f"{counts['requests']} request(s) kept without the link"
    )
