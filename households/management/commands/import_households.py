"""Check, then register, a list of households from a CSV or XLSX file (a dry run unless --commit)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from households.bulk import ListError, households_import


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--as-user", required=True, help="The land officer the registrations are recorded for.")
        parser.add_argument("--commit", action="store_true", help="Register (all or nothing); default: dry run.")

    def handle(self, *args, path, as_user, commit, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        user = get_user_model().objects.filter(username=as_user).first()
        if user is None:
            raise CommandError(f"No user {as_user}.")

        def progress(stage, done, total):
            step = max(1, total // 20)
            if done == total or done % step == 0:
                self.stdout.write(f"  {stage} {done}/{total}")

        try:
            report = households_import(
                name=path.name, content=path.read_bytes(), by=user, dry_run=not commit, progress=progress
            )
        except ListError as exc:
            raise CommandError(str(exc)) from exc
        for row in report.rows:
            if row.outcome != "create" or row.messages:
                self.stdout.write(f"row {row.row}: {row.outcome}: {' '.join(row.messages)}")
        counts = report.counts
        summary = f"{counts['create']} to create, {counts['duplicate']} duplicates, {counts['invalid']} invalid"
        if report.committed:
            self.stdout.write(self.style.SUCCESS(f"registered: {summary}"))
        elif commit:
            raise CommandError(f"nothing registered: {summary}. Fix the invalid rows and run again.")
        else:
            self.stdout.write(f"dry run, nothing written: {summary}")
