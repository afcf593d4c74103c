"""manage.py import_border_kobo: load a KoboToolbox / ODK Central export of the border registration form, as its
uploader (docs/movements.md)."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from landreg.kobo_exports import max_export_bytes
from movements.kobo import border_submissions_import


class Command(BaseCommand):
    help = (
        "Import border registrations exported from KoboToolbox or ODK Central (JSON, ODK Central's zip of CSVs, or "
        "CSV with the members as members[1]/name… columns) as the uploader named by --user: only at crossing points "
        "of their provinces. "
        "Importing the same export again records nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The JSON, CSV or ODK Central zip export.")
        parser.add_argument(
            "--user",
            required=True,
            help="The uploader (a field officer of the border team or a land officer): the import acts for them.",
        )

    def handle(self, *args, export, user, **options):
        by = get_user_model().objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"There is no active user {user}; --user names the landreg user who imports.")
        path = Path(export)
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if path.stat().st_size > max_export_bytes():
            raise CommandError(f"{path} is larger than the import limit ({max_export_bytes() / 1e6:.0f} MB).")
        try:
            report = border_submissions_import(data=path.read_bytes(), filename=path.name, by=by)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
