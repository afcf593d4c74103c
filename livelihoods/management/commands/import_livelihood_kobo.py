"""manage.py import_livelihood_kobo: load a KoboToolbox / ODK Central export of the skills profile or reintegration
survey form (livelihoods/xlsform.py), as its uploader."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from landreg.kobo_exports import max_export_bytes
from livelihoods.kobo import submissions_import
from livelihoods.xlsform import FORMS


class Command(BaseCommand):
    help = (
        "Import skills profiles or reintegration survey rounds exported from KoboToolbox or ODK Central (JSON or "
        "CSV) as the uploader named by --user: their provinces bound every row. Importing the same export again "
        "creates nothing new. Prints the report, one entry per row."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The JSON, CSV or ODK Central zip export.")
        parser.add_argument("--form", choices=FORMS, required=True, help="profile or survey: the form exported.")
        parser.add_argument(
            "--user",
            required=True,
            help="The uploader (a field officer, land officer or administrator): the import acts for them, only on "
            "households of their provinces.",
        )

    def handle(self, *args, export, form, user, **options):
        by = get_user_model().objects.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"There is no active user {user}; --user names the landreg user who imports.")
        path = Path(export)
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if path.stat().st_size > max_export_bytes():
            raise CommandError(f"{path} is larger than the import limit ({max_export_bytes() / 1e6:.0f} MB).")
        try:
            report = submissions_import(form=form, data=path.read_bytes(), filename=path.name, by=by)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False, default=str))
