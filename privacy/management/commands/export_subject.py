from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from privacy.management.commands._subject import add_subject_arguments, resolve
from privacy.services.subjects import subject_export_create, subject_export_take


class Command(BaseCommand):
    help = (
        "Export everything held about one visitor (Art. 15, 20 GDPR) as a ZIP with data.json and "
        "data.html, and print the ZIP's path. The export and its hand-over are recorded in the audit log. "
        "Prints no personal data; keep the file safe and delete it once it is delivered."
    )

    def add_arguments(self, parser) -> None:
        add_subject_arguments(parser)
        parser.add_argument(
            "--out", metavar="DIR", default=".", help="Folder to write the ZIP to (default: .)."
        )

    def handle(self, *args, **options) -> None:
        out = Path(options["out"])
        if not out.is_dir():
            raise CommandError("--out must be an existing folder.")
        visitor, actor = resolve(options)
        export = subject_export_create(visitor=visitor, requested_by=actor)
        path = out / f"subject-export-{export.pk}.zip"
        path.touch(mode=0o600)
        path.write_bytes(subject_export_take(export=export, actor=actor))
        self.stdout.write(str(path.resolve()))
