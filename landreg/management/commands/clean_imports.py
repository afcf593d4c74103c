"""Delete files uploaded for a dry run and never imported, once older than LANDREG_IMPORT_RETENTION_HOURS.

Household lists kept between the dry run and the real run (MEDIA_ROOT/imports: names and ID numbers in clear), and
layout files kept for an import that was never committed (MEDIA_ROOT/layouts). Run it from cron, e.g. hourly.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from landreg import cleanup


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=None,
            help="Delete files older than this many hours (default: LANDREG_IMPORT_RETENTION_HOURS).",
        )

    def handle(self, *args, older_than_hours, **options):
        hours = settings.LANDREG_IMPORT_RETENTION_HOURS if older_than_hours is None else older_than_hours
        if hours < 0:
            raise CommandError("--older-than-hours must be 0 or more.")
        removed = cleanup.run(older_than_hours=hours)  # each app registers its own in AppConfig.ready()
        for path in removed:
            self.stdout.write(f"removed {path.relative_to(settings.MEDIA_ROOT)}")
        self.stdout.write(f"{len(removed)} file(s) older than {hours:g} hours removed.")
