"""manage.py import_field_submissions: load a KoboToolbox / ODK Central export of our XLSForms."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shelters.kobo import Attachments, submissions_import


class Command(BaseCommand):
    help = (
        "Import shelter inspections or occupancy checks exported from KoboToolbox or ODK Central (JSON or CSV), "
        "with their photos (a folder or a zip). Importing the same export again creates nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The JSON or CSV export (an ODK Central zip holds the CSV and media/).")
        parser.add_argument("--form", choices=["inspection", "occupancy"], default="inspection")
        parser.add_argument("--media", help="Folder or zip of the photo attachments.")
        parser.add_argument("--user", required=True, help="Who imports (recorded with the import).")
        parser.add_argument(
            "--inspector", help="Field officer to record when a submission's username is not a landreg user."
        )

    def handle(self, *args, export, form, media, user, inspector, **options):
        users = get_user_model().objects
        try:
            by = users.get(username=user)
            default_inspector = users.get(username=inspector) if inspector else None
        except users.model.DoesNotExist as exc:
            raise CommandError(f"No such user: {exc}") from None
        path = Path(export)
        if not path.exists():
            raise CommandError(f"{export} does not exist.")
        attachments = Attachments(media) if media else Attachments()
        if path.suffix.lower() == ".zip":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith((".csv", ".json"))]
                if not names:
                    raise CommandError("The zip holds no CSV or JSON export.")
                data, filename = archive.read(names[0]), names[0]
            attachments.files.update(Attachments(path).files)
        else:
            data, filename = path.read_bytes(), path.name
        report = submissions_import(
            form=form, data=data, filename=filename, attachments=attachments, by=by, inspector=default_inspector
        )
        self.stdout.write(json.dumps(report, indent=2, ensure_ascii=False))
